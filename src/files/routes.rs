//! `/files`: upload (streamed, typed by content, stored once per SHA-256), the caller's
//! uploads, and downloads visible as what the file is attached to.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;
use sha2::Digest;

use super::api::{File, FileBytes, UploadForm};
use super::receive::{receive, too_large, Arrived, Spool};
use super::sniff::{self, Kind};
use super::store::{self, FileRow, NewFile};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::state::AppState;
use crate::time::utc;

pub fn render(f: FileRow, attached: bool) -> File {
    File {
        download: format!("/api/v1/files/{}", f.id),
        id: f.id,
        name: f.name,
        size: f.size,
        media_type: f.media_type,
        sha256: f.sha256,
        created_at: utc(f.created_at),
        attached,
    }
}

/// 404 unless the caller uploaded the file or may read something it is attached to.
pub(super) fn check_visible(
    conn: &mut DbConn,
    p: Option<&Principal>,
    f: &FileRow,
) -> ApiResult<()> {
    if p.is_some_and(|p| Some(p.user_id) == f.uploaded_by) {
        return Ok(());
    }
    for (parent, id, slot) in store::parents_of(conn, f.id, 50)? {
        if super::parents::readable(conn, p, parent, id, &slot).is_ok() {
            return Ok(());
        }
    }
    Err(no_file(f.id))
}

fn no_file(id: i64) -> ApiError {
    ApiError::not_found(format!("no file {id}"))
}

/// Upload a file: the raw bytes as the body, with its `Content-Type` and a
/// `Content-Disposition: attachment; filename="…"` (its path and control characters are
/// dropped; without a name it is `file.<extension of its type>`), or a `multipart/form-data`
/// form with one file part. Any signed-in role. At most `MECIGEP_FILE_LIMIT` bytes (25 MiB by default). The
/// type is read from the content and must be one of PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT,
/// PNG or JPEG; a declared type that contradicts the content is refused. The same content is
/// stored once. The file stays visible to its uploader only until attached
/// (`POST /attachments`), and is removed if still unattached after 24 hours. With an
/// `Idempotency-Key`, a repeated upload answers with the file the first one made.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    params(
        ("Content-Disposition" = Option<String>, Header, description = "`attachment; filename=\"law.pdf\"` (raw uploads)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload answer as the first one did"),
    ),
    request_body(
        content(
            (FileBytes = "application/octet-stream"),
            (FileBytes = "application/pdf"),
            (UploadForm = "multipart/form-data"),
        ),
        description = "The file's bytes, or a form with one file part",
    ),
    responses(
        (status = 201, description = "Stored", body = File, headers(("Location" = String))),
        (status = 400, description = "The body ended before its declared length or its form's end", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a type the mechanism keeps, or not the type declared", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty file, or an `Idempotency-Key` used for another file", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/files")]
pub async fn upload_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    policy::upload_files(Some(&principal))?;
    let key = if req.headers().contains_key(&crate::idempotency::HEADER) {
        Some(crate::idempotency::key_in(req.headers())?)
    } else {
        None
    };
    let settings = state.settings.files.clone();
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|l| l > settings.limit + 64 * 1024) {
        return Err(too_large(settings.limit));
    }
    let Arrived {
        name,
        declared,
        spool,
    } = receive(&req, payload, settings.limit).await?;
    if spool.size == 0 {
        return Err(ApiError::validation(vec![FieldError::new(
            "file",
            "empty",
            "the file has no bytes",
        )]));
    }
    let given = name.as_deref().and_then(sniff::safe_name);
    let kind = sniff::decide(
        &spool.head,
        &spool.text,
        given.as_deref().unwrap_or(""),
        declared.as_deref(),
    )
    .ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "the content is none of the types kept ({})",
            Kind::ALL.map(|k| k.as_str()).join(", ")
        ))
    })?;
    // Without a usable name, the file is named after its type.
    let name = given.unwrap_or_else(|| format!("file.{}", kind.extension()));
    if !kind.agrees_with(declared.as_deref()) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the content is {} ({}), not the declared {}",
            kind.as_str(),
            kind.media_type(),
            declared.unwrap_or_default()
        )));
    }
    let staged = Staged {
        sha: hex::encode(spool.hasher.finalize()),
        size: spool.size as i64,
        file: spool.file,
        kind,
    };
    if let Some(k) = &key {
        let (uploader, k) = (principal.user_id, k.clone());
        let earlier = db::run(&state.pool, move |conn| {
            Ok(store::by_idempotency_key(conn, uploader, &k)?)
        })
        .await?;
        if let Some(f) = earlier {
            return replay(f, &staged.sha, &name);
        }
    }
    settings.storage.stage(&staged.sha, &staged.file).await?;
    let p = principal.clone();
    let storage = settings.storage.clone();
    let row = db::run_tx(&state.pool, move |conn| {
        if let Some(k) = &key {
            if let Some(f) = store::by_idempotency_key(conn, p.user_id, k)? {
                return Ok(f);
            }
        }
        let f = record_staged(conn, &storage, &staged, &name, Some(&p), key.as_deref())?;
        audit.record(
            conn,
            "file.upload",
            "file",
            f.id,
            json!({"name": f.name, "size": f.size, "media_type": f.media_type, "sha256": f.sha256}),
        )?;
        Ok(f)
    })
    .await?;
    created(row)
}

