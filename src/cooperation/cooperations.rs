//! `/cooperations`: one need met by one provider, from proposal to outcome.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{
    Activity, Agreement, Cooperation, CooperationPatch, CooperationQuery, NewCooperation, Rating,
};
use super::common;
use super::model::{CooperationChanges, NewCooperationRow};
use super::rules::{self, CooperationAction, CooperationStatus, NeedStatus};
use super::search::Indexed;
use super::store::{self, CooperationRecord};
use crate::audit::AuditCtx;
use crate::auth::policy::{self, CooperationFacts};
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{
    i18n_to_json, write_language, LangParam, LangPref, LangTracker, WriteLangParam,
};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Standing, Subject};
use crate::state::AppState;
use crate::time::utc;

impl Subject<CooperationAction> for CooperationRecord {
    fn standing(&self) -> Standing<CooperationStatus> {
        Standing {
            status: self.row.status,
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        cooperation_scope(self)
    }
}

/// Public once agreed (unless its need is confidential); before, its two parties'.
pub(super) fn cooperation_scope(r: &CooperationRecord) -> Scope {
    let requester = r.need.country.as_str();
    let scope = if facts(r, None).public {
        Scope::public(Some(requester))
    } else {
        Scope::country(requester)
    };
    scope.and_country(r.row.provider_country.as_deref())
}

pub(super) fn facts<'a>(r: &'a CooperationRecord, p: Option<&Principal>) -> CooperationFacts<'a> {
    CooperationFacts {
        requester: &r.need.country,
        provider_country: r.row.provider_country.as_deref(),
        public: r.row.agreed_at.is_some() && !r.need.confidential,
        caller_proposed: p.is_some_and(|p| r.row.proposed_by == Some(p.user_id)),
    }
}

pub(super) fn render(
    r: CooperationRecord,
    p: Option<&Principal>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Cooperation {
    let lang = r.row.lang();
    let rating = r
        .row
        .rating
        .filter(|_| policy::sees_rating(p, &facts(&r, p), r.row.rating_public));
    let row = r.row;
    Cooperation {
        id: row.id,
        need: row.need_id,
        offer: row.offer_id,
        requester: r.need.country,
        provider_country: row.provider_country,
        provider_partner: row.provider_partner,
        thematic_area: r.need.thematic_area,
        language: lang,
        title: langs.pick(pref, &row.title, lang),
        description: langs.pick(pref, &row.description, lang),
        activities: row.activities.0,
        status: row.status,
        allowed_actions: lifecycle::allowed::<CooperationAction>(row.status)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        agreement: Agreement {
            requester_agreed_at: row.requester_agreed_at.map(utc),
            provider_agreed_at: row.provider_agreed_at.map(utc),
        },
        agreed_at: row.agreed_at.map(utc),
        started_at: row.started_at.map(utc),
        completed_at: row.completed_at.map(utc),
        outcome: row.outcome.map(|o| o.0),
        rating: rating.map(|score| Rating {
            score,
            comment: row.rating_comment,
            public: row.rating_public,
        }),
        cancel_reason: row.cancel_reason,
        attachments: r.attachments,
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub(super) fn load(
    conn: &mut DbConn,
    id: i64,
    p: Option<&Principal>,
) -> ApiResult<CooperationRecord> {
    let r = store::find_cooperation(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("no cooperation {id}")))?;
    policy::read_cooperation(p, &facts(&r, p))?;
    Ok(r)
}

pub(super) fn respond(
    req: &HttpRequest,
    r: CooperationRecord,
    p: Option<&Principal>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let (id, revision) = (r.row.id, r.row.revision);
    let body = render(r, p, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("cooperation", id),
        revision,
        &body,
        Some(langs.header_value(pref)),
    )
}

fn check_activities(checks: &mut Checks, given: &[Activity]) -> Vec<Activity> {
    if given.len() > rules::MAX_ACTIVITIES {
        checks.add(
            "activities",
            "too_many",
            format!("at most {} activities", rules::MAX_ACTIVITIES),
        );
    }
    given
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let title = checks.text(
                &format!("activities[{i}].title"),
                &a.title,
                1,
                rules::MAX_TITLE,
            );
            if let (Some(s), Some(e)) = (a.starts_on, a.ends_on) {
                if e < s {
                    checks.add(
                        &format!("activities[{i}].ends_on"),
                        "order",
                        "must not be before starts_on",
                    );
                }
            }
            if a.participants.is_some_and(|n| !(1..=10_000).contains(&n)) {
                checks.add(
                    &format!("activities[{i}].participants"),
                    "range",
                    "must be from 1 to 10000",
                );
            }
            Activity { title, ..a.clone() }
        })
        .collect()
}

