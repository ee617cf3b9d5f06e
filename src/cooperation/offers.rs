//! `/offers` and `/partners`: what countries and partner organisations can share.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{NewOffer, Offer, OfferPatch, OfferQuery, Ratings};
use super::common;
use super::model::{OfferRow, OfferValues};
use super::rules::{self, Modality, NeedKind, OfferAction, OfferStatus};
use super::search::{self, Indexed};
use super::store::{self, OfferRecord};
use crate::audit::AuditCtx;
use crate::auth::policy::{self, OfferFacts};
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{
    i18n_to_json, write_language, Lang, LangParam, LangPref, LangTracker, WriteLangParam,
};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;
use crate::time::utc;

impl Subject<OfferAction> for OfferRecord {
    fn standing(&self) -> Standing<OfferStatus> {
        Standing {
            status: self.row.status,
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        offer_scope(&self.row)
    }
}

/// Public once open; a draft is its country's (a partner's, the secretariat's).
pub(super) fn offer_scope(row: &OfferRow) -> Scope {
    match (&row.country, row.status == OfferStatus::Draft) {
        (_, false) => Scope::public(row.country.as_deref()),
        (Some(c), true) => Scope::country(c),
        (None, true) => Scope::new(Audience::Secretariat, None),
    }
}

pub(super) fn facts(row: &OfferRow) -> OfferFacts<'_> {
    OfferFacts {
        country: row.country.as_deref(),
        draft: row.status == OfferStatus::Draft,
    }
}

pub(super) fn render(r: OfferRecord, pref: LangPref, langs: &mut LangTracker) -> Offer {
    let lang = r.row.lang();
    let row = r.row;
    Offer {
        id: row.id,
        country: row.country,
        partner: row.partner_id,
        thematic_area: row.thematic_area,
        language: lang,
        title: langs.pick(pref, &row.title, lang),
        description: langs.pick(pref, &row.description, lang),
        kinds: row.kinds.0,
        languages: row.languages.0,
        modality: row.modality,
        capacity_per_year: row.capacity_per_year,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        experiences: row.experiences.0,
        status: row.status,
        allowed_actions: lifecycle::allowed::<OfferAction>(row.status)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        ratings: Ratings {
            count: r.ratings.0,
            average: r.ratings.1.map(|a| (a * 100.0).round() / 100.0),
        },
        attachments: r.attachments,
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub(super) fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<OfferRecord> {
    let r = store::find_offer(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("no offer {id}")))?;
    policy::read_offer(p, &facts(&r.row))?;
    Ok(r)
}

fn respond(req: &HttpRequest, r: OfferRecord, pref: LangPref) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let (id, revision) = (r.row.id, r.row.revision);
    let body = render(r, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("offer", id),
        revision,
        &body,
        Some(langs.header_value(pref)),
    )
}

/// Kinds without repeats, at least one.
fn kinds(checks: &mut Checks, given: &[NeedKind]) -> Vec<NeedKind> {
    let mut out: Vec<NeedKind> = Vec::new();
    for k in given {
        if !out.contains(k) {
            out.push(*k);
        }
    }
    if out.is_empty() {
        checks.add(
            "kinds",
            "required",
            "an offer gives at least one kind of help",
        );
    }
    out
}

fn check_capacity(checks: &mut Checks, capacity: Option<i32>) {
    if capacity.is_some_and(|c| !(1..=1000).contains(&c)) {
        checks.add("capacity_per_year", "range", "must be from 1 to 1000");
    }
}

fn check_validity(checks: &mut Checks, from: chrono::NaiveDate, until: Option<chrono::NaiveDate>) {
    if until.is_some_and(|u| u < from) {
        checks.add("valid_until", "order", "must not be before valid_from");
    }
}

/// Lists the offers the caller may see, newest first: every offer not in draft, and the
/// caller's country's drafts.
#[utoipa::path(
    tag = "cooperation",
    params(OfferQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of offers", body = Page<Offer>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers")]
