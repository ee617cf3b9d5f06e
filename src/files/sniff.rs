//! What an upload is, read from its bytes: the allowlist of types the mechanism keeps, decided
//! by the content (magic numbers and, for office formats, the archive's entries), never by the
//! name or the type the client declared. Text (CSV, plain) is what is valid UTF-8 without NUL
//! bytes all through, checked as the bytes stream by.

crate::stored_enum! {
    /// The types the mechanism accepts.
    pub enum Kind {
        Pdf = "pdf",
        Docx = "docx",
        Xlsx = "xlsx",
        Pptx = "pptx",
        Odt = "odt",
        Ods = "ods",
        Csv = "csv",
        Txt = "txt",
        Png = "png",
        Jpeg = "jpeg",
    }
}

impl Kind {
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Kind::Odt => "application/vnd.oasis.opendocument.text",
            Kind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Kind::Csv => "text/csv",
            Kind::Txt => "text/plain",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }

    /// The usual file extension of the type.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            other => other.as_str(),
        }
    }

    fn text(self) -> bool {
        matches!(self, Kind::Csv | Kind::Txt)
    }

    /// Whether a client declaring `declared` (lower case, no parameters) could mean this type.
    /// Generic types (`application/octet-stream`) and none at all mean "whatever it is".
    pub fn agrees_with(self, declared: Option<&str>) -> bool {
        let Some(d) = declared else { return true };
        // curl's `--data-binary` says form-urlencoded unless told otherwise.
        if matches!(
            d,
            "" | "application/octet-stream"
                | "binary/octet-stream"
                | "application/x-www-form-urlencoded"
        ) {
            return true;
        }
        match self {
            Kind::Csv | Kind::Txt => matches!(
                d,
                "text/csv" | "text/plain" | "application/csv" | "text/comma-separated-values"
            ),
            Kind::Jpeg => matches!(d, "image/jpeg" | "image/jpg" | "image/pjpeg"),
            // Office files are zip archives; some clients say only that.
            Kind::Docx | Kind::Xlsx | Kind::Pptx | Kind::Odt | Kind::Ods => {
                d == self.media_type()
                    || matches!(d, "application/zip" | "application/x-zip-compressed")
            }
            _ => d == self.media_type(),
        }
    }
}

/// How many leading bytes the binary formats are recognised from.
pub const HEAD: usize = 64 * 1024;

/// Reads the head for the binary formats; `Some` when one matches.
pub fn binary(head: &[u8]) -> Option<Kind> {
    let t = infer::get(head)?;
    Some(match t.mime_type() {
        "application/pdf" => Kind::Pdf,
        "image/png" => Kind::Png,
        "image/jpeg" => Kind::Jpeg,
        m if m == Kind::Docx.media_type() => Kind::Docx,
        m if m == Kind::Xlsx.media_type() => Kind::Xlsx,
        m if m == Kind::Pptx.media_type() => Kind::Pptx,
        m if m == Kind::Odt.media_type() => Kind::Odt,
        m if m == Kind::Ods.media_type() => Kind::Ods,
        _ => return None,
    })
}

/// Follows a stream to tell whether it is text: valid UTF-8 across chunk boundaries, no NUL.
#[derive(Debug, Default)]
pub struct TextCheck {
    carry: Vec<u8>,
    broken: bool,
}

impl TextCheck {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.broken {
            return;
        }
        if chunk.contains(&0) {
            self.broken = true;
            return;
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(chunk);
        match std::str::from_utf8(&buf) {
            Ok(_) => {}
            // An incomplete sequence at the end may be finished by the next chunk.
            Err(e) if e.error_len().is_none() => self.carry = buf[e.valid_up_to()..].to_vec(),
            Err(_) => self.broken = true,
        }
    }

    pub fn is_text(&self) -> bool {
        !self.broken && self.carry.is_empty()
    }
}

/// The type of a whole upload: a binary format from its head, else text when all of it was
/// text (CSV when the name or the declared type says so, plain otherwise).
pub fn decide(head: &[u8], text: &TextCheck, name: &str, declared: Option<&str>) -> Option<Kind> {
    if let Some(k) = binary(head) {
        return Some(k);
    }
    if !text.is_text() {
        return None;
    }
    let csv = name.to_ascii_lowercase().ends_with(".csv")
        || matches!(
            declared,
            Some("text/csv" | "application/csv" | "text/comma-separated-values")
        );
    Some(if csv { Kind::Csv } else { Kind::Txt }).filter(|k| k.text())
}

/// A file name safe to keep and to send back: the last path segment, without control or
/// separator characters, at most 255 bytes; `None` when nothing is left.
pub fn safe_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            safe_name("C:\\docs\\ley 27.275.pdf").as_deref(),
            Some("ley 27.275.pdf")
        );
        assert_eq!(safe_name("a\u{0}b\nc.txt").as_deref(), Some("abc.txt"));
        assert_eq!(safe_name("..").as_deref(), None);
        assert_eq!(safe_name("/").as_deref(), None);
        assert_eq!(safe_name(".hidden").as_deref(), Some("hidden"));
        assert_eq!(safe_name(&"é".repeat(200)).map(|n| n.len()), Some(254));
    }

    #[test]
    fn text_is_checked_across_chunks() {
        let s = "año,niño\n".as_bytes();
        let mut t = TextCheck::default();
        t.feed(&s[..2]);
        t.feed(&s[2..]);
        assert!(t.is_text());
        let mut t = TextCheck::default();
        t.feed(&[b'a', 0xC3]);
        assert!(!t.is_text(), "a sequence cut at the end is not text");
        let mut t = TextCheck::default();
        t.feed(b"a\0b");
        assert!(!t.is_text());
    }

    #[test]
    fn binary_formats_come_from_their_bytes() {
        assert_eq!(binary(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), Some(Kind::Pdf));
        assert_eq!(binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Kind::Png));
        assert_eq!(
            binary(b"MZ\x90\0\x03\0\0\0"),
            None,
            "an executable is refused"
        );
        assert!(Kind::Pdf.agrees_with(Some("application/octet-stream")));
        assert!(!Kind::Pdf.agrees_with(Some("image/png")));
        assert!(Kind::Csv.agrees_with(Some("text/plain")));
    }

    #[test]
    fn office_files_come_from_their_archives_entries() {
        for (bytes, kind) in [
            (&include_bytes!("testdata/minimal.docx")[..], Kind::Docx),
            (&include_bytes!("testdata/minimal.xlsx")[..], Kind::Xlsx),
            (&include_bytes!("testdata/minimal.pptx")[..], Kind::Pptx),
            (&include_bytes!("testdata/minimal.odt")[..], Kind::Odt),
            (&include_bytes!("testdata/minimal.ods")[..], Kind::Ods),
        ] {
            assert_eq!(binary(bytes), Some(kind));
            assert!(kind.agrees_with(Some("application/zip")));
        }
    }
}
