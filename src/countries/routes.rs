//! `GET /countries`, `GET /countries/{code}`.

use actix_web::{get, patch, web, HttpRequest, HttpResponse};

use super::api::{Country, CountryPatch, CountryQuery};
use super::model::{Membership, Subregion};
use super::store::{self, CountryFilter, CountryRecord};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::db::dialect::Bind;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{write_language, Lang, LangParam, LangPref, LangTracker, WriteLangParam};
use crate::http::pagination::{Page, PageBody, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

impl Country {
    fn from_record(r: CountryRecord, pref: LangPref, langs: &mut LangTracker) -> Country {
        Country {
            id: r.row.code.clone(),
            name: langs.pick(pref, &r.names, Lang::En),
            subregion: r.row.subregion,
            membership: r.row.membership,
            code: r.row.code,
            alpha2: r.row.alpha2,
            created_at: utc(r.row.created_at),
            updated_at: utc(r.row.updated_at),
        }
    }
}

impl CountryQuery {
    fn parse(&self, errors: &mut Vec<FieldError>) -> CountryFilter {
        let mut filter = CountryFilter::default();
        if let Some(s) = self.subregion.as_deref() {
            filter.subregion = Subregion::parse(s);
            if filter.subregion.is_none() {
                errors.push(FieldError::new(
                    "subregion",
                    "unknown",
                    "must be one of north_america, central_america, caribbean, andean, southern_cone",
                ));
            }
        }
        if let Some(m) = self.membership.as_deref() {
            filter.membership = Membership::parse(m);
            if filter.membership.is_none() {
                errors.push(FieldError::new(
                    "membership",
                    "unknown",
                    "must be one of active, not_participating, withdrawn",
                ));
            }
        }
        filter
    }
}

/// List the OAS member states, in code order.
#[utoipa::path(
    tag = "countries",
    params(CountryQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of countries", body = Page<Country>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"),
                 ("Content-Language" = String, description = "Languages of the names"))),
        (status = 400, description = "Unknown filter value, bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/countries")]
pub async fn list_countries(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CountryQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let filter = query.parse(&mut errors);
    let page = page.parse::<String>(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let (state, req) = (&state, &req);
    crate::cache::public_page(state, req, pref, || {
        let (filter, after, limit) = (filter.clone(), page.after.clone(), page.limit);
        async move {
            let rows = db::run(&state.pool, move |conn| {
                Ok(store::list(conn, &filter, after.as_deref(), limit)?)
            })
            .await?;
            let mut langs = LangTracker::default();
            let page = Page::from_rows(
                rows,
                limit,
                |r| r.row.code.clone(),
                |r| Country::from_record(r, pref, &mut langs),
            );
            PageBody::new(req, &page, Some(langs.header_value(pref)))
        }
    })
    .await
}

/// One member state, by alpha-3 or alpha-2 code (any case).
#[utoipa::path(
    tag = "countries",
    params(("code" = String, Path, description = "Alpha-3 or alpha-2 code, any case", example = "ARG"), LangParam),
    responses(
        (status = 200, description = "The country", body = Country,
         headers(("ETag" = String, description = "Strong entity tag"),
                 ("Content-Language" = String, description = "Language of the name"))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such country", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/countries/{code}")]
pub async fn get_country(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let wanted = code.clone();
    let record = db::run(&state.pool, move |conn| Ok(store::find(conn, &wanted)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no member state with code '{code}'")))?;
    let mut langs = LangTracker::default();
    let country = Country::from_record(record, pref, &mut langs);
    etag::single_json(&req, &country, Some(langs.header_value(pref)))
}

/// Correct a member state's names, subregion or membership (secretariat). Honours `If-Match`
/// (the ETag of the representation in the request's language).
#[utoipa::path(
    tag = "countries",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Alpha-3 or alpha-2 code", example = "ARG"), WriteLangParam),
    request_body = CountryPatch,
    responses(
        (status = 200, description = "The corrected country", body = Country, headers(("ETag" = String))),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/countries/{code}")]
pub async fn patch_country(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
    body: Body<CountryPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::edit_reference(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let lang = write_language(&req)?.unwrap_or(Lang::En);
    let (wanted, patch) = (code.into_inner(), body.into_inner()?);
    let record = db::run_tx(&state.pool, move |conn| {
        let found = store::find(conn, &wanted)?
            .ok_or_else(|| ApiError::not_found(format!("no member state with code '{wanted}'")))?;
        // The code or alpha-2 sent names the row; read again once it is locked.
        db::dialect::lock_row(conn, "countries", "code", Bind::Text(found.row.code.clone()))?;
        let current = store::find(conn, &found.row.code)?
            .ok_or_else(|| ApiError::not_found(format!("no member state with code '{wanted}'")))?;
        let code = current.row.code.clone();
        let mut langs = LangTracker::default();
        etag::matches(if_match.as_deref(), &etag::of_json(&Country::from_record(current, pref, &mut langs)))?;
        let mut checks = Checks::new();
        let names = patch.name.as_ref().map(|n| n.to_i18n(&mut checks, "name", lang, false, 200)).unwrap_or_default();
        checks.finish()?;
        store::set_names(conn, &code, &names)?;
        store::update(conn, &code, patch.subregion, patch.membership)?;
        audit.record(
            conn,
            "country.update",
            "country",
            &code,
            serde_json::json!({"names": names.keys().map(|l| l.code()).collect::<Vec<_>>(), "subregion": patch.subregion, "membership": patch.membership}),
        )?;
        store::find(conn, &code)?.ok_or_else(|| ApiError::internal("country vanished"))
    })
    .await?;
    let mut langs = LangTracker::default();
    let country = Country::from_record(record, pref, &mut langs);
    etag::single_json(&req, &country, Some(langs.header_value(pref)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_countries)
        .service(get_country)
        .service(patch_country);
}
