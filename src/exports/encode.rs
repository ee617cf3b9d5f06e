//! Rows to bytes: CSV or NDJSON, and the streaming response that carries them.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::{self, DbConn, DbPool};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::lang::{Lang, LangPref};

/// Format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RFC 4180, UTF-8, with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    /// `format=` wins; else the `Accept` header; CSV by default.
    pub fn negotiate(req: &HttpRequest, param: Option<&str>) -> ApiResult<Format> {
        match param.map(|p| p.trim().to_ascii_lowercase()) {
            Some(p) if p == "csv" => return Ok(Format::Csv),
            Some(p) if p == "ndjson" || p == "jsonl" => return Ok(Format::Ndjson),
            Some(p) => {
                return Err(ApiError::invalid_query(vec![FieldError::new(
                    "format",
                    "unknown",
                    format!("'{p}' is not one of csv, ndjson"),
                )]))
            }
            None => {}
        }
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Ok(
            if accept.contains("application/x-ndjson") || accept.contains("application/jsonl") {
                Format::Ndjson
            } else {
                Format::Csv
            },
        )
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// Writes rows of one export; every row has a value per column, in the columns' order.
#[derive(Debug, Clone)]
pub struct Encoder {
    pub format: Format,
    pub columns: Vec<String>,
    /// CSV with `lang=all`: the columns whose cells hold every translation keyed by language,
    /// each written as one column per language (`title_en`, `title_es`, …).
    spread: Vec<bool>,
}

/// One cell of a row, borrowed: what the largest exports write without building a JSON value
/// per cell.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Value(&'a Value),
}

impl Cell<'_> {
    fn csv(self, out: &mut Vec<u8>) {
        use std::io::Write;
        match self {
            Cell::Null => {}
            // Writing to a Vec cannot fail.
            Cell::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Text(s) => out.extend_from_slice(s.as_bytes()),
            Cell::Value(v) => write_cell(out, v),
        }
    }

    fn json(self, out: &mut Vec<u8>) {
        use std::io::Write;
        // Writing to a Vec cannot fail.
        let _ = match self {
            Cell::Null => out.write_all(b"null").map_err(serde_json::Error::io),
            Cell::Int(n) => write!(out, "{n}").map_err(serde_json::Error::io),
            Cell::Text(s) => serde_json::to_writer(&mut *out, s),
            Cell::Value(v) => serde_json::to_writer(&mut *out, v),
        };
    }
}

/// One language's part of a cell that holds every translation (or a list of such, for the
/// labels of a multiple choice).
fn in_language(v: &Value, lang: Lang) -> Value {
    match v {
        Value::Object(texts) => texts.get(lang.code()).cloned().unwrap_or(Value::Null),
        Value::Array(items) => Value::Array(items.iter().map(|i| in_language(i, lang)).collect()),
        other => other.clone(),
    }
}

/// Writes a value as a CSV cell: strings as they are, lists joined with `;`, nothing for null.
fn write_cell(out: &mut Vec<u8>, v: &Value) {
    use std::io::Write;
    match v {
        Value::Null => {}
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                write_cell(out, item);
            }
        }
        // Writing to a Vec cannot fail.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

impl Encoder {
    pub fn new(format: Format, columns: Vec<String>) -> Encoder {
        let spread = vec![false; columns.len()];
        Encoder {
            format,
            columns,
            spread,
        }
    }

    /// Declares which columns hold translatable text: with `lang=all` a CSV gives each of them
    /// one column per language; NDJSON keeps the object keyed by language.
    pub fn translated(mut self, pref: LangPref, names: &[&str]) -> Encoder {
        if pref == LangPref::All && self.format == Format::Csv {
            self.spread = self
                .columns
                .iter()
                .map(|c| names.contains(&c.as_str()))
                .collect();
        }
        self
    }

    pub fn header(&self) -> Bytes {
        match self.format {
            Format::Csv => {
                let mut batch = self.batch();
                let mut names = Vec::new();
                for (column, spread) in self.columns.iter().zip(&self.spread) {
                    if *spread {
                        names.extend(Lang::ALL.iter().map(|l| format!("{column}_{l}")));
                    } else {
                        names.push(column.clone());
                    }
                }
                if let Sink::Csv(w) = &mut batch.sink {
                    // Writing to a Vec cannot fail.
                    let _ = w.write_record(&names);
                }
                batch.finish()
            }
            Format::Ndjson => Bytes::new(),
        }
    }

    /// An empty batch of encoded rows.
    pub fn batch(&self) -> Batch<'_> {
        let out = Vec::with_capacity(64 * 1024);
        let sink = match self.format {
            Format::Csv => Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out),
            )),
            Format::Ndjson => Sink::Ndjson(out),
        };
        Batch {
            encoder: self,
            sink,
            cell: Vec::new(),
            rows: 0,
        }
    }

    /// `rows` encoded in one piece (small exports).
    pub fn rows(&self, rows: &[Vec<Value>]) -> Bytes {
        let mut batch = self.batch();
        for r in rows {
            batch.row(r);
        }
        batch.finish()
    }
}