pub async fn list_offers(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<OfferQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let (mut filter, q) = common::board_filter(&mut checks, &query.raw());
    let status = common::offer_status(&mut checks, query.status.as_deref());
    let partner = checks.integer("partner", query.partner.as_deref());
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let viewer = common::viewer(principal.0.as_ref());
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        common::resolve_q(conn, &mut filter, Indexed::Offer, q.as_deref())?;
        Ok(store::list_offers(
            conn, &viewer, &filter, partner, status, page.after, limit,
        )?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(rows, limit, |r| r.row.id, |r| render(r, pref, &mut langs));
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One offer (404 for a draft that is not the caller's).
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The offer's id"), LangParam),
    responses(
        (status = 200, description = "The offer", body = Offer, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{id}")]
pub async fn get_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = db::run(&state.pool, move |conn| {
        load(conn, id, principal.0.as_ref())
    })
    .await?;
    respond(&req, r, pref)
}

/// Declare an offer: a focal point for its country; the secretariat for any country or for a
/// partner organisation. It starts `draft`.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    request_body = NewOffer,
    responses(
        (status = 201, description = "Created", body = Offer, headers(("Location" = String), ("ETag" = String))),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers")]
pub async fn create_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewOffer>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    // Who may declare offers at all before the body is read; whose, once it names one.
    policy::create_offer(
        Some(&principal),
        &OfferFacts {
            country: principal.country.as_deref(),
            draft: true,
        },
    )?;
    let body = body.into_inner()?;
    let named = body
        .country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    if body.partner.is_some() || named.is_some() {
        policy::create_offer(
            Some(&principal),
            &OfferFacts {
                country: if body.partner.is_some() {
                    None
                } else {
                    named.as_deref()
                },
                draft: true,
            },
        )?;
    }
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let lang = body.language.unwrap_or(Lang::En);
        let (country, partner) = match (&body.country, body.partner, &p.country, p.role) {
            (Some(_), Some(_), _, _) => {
                checks.add(
                    "partner",
                    "conflict",
                    "an offer is a country's or a partner's, not both",
                );
                (None, None)
            }
            (Some(c), None, _, _) => (
                Some(common::country(conn, &mut checks, "country", c)?),
                None,
            ),
            (None, Some(id), _, _) => {
                if store::find_partner(conn, id)?.is_none() {
                    checks.add("partner", "unknown", format!("there is no partner {id}"));
                }
                (None, Some(id))
            }
            (None, None, Some(c), Role::MemberCountry) => (Some(c.clone()), None),
            _ => {
                checks.add(
                    "country",
                    "required",
                    "the secretariat names a country or a partner",
                );
                (None, None)
            }
        };
        let area = common::area(conn, &mut checks, &body.thematic_area)?;
        let title = common::text(
            &mut checks,
            "title",
            &body.title,
            lang,
            true,
            rules::MAX_TITLE,
        );
        let description = common::some_text(
            &mut checks,
            "description",
            &body.description,
            lang,
            rules::MAX_DESCRIPTION,
        );
        let kinds = kinds(&mut checks, &body.kinds);
        check_capacity(&mut checks, body.capacity_per_year);
        let valid_from = body.valid_from.unwrap_or_else(crate::time::today);
        check_validity(&mut checks, valid_from, body.valid_until);
        let exps = common::ids(
            &mut checks,
            "experiences",
            body.experiences.as_deref().unwrap_or(&[]),
        );
        if !exps.is_empty() {
            match &country {
                Some(c) => common::check_experiences(conn, &mut checks, &exps, Some(c), true)?,
                None => common::check_experiences(conn, &mut checks, &exps, None, true)?,
            }
        }
        checks.finish()?;
        let now = crate::time::now();
        let values = OfferValues {
            country: country.clone(),
            partner_id: partner,
            thematic_area: area,
            language: lang.code().into(),
            title: i18n_to_json(&title),
            description: i18n_to_json(&description),
            kinds: json!(kinds).to_string(),
            languages: json!(common::languages(body.languages.as_deref(), lang)).to_string(),
            modality: body.modality.unwrap_or(Modality::Either),
            capacity_per_year: body.capacity_per_year,
            valid_from,
            valid_until: body.valid_until,
            experiences: json!(exps).to_string(),
            status: OfferStatus::Draft,
            revision: 1,
            updated_at: now,
        };
        let id = store::insert_offer(conn, &values, Some(p.user_id), now)?;
        search::index(conn, Indexed::Offer, id, &title, &description)?;
        audit.record(
            conn,
            "offer.create",
            "offer",
            id,
            json!({"country": country, "partner": partner, "thematic_area": values.thematic_area}),
        )?;
        let offer = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "offer.created",
                entity_type: "offer",
                entity_id: id.to_string(),
                scope: offer_scope(&offer.row),
                payload: json!({"status": offer.row.status, "thematic_area": offer.row.thematic_area}),
            },
        )?;
        Ok(offer)
    })
    .await?;
    let id = r.row.id;
    crate::http::created(respond(&req, r, pref)?, &format!("/api/v1/offers/{id}"))
}