/// Lists the cooperations the caller may see, newest first: the public ones (agreed or later,
/// of needs that are not confidential), and those the caller's country is a party to.
#[utoipa::path(
    tag = "cooperation",
    params(CooperationQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of cooperations", body = Page<Cooperation>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cooperations")]
pub async fn list_cooperations(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<CooperationQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let (mut filter, q) = common::board_filter(&mut checks, &query.raw());
    let status = common::cooperation_status(&mut checks, query.status.as_deref());
    let need = checks.integer("need", query.need.as_deref());
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let viewer = common::viewer(principal.0.as_ref());
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        common::resolve_q(conn, &mut filter, Indexed::Need, q.as_deref())?;
        Ok(store::list_cooperations(
            conn, &viewer, &filter, status, need, page.after, limit,
        )?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let p = principal.0.as_ref();
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.row.id,
        |r| render(r, p, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One cooperation (404 when it is not public and the caller is no party to it).
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The cooperation's id"), LangParam),
    responses(
        (status = 200, description = "The cooperation", body = Cooperation, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cooperations/{id}")]
pub async fn get_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let r = db::run(&state.pool, move |conn| load(conn, id, p.as_ref())).await?;
    respond(&req, r, principal.0.as_ref(), pref)
}

/// Propose a cooperation for an open need: with an offer (its provider provides), or naming a
/// providing country or partner. The secretariat, either party's focal points, and experts of
/// countries that reviewed a recommendation the need serves may propose. Nobody has agreed yet.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    request_body = NewCooperation,
    responses(
        (status = 201, description = "Proposed", body = Cooperation, headers(("Location" = String), ("ETag" = String))),
        (status = 404, description = "No such need or offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need is not open, or the offer is not open or past its validity", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperations")]
pub async fn create_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewCooperation>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        let need = super::needs::load(conn, body.need, Some(&p))?;
        let mut checks = Checks::new();
        let (offer, provider_country, provider_partner) =
            match (body.offer, &body.provider_country, body.provider_partner) {
                (Some(id), None, None) => {
                    let o = super::offers::load(conn, id, Some(&p))?;
                    if !o.row.available_on(crate::time::today()) {
                        return Err(ApiError::conflict(
                            "offer-not-available",
                            format!("offer {id} is not open or past its validity"),
                            vec![],
                        ));
                    }
                    (Some(id), o.row.country.clone(), o.row.partner_id)
                }
                (None, Some(c), None) => (None, Some(common::country(conn, &mut checks, "provider_country", c)?), None),
                (None, None, Some(id)) => {
                    if store::find_partner(conn, id)?.is_none() {
                        checks.add("provider_partner", "unknown", format!("there is no partner {id}"));
                    }
                    (None, None, Some(id))
                }
                _ => {
                    checks.add("offer", "provider", "give exactly one of offer, provider_country, provider_partner");
                    (None, None, None)
                }
            };
        if provider_country.as_deref() == Some(need.row.country.as_str()) {
            checks.add("provider_country", "same-country", "a country does not cooperate with itself");
        }
        let facts = CooperationFacts {
            requester: &need.row.country,
            provider_country: provider_country.as_deref(),
            public: false,
            caller_proposed: false,
        };
        let expert_reviewed = match (p.role, &p.country) {
            (Role::Expert, Some(c)) => {
                let links = super::links::recommendation_links(conn, &need.row.recommendations)?;
                super::links::reviewed_any(conn, c, &links)?
            }
            _ => false,
        };
        policy::propose_cooperation(Some(&p), &facts, expert_reviewed)?;
        if !matches!(need.row.status, NeedStatus::Open | NeedStatus::InCooperation) {
            return Err(ApiError::conflict(
                "need-not-open",
                format!("the need is {}: cooperation is proposed for open needs", need.row.status.as_str()),
                vec![],
            ));
        }
        let lang = need.row.lang();
        let title = match &body.title {
            Some(t) => common::text(&mut checks, "title", t, lang, true, rules::MAX_TITLE),
            None => need.row.title.0.clone(),
        };
        let description = body
            .description
            .as_ref()
            .map(|d| common::text(&mut checks, "description", d, lang, false, rules::MAX_DESCRIPTION))
            .unwrap_or_default();
        let activities = check_activities(&mut checks, body.activities.as_deref().unwrap_or(&[]));
        checks.finish()?;
        let now = crate::time::now();
        let id = store::insert_cooperation(
            conn,
            &NewCooperationRow {
                need_id: need.row.id,
                offer_id: offer,
                provider_country: provider_country.clone(),
                provider_partner,
                language: lang.code().into(),
                title: i18n_to_json(&title),
                description: i18n_to_json(&description),
                activities: json!(activities).to_string(),
                status: CooperationStatus::Proposed,
                proposed_by: Some(p.user_id),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "cooperation.propose",
            "cooperation",
            id,
            json!({"need": need.row.id, "offer": offer, "provider_country": provider_country, "provider_partner": provider_partner}),
        )?;
        let proposed = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "cooperation.proposed",
                entity_type: "cooperation",
                entity_id: id.to_string(),
                scope: cooperation_scope(&proposed),
                payload: json!({"status": proposed.row.status, "need": proposed.row.need_id}),
            },
        )?;
        Ok(proposed)
    })
    .await?;
    let id = r.row.id;
    crate::http::created(
        respond(&req, r, Some(&principal), pref)?,
        &format!("/api/v1/cooperations/{id}"),
    )
}

/// Change a cooperation's plan (its parties, the secretariat) until it completes. Honours
/// `If-Match`.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The cooperation's id"), WriteLangParam),
    request_body = CooperationPatch,
    responses(
        (status = 200, description = "The changed cooperation", body = Cooperation, headers(("ETag" = String))),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Completed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cooperations/{id}")]
pub async fn patch_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<CooperationPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let write_lang = write_language(&req)?;
    let id = id.into_inner();
    let patch = body.into_inner()?;
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "cooperations", id)?;
        let current = load(conn, id, Some(&p))?;
        policy::act_on_cooperation(Some(&p), &facts(&current, Some(&p)))?;
        let row = &current.row;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("cooperation", id),
            row.revision,
        )?;
        if !rules::plan_editable(row.status) {
            return Err(ApiError::conflict(
                "not-editable",
                format!(
                    "the cooperation is {} and its plan can no longer change",
                    row.status.as_str()
                ),
                vec![],
            ));
        }
        let original = row.lang();
        let lang = write_lang.unwrap_or(original);
        let mut checks = Checks::new();
        let title = patch.title.as_ref().map(|t| {
            common::merge_text(
                &mut checks,
                "title",
                t,
                &row.title,
                lang,
                Some(original),
                rules::MAX_TITLE,
            )
        });
        let description = patch.description.as_ref().map(|t| {
            let mut texts = row.description.0.clone();
            texts.extend(common::text(
                &mut checks,
                "description",
                t,
                lang,
                false,
                rules::MAX_DESCRIPTION,
            ));
            texts
        });
        let activities = patch
            .activities
            .as_ref()
            .map(|a| check_activities(&mut checks, a));
        checks.finish()?;
        store::update_cooperation(
            conn,
            id,
            &CooperationChanges {
                title: title.as_ref().map(i18n_to_json),
                description: description.as_ref().map(i18n_to_json),
                activities: activities.as_ref().map(|a| json!(a).to_string()),
                revision: Some(row.revision + 1),
                updated_at: Some(crate::time::now()),
                ..CooperationChanges::default()
            },
        )?;
        audit.record(
            conn,
            "cooperation.update",
            "cooperation",
            id,
            json!({"lang": lang}),
        )?;
        load(conn, id, Some(&p))
    })
    .await?;
    respond(&req, r, Some(&principal), pref)
}