enum Sink {
    Csv(Box<csv::Writer<Vec<u8>>>),
    Ndjson(Vec<u8>),
}

/// Encoded rows of one batch: each row is written as it is made, so a batch holds its bytes,
/// never its rows.
pub struct Batch<'e> {
    encoder: &'e Encoder,
    sink: Sink,
    /// One cell's text, reused from cell to cell.
    cell: Vec<u8>,
    rows: usize,
}

impl Batch<'_> {
    /// Appends one row: a value per column, in the columns' order.
    pub fn row(&mut self, values: &[Value]) {
        self.write(values.iter().map(Cell::Value));
    }

    /// Appends one row of borrowed cells, in the columns' order.
    pub fn cells(&mut self, cells: &[Cell]) {
        self.write(cells.iter().copied());
    }

    fn write<'c>(&mut self, cells: impl Iterator<Item = Cell<'c>>) {
        self.rows += 1;
        // Writing to a Vec cannot fail.
        match &mut self.sink {
            Sink::Csv(w) => {
                for (c, spread) in cells.zip(&self.encoder.spread) {
                    match c {
                        Cell::Value(v) if *spread => {
                            for lang in Lang::ALL {
                                self.cell.clear();
                                write_cell(&mut self.cell, &in_language(v, lang));
                                let _ = w.write_field(&self.cell);
                            }
                        }
                        c => {
                            self.cell.clear();
                            c.csv(&mut self.cell);
                            let _ = w.write_field(&self.cell);
                        }
                    }
                }
                let _ = w.write_record(None::<&[u8]>);
            }
            Sink::Ndjson(out) => {
                out.push(b'{');
                for (i, (name, c)) in self.encoder.columns.iter().zip(cells).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let _ = serde_json::to_writer(&mut *out, name);
                    out.push(b':');
                    c.json(out);
                }
                out.extend_from_slice(b"}\n");
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn finish(self) -> Bytes {
        Bytes::from(match self.sink {
            Sink::Csv(w) => w.into_inner().unwrap_or_default(),
            Sink::Ndjson(out) => out,
        })
    }
}

/// Where rows come from, batch by batch (keyset pagination).
pub trait Source: Send + 'static {
    /// Writes the next batch's rows into `out`; `false` when there was no batch left.
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool>;
}

/// A `200` whose body is produced batch by batch (chunked transfer, no length, no total):
/// each batch is read and encoded on the blocking pool, sent, and dropped before the next.
pub fn stream<S: Source>(
    pool: DbPool,
    source: S,
    encoder: Encoder,
    name: &str,
) -> ApiResult<HttpResponse> {
    let format = encoder.format;
    let header = encoder.header();
    // The kind of export (`answers-round-1` → `answers`): a label with few values.
    let kind: &'static str = match name.split('-').next().unwrap_or("") {
        "answers" => "answers",
        "experiences" => "experiences",
        "recommendations" => "recommendations",
        "progress" => "progress",
        "audit" => "audit",
        _ => "other",
    };
    let state = Some((pool, source, encoder));
    let body = futures_util::stream::unfold(state, move |state| async move {
        let (pool, mut source, encoder) = state?;
        // Reading and encoding are both CPU work: both stay on the blocking pool.
        let step = db::run(&pool, move |conn| {
            let bytes = loop {
                let mut batch = encoder.batch();
                if !source.next_batch(conn, &mut batch)? {
                    break None;
                }
                // A batch can come out empty (rows the caller may not see): read on.
                if !batch.is_empty() {
                    metrics::counter!("mecigep_export_rows_total", "export" => kind)
                        .increment(batch.rows as u64);
                    break Some(batch.finish());
                }
            };
            if bytes.is_none() {
                // The batches' memory is free now; give it back rather than keep the peak.
                crate::memory::release_free();
            }
            Ok((source, encoder, bytes))
        })
        .await;
        match step {
            Ok((source, encoder, Some(bytes))) => Some((Ok(bytes), Some((pool, source, encoder)))),
            Ok((_, _, None)) => None,
            Err(e) => {
                // The status is sent already: ending the body early tells the client (an
                // incomplete chunked transfer), and the log tells us.
                tracing::error!(error = %e.to_problem().detail, "export stopped");
                Some((
                    Err(actix_web::error::ErrorInternalServerError("export stopped")),
                    None,
                ))
            }
        }
    });
    let first = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(header) });
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    let disposition = HeaderValue::from_str(&disposition)
        .map_err(|e| ApiError::internal(format!("content-disposition: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .streaming(futures_util::StreamExt::chain(first, body)))
}
