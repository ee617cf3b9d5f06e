//! An upload as it arrives: streamed into an unnamed temporary file while it is hashed and
//! typed, raw or as a form, never held whole in memory.

use std::io::Write;

use actix_web::http::header::{self, ContentDisposition, DispositionParam};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::sniff::{self, TextCheck};
use crate::error::{ApiError, ApiResult, FieldError};

/// An upload spooled to an unnamed temporary file (gone with the process, whatever happens),
/// hashed and typed as it streams by.
pub(super) struct Spool {
    pub(super) file: std::fs::File,
    pub(super) hasher: Sha256,
    pub(super) size: u64,
    pub(super) head: Vec<u8>,
    pub(super) text: TextCheck,
}

impl Spool {
    pub(super) fn new() -> ApiResult<Spool> {
        Ok(Spool {
            file: tempfile::tempfile().map_err(|e| ApiError::InsufficientStorage(e.to_string()))?,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
            text: TextCheck::default(),
        })
    }

    pub(super) fn feed(&mut self, chunk: &[u8], limit: u64) -> ApiResult<()> {
        self.size += chunk.len() as u64;
        if self.size > limit {
            return Err(too_large(limit));
        }
        if self.head.len() < sniff::HEAD {
            let take = (sniff::HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.text.feed(chunk);
        self.file
            .write_all(chunk)
            .map_err(|e| ApiError::InsufficientStorage(e.to_string()))
    }
}

pub(super) fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "a file may have at most {limit} bytes (MECIGEP_FILE_LIMIT)"
    ))
}

pub(super) fn cut_short() -> ApiError {
    ApiError::bad_request(
        "incomplete-body",
        "the upload ended before its end: nothing was stored; send it again",
    )
}

pub(super) async fn spool<S, E>(mut body: S, spool: &mut Spool, limit: u64) -> ApiResult<()>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    while let Some(chunk) = body.next().await {
        spool.feed(&chunk.map_err(|_| cut_short())?, limit)?;
    }
    Ok(())
}

/// The name a `Content-Disposition` gives (its `filename*` first).
pub(super) fn disposition_name(cd: &ContentDisposition) -> Option<String> {
    cd.parameters
        .iter()
        .find_map(|p| match p {
            DispositionParam::FilenameExt(ext) => {
                Some(String::from_utf8_lossy(&ext.value).into_owned())
            }
            _ => None,
        })
        .or_else(|| cd.get_filename().map(str::to_owned))
}

pub(super) fn declared_type(value: Option<&header::HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// What an upload arrived as: its name as given, its declared type, its bytes spooled.
pub(super) struct Arrived {
    pub(super) name: Option<String>,
    pub(super) declared: Option<String>,
    pub(super) spool: Spool,
}

pub(super) async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    limit: u64,
) -> ApiResult<Arrived> {
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let content_type = declared_type(req.headers().get(header::CONTENT_TYPE));
    let mut spooled = Spool::new()?;
    if content_type.as_deref() == Some("multipart/form-data") {
        let mut form = actix_multipart::Multipart::new(req.headers(), payload);
        let mut arrived: Option<(Option<String>, Option<String>)> = None;
        while let Some(field) = form.try_next().await.map_err(|_| cut_short())? {
            let filename = field.content_disposition().and_then(disposition_name);
            if arrived.is_some() || filename.is_none() {
                if filename.is_some() {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "file",
                        "one-file",
                        "send one file per upload",
                    )]));
                }
                // Other form fields are read and ignored; only their size is capped.
                let mut skipped = 0u64;
                let mut field = field;
                while let Some(chunk) = field.next().await {
                    skipped += chunk.map_err(|_| cut_short())?.len() as u64;
                    if skipped > 64 * 1024 {
                        return Err(ApiError::PayloadTooLarge(
                            "a form field other than the file is over 64 KiB".into(),
                        ));
                    }
                }
                continue;
            }
            let declared = field
                .content_type()
                .map(|m| m.essence_str().to_ascii_lowercase());
            spool(field, &mut spooled, limit).await?;
            arrived = Some((filename, declared));
        }
        let Some((name, declared)) = arrived else {
            return Err(ApiError::validation(vec![FieldError::new(
                "file",
                "required",
                "the form has no file field (a part with a filename)",
            )]));
        };
        return Ok(Arrived {
            name,
            declared,
            spool: spooled,
        });
    }
    let name = req
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| ContentDisposition::from_raw(v).ok())
        .and_then(|cd| disposition_name(&cd));
    spool(payload, &mut spooled, limit).await?;
    if declared_length.is_some_and(|l| l != spooled.size) {
        return Err(cut_short());
    }
    Ok(Arrived {
        name,
        declared: content_type,
        spool: spooled,
    })
}