/// Content already in the store (see [`crate::files::Storage::stage`]), to record in a
/// transaction with [`record_staged`].
pub struct Staged {
    pub file: std::fs::File,
    pub sha: String,
    pub size: i64,
    pub kind: Kind,
}

fn spooled(bytes: &[u8], kind: Kind) -> ApiResult<Staged> {
    let mut spool = Spool::new()?;
    spool.feed(bytes, u64::MAX)?;
    Ok(Staged {
        sha: hex::encode(spool.hasher.finalize()),
        size: spool.size as i64,
        file: spool.file,
        kind,
    })
}

/// Stages content the server made itself (a report rendered into the library).
pub async fn stage_bytes(state: &AppState, bytes: &[u8], kind: Kind) -> ApiResult<Staged> {
    let staged = spooled(bytes, kind)?;
    state
        .settings
        .files
        .storage
        .stage(&staged.sha, &staged.file)
        .await?;
    Ok(staged)
}

/// [`stage_bytes`] outside the server's runtime (the demo content, loaded before it starts).
pub fn stage_bytes_here(storage: &super::Storage, bytes: &[u8], kind: Kind) -> ApiResult<Staged> {
    let staged = spooled(bytes, kind)?;
    if storage.is_external() {
        super::storage::runtime()?.block_on(storage.stage(&staged.sha, &staged.file))?;
    }
    Ok(staged)
}

/// Records staged content as a file of `p`'s, inside the caller's transaction.
pub fn record_staged(
    conn: &mut DbConn,
    storage: &super::Storage,
    s: &Staged,
    name: &str,
    p: Option<&Principal>,
    key: Option<&str>,
) -> ApiResult<FileRow> {
    storage.record(conn, &s.sha, s.size, &s.file)?;
    let id = store::insert_file(
        conn,
        &NewFile {
            sha256: &s.sha,
            name,
            media_type: s.kind.media_type(),
            size: s.size,
            uploaded_by: p.map(|p| p.user_id),
            country: p.and_then(|p| p.country.as_deref()),
            idempotency_key: key,
            created_at: crate::time::now(),
        },
    )?;
    store::find_file(conn, id)?.ok_or_else(|| ApiError::internal("file vanished"))
}

fn created(row: FileRow) -> ApiResult<HttpResponse> {
    let location = format!("/api/v1/files/{}", row.id);
    crate::http::created(HttpResponse::Ok().json(render(row, false)), &location)
}

/// The answer to a retried upload: the first one's file, if it was the same file.
fn replay(f: FileRow, sha: &str, name: &str) -> ApiResult<HttpResponse> {
    if f.sha256 != sha || f.name != name {
        return Err(ApiError::validation(vec![FieldError::new(
            "Idempotency-Key",
            "reused",
            "this key was used for another file; use a new key for a new upload",
        )]));
    }
    let mut res = created(f)?;
    res.headers_mut().insert(
        crate::idempotency::REPLAYED.clone(),
        header::HeaderValue::from_static("true"),
    );
    metrics::counter!("mecigep_idempotent_replays_total").increment(1);
    Ok(res)
}

