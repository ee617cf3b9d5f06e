//! Published versions of an experience: the immutable snapshots each publication stored.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::api::{Experience, VersionSummary};
use super::shown::{facts, lang_of, load, parse_version, published, respond};
use super::store::{self};
use crate::auth::policy;
use crate::auth::MaybePrincipal;
use crate::db::{self};
use crate::error::ApiResult;
use crate::http::lang::{LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page};
use crate::state::AppState;
use crate::time::utc;

/// The published versions of an experience, oldest first.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), LangParam),
    responses(
        (status = 200, description = "Its versions", body = Page<VersionSummary>),
        (status = 404, description = "No such experience, or not published and not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences/{id}/versions")]
pub async fn list_versions(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, versions) = db::run(&state.pool, move |conn| {
        let row = load(conn, id)?;
        policy::read_experience(principal.0.as_ref(), &facts(&row))?;
        let versions = store::versions(conn, id)?;
        Ok((row, versions))
    })
    .await?;
    let lang = lang_of(&row);
    let mut langs = LangTracker::default();
    let mut data = Vec::with_capacity(versions.len());
    for v in versions {
        let doc = parse_version(&v)?;
        data.push(VersionSummary {
            version: v.version,
            snapshot_date: v.snapshot_date,
            title: langs.pick(pref, &doc.title, lang),
            published_at: utc(v.published_at),
            published_by: v.published_by,
        });
    }
    let page = Page {
        data,
        next_cursor: None,
    };
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One published version of an experience, as it was published.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), ("n" = i32, Path, description = "The version number"), LangParam),
    responses(
        (status = 200, description = "The version", body = Experience, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such experience or version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences/{id}/versions/{n}")]
pub async fn get_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    path: web::Path<(i64, i32)>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let shown = db::run(&state.pool, move |conn| {
        let row = load(conn, id)?;
        policy::read_experience(principal.0.as_ref(), &facts(&row))?;
        published(conn, row, n)
    })
    .await?;
    respond(&req, shown, pref)
}
