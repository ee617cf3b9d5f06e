//! Rows to bytes: CSV or NDJSON, and the streaming response that carries them.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::{self, DbConn, DbPool};
use crate::error::{ApiError, ApiResult, FieldError};

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
}

/// A value as a CSV cell: strings as they are, lists joined with `;`, nothing for null.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

impl Encoder {
    pub fn new(format: Format, columns: Vec<String>) -> Encoder {
        Encoder { format, columns }
    }

    pub fn header(&self) -> Bytes {
        match self.format {
            Format::Csv => self.csv(std::iter::once(
                self.columns.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            )),
            Format::Ndjson => Bytes::new(),
        }
    }

    fn csv<'a, I, R>(&self, records: I) -> Bytes
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = &'a str>,
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::with_capacity(64 * 1024));
        for r in records {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(r);
        }
        Bytes::from(w.into_inner().unwrap_or_default())
    }

    pub fn rows(&self, rows: &[Vec<Value>]) -> Bytes {
        match self.format {
            Format::Csv => {
                let cells: Vec<Vec<String>> =
                    rows.iter().map(|r| r.iter().map(cell).collect()).collect();
                self.csv(cells.iter().map(|r| r.iter().map(String::as_str)))
            }
            Format::Ndjson => {
                let mut out = Vec::with_capacity(rows.len() * 256);
                for r in rows {
                    out.push(b'{');
                    for (i, (c, v)) in self.columns.iter().zip(r).enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        let _ = serde_json::to_writer(&mut out, c);
                        out.push(b':');
                        let _ = serde_json::to_writer(&mut out, v);
                    }
                    out.extend_from_slice(b"}\n");
                }
                Bytes::from(out)
            }
        }
    }
}

/// Where rows come from: the next batch, read with keyset pagination; `None` at the end.
pub trait Source: Send + 'static {
    fn next_batch(&mut self, conn: &mut DbConn) -> ApiResult<Option<Vec<Vec<Value>>>>;
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
    let state = Some((pool, source, encoder));
    let body = futures_util::stream::unfold(state, |state| async move {
        let (pool, mut source, encoder) = state?;
        // Reading and encoding are both CPU work: both stay on the blocking pool.
        let step = db::run(&pool, move |conn| {
            let bytes = source.next_batch(conn)?.map(|rows| encoder.rows(&rows));
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
