//! `GET /thematic-areas`, `GET /thematic-areas/{slug}`.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::api::{ThematicArea, ThematicAreaIn};
use super::store::{self, AreaRecord};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::db::dialect::Bind;
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{write_language, Lang, LangParam, LangPref, LangTracker, WriteLangParam};
use crate::http::pagination::{Page, PageBody, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

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
    let (state, req) = (&state, &req);
    crate::cache::public_page(state, req, pref, || {
        let (after, limit) = (page.after.clone(), page.limit);
        async move {
            let rows = db::run(&state.pool, move |conn| {
                Ok(store::list(conn, after.as_ref(), limit)?)
            })
            .await?;
            let mut langs = LangTracker::default();
            let page = Page::from_rows(
                rows,
                limit,
                |r| (r.row.position, r.row.slug.clone()),
                |r| ThematicArea::from_record(r, pref, &mut langs),
            );
            PageBody::new(req, &page, Some(langs.header_value(pref)))
        }
    })
    .await
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

fn slug_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn texts(
    checks: &mut Checks,
    body: &ThematicAreaIn,
    lang: Lang,
    required: bool,
) -> (
    std::collections::BTreeMap<Lang, String>,
    std::collections::BTreeMap<Lang, String>,
) {
    let name = body
        .name
        .as_ref()
        .map(|n| n.to_i18n(checks, "name", lang, required, 200))
        .unwrap_or_default();
    let description = body
        .description
        .as_ref()
        .map(|d| d.to_i18n(checks, "description", lang, required, 10_000))
        .unwrap_or_default();
    if required && body.name.is_none() {
        checks.add("name", "required", "a new area needs a name");
    }
    if body.position.is_some_and(|p| !(1..=1000).contains(&p)) {
        checks.add("position", "range", "must be from 1 to 1000");
    }
    (name, description)
}

/// Add a thematic area to the Guide (secretariat).
#[utoipa::path(
    tag = "thematic-areas",
    security(("bearer" = [])),
    params(WriteLangParam),
    request_body = ThematicAreaIn,
    responses(
        (status = 201, description = "Created", body = ThematicArea, headers(("Location" = String))),
        (status = 409, description = "The slug is taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/thematic-areas")]
pub async fn create_thematic_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<ThematicAreaIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::edit_reference(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let lang = write_language(&req)?.unwrap_or(Lang::En);
    let body = body.into_inner()?;
    let record = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let slug = body.slug.clone().unwrap_or_default().trim().to_owned();
        if !slug_ok(&slug) {
            checks.add(
                "slug",
                "invalid",
                "lower-case letters and digits, words joined by '-', at most 64",
            );
        }
        let (name, description) = texts(&mut checks, &body, lang, true);
        checks.finish()?;
        if store::find(conn, &slug)?.is_some() {
            return Err(ApiError::conflict(
                "slug-taken",
                format!("the area '{slug}' exists"),
                vec![],
            ));
        }
        let position = match body.position {
            Some(p) => p,
            None => store::next_position(conn)?,
        };
        store::insert(conn, &slug, position)?;
        store::set_texts(conn, &slug, &name, &description)?;
        audit.record(
            conn,
            "thematic_area.create",
            "thematic_area",
            &slug,
            serde_json::json!({"position": position}),
        )?;
        store::find(conn, &slug)?.ok_or_else(|| ApiError::internal("area vanished"))
    })
    .await?;
    let slug = record.row.slug.clone();
    let mut langs = LangTracker::default();
    let area = ThematicArea::from_record(record, pref, &mut langs);
    crate::http::created(
        etag::single_json(&req, &area, Some(langs.header_value(pref)))?,
        &format!("/api/v1/thematic-areas/{slug}"),
    )
}

/// Change a thematic area's texts or position (secretariat). `?lang=xx` says which language
/// plain strings are in. Honours `If-Match`.
#[utoipa::path(
    tag = "thematic-areas",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The area's slug"), WriteLangParam),
    request_body = ThematicAreaIn,
    responses(
        (status = 200, description = "The changed area", body = ThematicArea, headers(("ETag" = String))),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/thematic-areas/{slug}")]
pub async fn patch_thematic_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    slug: web::Path<String>,
    body: Body<ThematicAreaIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::edit_reference(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let lang = write_language(&req)?.unwrap_or(Lang::En);
    let (wanted, body) = (slug.into_inner(), body.into_inner()?);
    let record = db::run_tx(&state.pool, move |conn| {
        let key = wanted.trim().to_ascii_lowercase();
        db::dialect::lock_row(conn, "thematic_areas", "slug", Bind::Text(key))?;
        let current = store::find(conn, &wanted)?
            .ok_or_else(|| ApiError::not_found(format!("no thematic area with slug '{wanted}'")))?;
        let slug = current.row.slug.clone();
        let mut langs = LangTracker::default();
        etag::matches(
            if_match.as_deref(),
            &etag::of_json(&ThematicArea::from_record(current, pref, &mut langs)),
        )?;
        let mut checks = Checks::new();
        if body.slug.as_deref().is_some_and(|s| s != slug) {
            checks.add(
                "slug",
                "immutable",
                "the slug is the area's public id and does not change",
            );
        }
        let (name, description) = texts(&mut checks, &body, lang, false);
        checks.finish()?;
        store::update(conn, &slug, body.position)?;
        store::set_texts(conn, &slug, &name, &description)?;
        audit.record(
            conn,
            "thematic_area.update",
            "thematic_area",
            &slug,
            serde_json::json!({"lang": lang, "position": body.position}),
        )?;
        store::find(conn, &slug)?.ok_or_else(|| ApiError::internal("area vanished"))
    })
    .await?;
    let mut langs = LangTracker::default();
    let area = ThematicArea::from_record(record, pref, &mut langs);
    etag::single_json(&req, &area, Some(langs.header_value(pref)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_thematic_areas)
        .service(get_thematic_area)
        .service(create_thematic_area)
        .service(patch_thematic_area);
}
