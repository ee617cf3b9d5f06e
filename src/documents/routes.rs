//! `/documents` reads: the library, a document, its versions. Everyone reads published
//! documents; the secretariat its drafts too.

use super::shown::{load, no_document, render, respond, version_files, version_readable, Loaded};

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::api::{Document, DocumentQuery, DocumentVersionSummary, DocumentVersions};
use super::rules::{DocumentKind, DocumentStatus};
use super::store::{self, Filter};
use crate::auth::{policy, MaybePrincipal};
use crate::cooperation::search::{self as text_search, Indexed};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::http::lang::{Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// The library: published documents (and, for the secretariat with `status=draft`, the
/// drafts being prepared), newest first; filters by kind, thematic area, round, the language
/// of a file, and words of the title or summary in any language.
#[utoipa::path(
    tag = "documents",
    params(DocumentQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of documents", body = Page<Document>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`status=draft` without a token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`status=draft` from another role than the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents")]
pub async fn list_documents(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<DocumentQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let mut filter = Filter::default();
    match query.kind.as_deref().map(|k| (k, DocumentKind::parse(k))) {
        Some((_, Some(k))) => filter.kind = Some(k),
        Some((k, None)) => checks.add("kind", "invalid", format!("'{k}' is not a document kind")),
        None => {}
    }
    let status = match query
        .status
        .as_deref()
        .map(|s| (s, DocumentStatus::parse(s)))
    {
        None => DocumentStatus::Published,
        Some((_, Some(s))) => s,
        Some((s, None)) => {
            checks.add(
                "status",
                "invalid",
                format!("'{s}' is not a document status"),
            );
            DocumentStatus::Published
        }
    };
    match query.language.as_deref().map(|l| (l, Lang::parse_code(l))) {
        Some((_, Some(l))) => filter.language = Some(l.code().to_owned()),
        Some((l, None)) => checks.add(
            "language",
            "invalid",
            format!("'{l}' is not en, es, fr or pt"),
        ),
        None => {}
    }
    filter.area = query
        .thematic_area
        .as_deref()
        .map(|a| a.trim().to_ascii_lowercase());
    filter.round = query.round;
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    if q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        checks.add("q", "length", "at most 200 characters");
    }
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    if status == DocumentStatus::Draft {
        // Drafts are the secretariat's: 401 without a token, 403 for the other roles.
        policy::manage_library(principal.0.as_ref())?;
    }
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        if let Some(q) = &q {
            // Superseded versions are out of the index: a search finds the published library.
            filter.ids = Some(text_search::matching(conn, Indexed::Document, q)?);
        }
        let rows = store::list(conn, &filter, status, page.after, limit)?;
        let mut out = Vec::with_capacity(rows.len());
        for (doc, v) in rows {
            let files = version_files(conn, doc.id, v.version)?;
            let versions = store::versions(conn, doc.id)?;
            out.push((Loaded { doc, versions }, v, files));
        }
        Ok(out)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |(l, _, _)| l.doc.id,
        |(l, v, files)| render(&l, &v, files, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One document: its latest published version (the secretariat: its latest version, draft or
/// not). 404 when it has no version the caller may read.
#[utoipa::path(
    tag = "documents",
    params(("id" = i64, Path, description = "The document's id"), LangParam),
    responses(
        (status = 200, description = "The document", body = Document, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such document, or not published", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}")]
pub async fn get_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let (l, version, files) = db::run(&state.pool, move |conn| {
        let l = load(conn, id, p.as_ref())?;
        let version = l.shown(p.as_ref()).map_or(1, |v| v.version);
        let files = version_files(conn, id, version)?;
        Ok((l, version, files))
    })
    .await?;
    let v = l
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| no_document(id))?;
    respond(&req, &l, v, files, pref)
}

/// A document's versions, oldest first (drafts for the secretariat only).
#[utoipa::path(
    tag = "documents",
    params(("id" = i64, Path, description = "The document's id"), LangParam),
    responses(
        (status = 200, description = "Its versions", body = DocumentVersions),
        (status = 404, description = "No such document, or not published", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}/versions")]
pub async fn list_document_versions(
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let l = db::run(&state.pool, move |conn| load(conn, id, p.as_ref())).await?;
    let mut langs = LangTracker::default();
    let data = l
        .versions
        .iter()
        .filter(|v| version_readable(v, principal.0.as_ref()))
        .map(|v| DocumentVersionSummary {
            version: v.version,
            status: v.status,
            title: langs.pick(
                pref,
                &v.title.0,
                Lang::parse_code(&v.language).unwrap_or(Lang::En),
            ),
            published_at: v.published_at.map(utc),
            updated_at: utc(v.updated_at),
            href: format!("/api/v1/documents/{id}/versions/{}", v.version),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Language", langs.header_value(pref)))
        .json(DocumentVersions { data }))
}

/// One version of a document: published and superseded ones stay readable by everyone.
#[utoipa::path(
    tag = "documents",
    params(
        ("id" = i64, Path, description = "The document's id"),
        ("n" = i32, Path, description = "The version's number"),
        LangParam,
    ),
    responses(
        (status = 200, description = "The version", body = Document, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such version, or a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}/versions/{n}")]
pub async fn get_document_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    path: web::Path<(i64, i32)>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let p = principal.0.clone();
    let (l, files) = db::run(&state.pool, move |conn| {
        let l = load(conn, id, p.as_ref())?;
        let files = version_files(conn, id, n)?;
        Ok((l, files))
    })
    .await?;
    let v = l
        .versions
        .iter()
        .find(|v| v.version == n && version_readable(v, principal.0.as_ref()))
        .ok_or_else(|| ApiError::not_found(format!("document {id} has no version {n}")))?;
    respond(&req, &l, v, files, pref)
}