/// Change a draft or open offer (its country; the secretariat). Honours `If-Match`.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The offer's id"), WriteLangParam),
    request_body = OfferPatch,
    responses(
        (status = 200, description = "The changed offer", body = Offer, headers(("ETag" = String))),
        (status = 404, description = "No such offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The offer is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/offers/{id}")]
pub async fn patch_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<OfferPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let write_lang = write_language(&req)?;
    let id = id.into_inner();
    let patch = body.into_inner()?;
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "offers", id)?;
        let current = load(conn, id, Some(&p))?;
        policy::write_offer(Some(&p), &facts(&current.row))?;
        let row = &current.row;
        etag::check_revision(if_match.as_deref(), etag::Entity("offer", id), row.revision)?;
        if row.status == OfferStatus::Closed {
            return Err(ApiError::conflict(
                "not-editable",
                "the offer is closed and can no longer change",
                vec![],
            ));
        }
        let original = row.lang();
        let lang = write_lang.unwrap_or(original);
        let mut checks = Checks::new();
        let (title, description) = common::patch_texts(
            &mut checks,
            patch.title.as_ref(),
            patch.description.as_ref(),
            &row.title,
            &row.description,
            lang,
            original,
        );
        let area = match &patch.thematic_area {
            Some(a) => common::area(conn, &mut checks, a)?,
            None => row.thematic_area.clone(),
        };
        let kinds = match &patch.kinds {
            Some(k) => kinds(&mut checks, k),
            None => row.kinds.0.clone(),
        };
        let capacity = patch.capacity_per_year.or(row.capacity_per_year);
        check_capacity(&mut checks, capacity);
        let valid_from = patch.valid_from.unwrap_or(row.valid_from);
        let valid_until = patch.valid_until.or(row.valid_until);
        check_validity(&mut checks, valid_from, valid_until);
        let exps = match &patch.experiences {
            Some(e) => {
                let ids = common::ids(&mut checks, "experiences", e);
                common::check_experiences(conn, &mut checks, &ids, row.country.as_deref(), true)?;
                ids
            }
            None => row.experiences.0.clone(),
        };
        checks.finish()?;
        store::update_offer(
            conn,
            id,
            &OfferValues {
                country: row.country.clone(),
                partner_id: row.partner_id,
                thematic_area: area,
                language: row.language.clone(),
                title: i18n_to_json(&title),
                description: i18n_to_json(&description),
                kinds: json!(kinds).to_string(),
                languages: json!(match &patch.languages {
                    Some(l) => common::languages(Some(l), original),
                    None => row.languages.0.clone(),
                })
                .to_string(),
                modality: patch.modality.unwrap_or(row.modality),
                capacity_per_year: capacity,
                valid_from,
                valid_until,
                experiences: json!(exps).to_string(),
                status: row.status,
                revision: row.revision + 1,
                updated_at: crate::time::now(),
            },
        )?;
        search::index(conn, Indexed::Offer, id, &title, &description)?;
        audit.record(conn, "offer.update", "offer", id, json!({"lang": lang}))?;
        load(conn, id, Some(&p))
    })
    .await?;
    respond(&req, r, pref)
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: OfferAction,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let r = db::run_tx(&state.pool, move |conn| {
        let a = Action {
            table: "offers",
            entity: "offer",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        lifecycle::act(
            conn,
            a,
            |conn| load(conn, id, Some(&principal)),
            |r| policy::write_offer(Some(&principal), &facts(&r.row)),
            |conn, current, next| {
                store::set_offer_status(conn, &current.row, next, crate::time::now())?;
                Ok(Default::default())
            },
        )
    })
    .await?;
    respond(&req, r, pref)
}

/// Put a draft offer on the public board.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The offer's id")),
    responses(
        (status = 200, description = "Open", body = Offer),
        (status = 404, description = "No such offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers/{id}/open")]
pub async fn open_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        OfferAction::Open,
        pref,
    )
    .await
}

/// Close an offer: it is no longer suggested nor taken up; its cooperations go on.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The offer's id")),
    responses(
        (status = 200, description = "Closed", body = Offer),
        (status = 404, description = "No such offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers/{id}/close")]
pub async fn close_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        OfferAction::Close,
        pref,
    )
    .await
}
