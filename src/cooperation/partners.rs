//! `/partners`: partner organisations registered by the secretariat, whose offers stand beside
//! the countries'.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{NewPartner, Partner};
use super::common;
use super::model::{NewPartnerRow, PartnerRow};
use super::rules;
use super::store;
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::Principal;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{i18n_to_json, Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

fn render_partner(row: PartnerRow, pref: LangPref, langs: &mut LangTracker) -> Partner {
    let lang = Lang::parse(&row.language).unwrap_or(Lang::En);
    Partner {
        id: row.id,
        name: row.name,
        acronym: row.acronym,
        kind: row.kind,
        website: row.website,
        description: langs.pick(pref, &row.description, lang),
        language: lang,
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The partner organisations that offer cooperation, by id.
#[utoipa::path(
    tag = "cooperation",
    params(PageParams, LangParam),
    responses(
        (status = 200, description = "A page of partners", body = Page<Partner>),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partners")]
pub async fn list_partners(
    req: HttpRequest,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list_partners(conn, page.after, limit)?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.id,
        |r| render_partner(r, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One partner organisation.
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The partner's id"), LangParam),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such partner", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        store::find_partner(conn, id)?
            .ok_or_else(|| ApiError::not_found(format!("no partner {id}")))
    })
    .await?;
    let mut langs = LangTracker::default();
    let revision = row.revision;
    let body = render_partner(row, pref, &mut langs);
    etag::versioned_json(
        &req,
        etag::Entity("partner", id),
        revision,
        &body,
        Some(langs.header_value(pref)),
    )
}

/// Register a partner organisation (secretariat).
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    request_body = NewPartner,
    responses(
        (status = 201, description = "Registered", body = Partner, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "A partner has this name", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partners")]
pub async fn create_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewPartner>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_partners(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let row = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let lang = body.language.unwrap_or(Lang::En);
        let name = checks.text("name", &body.name, 1, 300);
        let acronym = body
            .acronym
            .as_deref()
            .map(|a| checks.text("acronym", a, 0, 50))
            .filter(|a| !a.is_empty());
        let website = body.website.as_deref().map(|w| checks.url("website", w));
        let description = body
            .description
            .as_ref()
            .map(|d| {
                common::text(
                    &mut checks,
                    "description",
                    d,
                    lang,
                    false,
                    rules::MAX_DESCRIPTION,
                )
            })
            .unwrap_or_default();
        checks.finish()?;
        if store::partner_name_taken(conn, &name)? {
            return Err(ApiError::conflict(
                "name-taken",
                format!("a partner is named '{name}'"),
                vec![],
            ));
        }
        let now = crate::time::now();
        let id = store::insert_partner(
            conn,
            &NewPartnerRow {
                name: name.clone(),
                acronym,
                kind: body.kind,
                website,
                language: lang.code().into(),
                description: i18n_to_json(&description),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(conn, "partner.create", "partner", id, json!({"name": name}))?;
        store::find_partner(conn, id)?.ok_or_else(|| ApiError::internal("partner vanished"))
    })
    .await?;
    let id = row.id;
    let revision = row.revision;
    let mut langs = LangTracker::default();
    let body = render_partner(row, pref, &mut langs);
    crate::http::created(
        etag::versioned_json(
            &req,
            etag::Entity("partner", id),
            revision,
            &body,
            Some(langs.header_value(pref)),
        )?,
        &format!("/api/v1/partners/{id}"),
    )
}
