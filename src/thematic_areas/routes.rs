//! `GET /thematic-areas`, `GET /thematic-areas/{slug}`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{self, AreaRecord};
use crate::app::AppState;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::{Lang, LangParam, LangPref, LangTracker, Localized};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::time::utc;

/// A thematic area of the Guide (GEMGPE).
#[derive(Debug, Serialize, ToSchema)]
pub struct ThematicArea {
    /// Same as `slug`.
    #[schema(example = "public-budget")]
    pub id: String,
    /// The area's public id.
    #[schema(example = "public-budget")]
    pub slug: String,
    /// Name in the negotiated language, or every translation with `lang=all`.
    pub name: Localized,
    /// One paragraph on what the area covers.
    pub description: Localized,
    /// Display order in the Guide, from 1.
    #[schema(example = 3)]
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ThematicArea {
    fn from_record(r: AreaRecord, pref: LangPref, langs: &mut LangTracker) -> ThematicArea {
        ThematicArea {
            id: r.row.slug.clone(),
            name: langs.pick(pref, &r.names, Lang::En),
            description: langs.pick(pref, &r.descriptions, Lang::En),
            slug: r.row.slug,
            position: r.row.position,
            created_at: utc(r.row.created_at),
            updated_at: utc(r.row.updated_at),
        }
    }
}

/// List the thematic areas in the Guide's order.
#[utoipa::path(
    tag = "thematic-areas",
    params(PageParams, LangParam),
    responses(
        (status = 200, description = "A page of thematic areas", body = Page<ThematicArea>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"),
                 ("Content-Language" = String, description = "Languages of the texts"))),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/thematic-areas")]
pub async fn list_thematic_areas(
    req: HttpRequest,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let page = page.parse::<(i32, String)>(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list(conn, page.after.as_ref(), limit)?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |r| (r.row.position, r.row.slug.clone()),
        |r| ThematicArea::from_record(r, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One thematic area by slug.
#[utoipa::path(
    tag = "thematic-areas",
    params(("slug" = String, Path, description = "The area's slug", example = "public-budget"), LangParam),
    responses(
        (status = 200, description = "The thematic area", body = ThematicArea,
         headers(("ETag" = String, description = "Strong entity tag"),
                 ("Content-Language" = String, description = "Language of the texts"))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such area", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/thematic-areas/{slug}")]
pub async fn get_thematic_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let slug = slug.into_inner();
    let wanted = slug.clone();
    let record = db::run(&state.pool, move |conn| Ok(store::find(conn, &wanted)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no thematic area with slug '{slug}'")))?;
    let mut langs = LangTracker::default();
    let area = ThematicArea::from_record(record, pref, &mut langs);
    etag::single_json(&req, &area, Some(langs.header_value(pref)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_thematic_areas).service(get_thematic_area);
}