/// The caller's uploads, newest first, attached or not.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of the caller's uploads", body = Page<File>),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/files")]
pub async fn list_files(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let page = page.parse::<i64>(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let (uploader, limit) = (principal.user_id, page.limit);
    let rows = db::run(&state.pool, move |conn| {
        let rows = store::uploads_of(conn, uploader, page.after, limit)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let attached = store::attached_among(conn, &ids)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let a = attached.contains(&r.id);
                (r, a)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let page = Page::from_rows(rows, limit, |(r, _)| r.id, |(r, a)| render(r, a));
    page_response(&req, &page, None)
}

/// Download a file: who uploaded it while it is attached nowhere; afterwards whoever may read
/// something it is attached to (404 for others). Strong `ETag` (the SHA-256), `Range` for a
/// part (`206`), `Content-Disposition` with its name.
#[utoipa::path(
    tag = "files",
    params(
        ("id" = i64, Path, description = "The file's id"),
        ("Range" = Option<String>, Header, description = "`bytes=0-1023`: a part only"),
    ),
    responses(
        (status = 200, description = "The file, as the type read from its bytes", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            (FileBytes = "application/vnd.oasis.opendocument.text"),
            (FileBytes = "application/vnd.oasis.opendocument.spreadsheet"),
            (FileBytes = "text/csv"),
            (FileBytes = "text/plain"),
            (FileBytes = "image/png"),
            (FileBytes = "image/jpeg"),
        ), headers(("ETag" = String), ("Content-Disposition" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The part asked for", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            (FileBytes = "application/vnd.oasis.opendocument.text"),
            (FileBytes = "application/vnd.oasis.opendocument.spreadsheet"),
            (FileBytes = "text/csv"),
            (FileBytes = "text/plain"),
            (FileBytes = "image/png"),
            (FileBytes = "image/jpeg"),
        ), headers(("Content-Range" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/files/{id}")]
pub async fn download_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let f = db::run(&state.pool, move |conn| {
        let f = store::find_file(conn, id)?.ok_or_else(|| no_file(id))?;
        check_visible(conn, p.as_ref(), &f)?;
        Ok(f)
    })
    .await?;
    let etag = format!("\"{}\"", f.sha256);
    let size = f.size as u64;
    let mut res = HttpResponse::build(StatusCode::OK);
    res.insert_header((header::ETAG, etag.clone()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: disposition_params(&f.name),
        });
    if crate::http::etag::none_match_hits(&req, &etag) {
        return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
    }
    let (start, end) = match wanted_range(&req, &etag, size)? {
        Some((a, b)) => {
            res.status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {a}-{}/{size}", b - 1)));
            (a, b)
        }
        None => (0, size),
    };
    let body = state
        .settings
        .files
        .storage
        .read(&state.pool, &f.sha256, start, end)
        .await?;
    res.insert_header((header::CONTENT_TYPE, f.media_type.as_str()))
        .no_chunking(end - start);
    Ok(res.streaming(body))
}

fn disposition_params(name: &str) -> Vec<DispositionParam> {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut params = vec![DispositionParam::Filename(ascii)];
    if !name.is_ascii() {
        params.push(DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    params
}

/// The one range asked for, as `start..end`; `None` for the whole file (no `Range`, one that
/// does not parse, an `If-Range` that no longer matches, or several ranges, which are answered
/// whole); 416 when it lies outside the file.
fn wanted_range(req: &HttpRequest, etag: &str, size: u64) -> ApiResult<Option<(u64, u64)>> {
    let Some(raw) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(if_range) = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
    {
        if if_range.trim() != etag {
            return Ok(None);
        }
    }
    // A header that does not parse is ignored (RFC 9110 §14.2); only a range outside the
    // file is refused.
    let ranges = match http_range_header::parse_range_header(raw).and_then(|r| r.validate(size)) {
        Ok(ranges) => ranges,
        Err(http_range_header::RangeUnsatisfiableError::Unsatisfiable) => {
            return Err(ApiError::RangeNotSatisfiable { size })
        }
        Err(_) => return Ok(None),
    };
    match ranges.as_slice() {
        [one] => Ok(Some((*one.start(), one.end() + 1))),
        _ => Ok(None),
    }
}
