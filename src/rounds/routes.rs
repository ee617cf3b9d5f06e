//! `/rounds`: the rounds, their lifecycle and their participants.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{NewRound, Round, RoundPatch, RoundQuery};
use super::model::{NewRoundRow, RoundChanges};
use super::rules::{self, ResponsePublication, RoundAction, RoundStatus};
use super::store::{self, RoundFilter, RoundRecord};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{
    i18n_to_json, write_language, Lang, LangParam, LangPref, LangTracker, TextIn, WriteLangParam,
};
use crate::http::pagination::{Page, PageBody, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self};
use crate::state::AppState;
use crate::time::utc;

impl Round {
    fn from_record(r: RoundRecord, pref: LangPref, langs: &mut LangTracker) -> Round {
        let lang = Lang::parse(&r.row.language).unwrap_or(Lang::En);
        let status = r.row.parsed_status();
        Round {
            id: r.row.id,
            number: r.row.number,
            title: langs.pick(pref, &r.row.title, lang),
            description: langs.pick(pref, &r.row.description, lang),
            language: lang,
            thematic_areas: r.areas,
            starts_on: r.row.starts_on,
            responses_due_on: r.row.responses_due_on,
            ends_on: r.row.ends_on,
            reviewers_per_country: r.row.reviewers_per_country,
            response_publication: r.row.response_publication,
            status,
            allowed_actions: lifecycle::allowed::<RoundAction>(status)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            participant_count: r.participants,
            published_questionnaire: r.published_questionnaire,
            revision: r.row.revision,
            created_at: utc(r.row.created_at),
            updated_at: utc(r.row.updated_at),
        }
    }
}

fn check_areas(conn: &mut DbConn, checks: &mut Checks, areas: &[String]) -> ApiResult<Vec<String>> {
    let mut slugs: Vec<String> = Vec::new();
    for a in areas {
        let s = a.trim().to_ascii_lowercase();
        if !slugs.contains(&s) {
            slugs.push(s);
        }
    }
    if slugs.is_empty() {
        checks.add(
            "thematic_areas",
            "required",
            "a round covers at least one thematic area",
        );
    }
    for unknown in store::unknown_areas(conn, &slugs)? {
        checks.add(
            "thematic_areas",
            "unknown",
            format!("'{unknown}' is not a thematic area"),
        );
    }
    Ok(slugs)
}

fn check_reviewers(checks: &mut Checks, n: i32) {
    if !(2..=4).contains(&n) {
        checks.add("reviewers_per_country", "range", "must be from 2 to 4");
    }
}

pub fn load(conn: &mut DbConn, id: i64) -> ApiResult<RoundRecord> {
    store::find_record(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no round {id}")))
}

pub(super) fn respond(
    req: &HttpRequest,
    record: RoundRecord,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let (id, revision) = (record.row.id, record.row.revision);
    let round = Round::from_record(record, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("round", id),
        revision,
        &round,
        Some(langs.header_value(pref)),
    )
}

/// List rounds, in number order.
#[utoipa::path(
    tag = "rounds",
    params(RoundQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of rounds", body = Page<Round>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds")]
pub async fn list_rounds(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<RoundQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let status = query.status.as_deref().and_then(|s| {
        checks.one_of(
            "status",
            s,
            RoundStatus::parse,
            "planned, open, in_review, concluded, cancelled",
        )
    });
    let filter = RoundFilter {
        status,
        thematic_area: query
            .thematic_area
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase()),
        country: query
            .country
            .as_deref()
            .map(|s| s.trim().to_ascii_uppercase()),
    };
    let page = page.parse::<i32>(&mut checks.errors);
    checks.finish_query()?;
    let (state, req) = (&state, &req);
    crate::cache::public_page(state, req, pref, || {
        let (filter, after, limit) = (filter.clone(), page.after, page.limit);
        async move {
            let rows = db::run(&state.pool, move |conn| {
                Ok(store::list(conn, &filter, after, limit)?)
            })
            .await?;
            let mut langs = LangTracker::default();
            let page = Page::from_rows(
                rows,
                limit,
                |r| r.row.number,
                |r| Round::from_record(r, pref, &mut langs),
            );
            PageBody::new(req, &page, Some(langs.header_value(pref)))
        }
    })
    .await
}

/// One round.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path, description = "The round's id"), LangParam),
    responses(
        (status = 200, description = "The round", body = Round, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}")]
pub async fn get_round(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let record = db::run(&state.pool, move |conn| load(conn, id)).await?;
    respond(&req, record, pref)
}

/// Create a round (secretariat). It starts `planned`.
#[utoipa::path(
    tag = "rounds",
    security(("bearer" = [])),
    request_body = NewRound,
    responses(
        (status = 201, description = "Created", body = Round, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The number is taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rounds")]
pub async fn create_round(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewRound>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: one create, read in order: authorise, validate every field at once, insert the
    // round with its areas and audit row, answer with its ETag and Location.
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let record = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let lang = body.language.unwrap_or(Lang::En);
        let title = body.title.to_i18n(&mut checks, "title", lang, true, 300);
        let description = body
            .description
            .as_ref()
            .map(|d| d.to_i18n(&mut checks, "description", lang, false, 20_000))
            .unwrap_or_default();
        let areas = check_areas(conn, &mut checks, &body.thematic_areas)?;
        rules::check_schedule(
            &mut checks,
            body.starts_on,
            body.responses_due_on,
            body.ends_on,
        );
        let reviewers = body.reviewers_per_country.unwrap_or(2);
        check_reviewers(&mut checks, reviewers);
        if body.number.is_some_and(|n| !(1..=9999).contains(&n)) {
            checks.add("number", "range", "must be from 1 to 9999");
        }
        checks.finish()?;
        let number = match body.number {
            Some(n) if store::number_taken(conn, n)? => {
                return Err(ApiError::conflict(
                    "number-taken",
                    format!("round {n} exists"),
                    vec![],
                ))
            }
            Some(n) => n,
            None => store::next_number(conn)?,
        };
        let now = crate::time::now();
        let id = store::insert(
            conn,
            &NewRoundRow {
                number,
                status: RoundStatus::Planned,
                language: lang.code().into(),
                title: i18n_to_json(&title),
                description: i18n_to_json(&description),
                starts_on: body.starts_on,
                responses_due_on: body.responses_due_on,
                ends_on: body.ends_on,
                reviewers_per_country: reviewers,
                response_publication: body
                    .response_publication
                    .unwrap_or(ResponsePublication::Confidential),
                revision: 1,
                created_at: now,
                updated_at: now,
            },
        )?;
        store::set_areas(conn, id, &areas)?;
        audit.record(
            conn,
            "round.create",
            "round",
            id,
            json!({"number": number, "thematic_areas": areas}),
        )?;
        load(conn, id)
    })
    .await?;
    let id = record.row.id;
    crate::http::created(
        respond(&req, record, pref)?,
        &format!("/api/v1/rounds/{id}"),
    )
}

/// Change a round (secretariat). Honours `If-Match`; `?lang=xx` says which language plain
/// strings are in (to add a translation). Concluded and cancelled rounds are frozen.
#[utoipa::path(
    tag = "rounds",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The round's id"), WriteLangParam),
    request_body = RoundPatch,
    responses(
        (status = 200, description = "The changed round", body = Round, headers(("ETag" = String))),
        (status = 409, description = "The status does not allow changing these fields", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/rounds/{id}")]
pub async fn patch_round(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<RoundPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: which fields a round's status still lets change, each field's validation, and the dates
    // checked together, reported in one 422.
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let write_lang = write_language(&req)?;
    let (id, patch) = (id.into_inner(), body.into_inner()?);
    let record = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "rounds", id)?;
        let current = load(conn, id)?.row;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("round", current.id),
            current.revision,
        )?;
        let status = current.parsed_status();
        let given: Vec<&str> = [
            ("title", patch.title.is_some()),
            ("description", patch.description.is_some()),
            ("thematic_areas", patch.thematic_areas.is_some()),
            ("starts_on", patch.starts_on.is_some()),
            ("responses_due_on", patch.responses_due_on.is_some()),
            ("ends_on", patch.ends_on.is_some()),
            (
                "reviewers_per_country",
                patch.reviewers_per_country.is_some(),
            ),
            ("response_publication", patch.response_publication.is_some()),
        ]
        .into_iter()
        .filter(|(_, g)| *g)
        .map(|(f, _)| f)
        .collect();
        let frozen: Vec<String> = given
            .iter()
            .filter(|f| !rules::may_change(status, f))
            .map(|f| format!("{f} cannot change while the round is {}", status.as_str()))
            .collect();
        if !frozen.is_empty() {
            return Err(ApiError::conflict(
                "round-frozen",
                "these fields are fixed in this status",
                frozen,
            ));
        }
        let original = Lang::parse(&current.language).unwrap_or(Lang::En);
        let lang = write_lang.unwrap_or(original);
        let mut checks = Checks::new();
        let merge = |checks: &mut Checks,
                     field: &str,
                     text: &TextIn,
                     stored: &crate::http::lang::I18n,
                     required: bool,
                     max: usize| {
            let mut texts = stored.clone();
            let given = text.to_i18n(checks, field, lang, false, max);
            if matches!(text, TextIn::One(s) if s.trim().is_empty()) {
                texts.remove(&lang);
            }
            texts.extend(given);
            if required && !texts.contains_key(&original) {
                checks.add(
                    field,
                    "required",
                    format!("must keep a text in the original language ({original})"),
                );
            }
            i18n_to_json(&texts)
        };
        let title = patch
            .title
            .as_ref()
            .map(|t| merge(&mut checks, "title", t, &current.title, true, 300));
        let description = patch.description.as_ref().map(|t| {
            merge(
                &mut checks,
                "description",
                t,
                &current.description,
                false,
                20_000,
            )
        });
        let areas = match &patch.thematic_areas {
            Some(a) => Some(check_areas(conn, &mut checks, a)?),
            None => None,
        };
        let starts = patch.starts_on.unwrap_or(current.starts_on);
        let due = patch.responses_due_on.unwrap_or(current.responses_due_on);
        let ends = patch.ends_on.unwrap_or(current.ends_on);
        rules::check_schedule(&mut checks, starts, due, ends);
        if let Some(n) = patch.reviewers_per_country {
            check_reviewers(&mut checks, n);
        }
        checks.finish()?;
        store::update(
            conn,
            id,
            &RoundChanges {
                title,
                description,
                starts_on: patch.starts_on,
                responses_due_on: patch.responses_due_on,
                ends_on: patch.ends_on,
                reviewers_per_country: patch.reviewers_per_country,
                response_publication: patch.response_publication,
                revision: Some(current.revision + 1),
                updated_at: Some(crate::time::now()),
                ..RoundChanges::default()
            },
        )?;
        if let Some(a) = &areas {
            store::set_areas(conn, id, a)?;
        }
        audit.record(
            conn,
            "round.update",
            "round",
            id,
            json!({"fields": given, "lang": lang}),
        )?;
        load(conn, id)
    })
    .await?;
    respond(&req, record, pref)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_rounds)
        .service(create_round)
        .service(get_round)
        .service(patch_round)
        .service(super::actions::open_round)
        .service(super::actions::review_round)
        .service(super::actions::conclude_round)
        .service(super::actions::cancel_round)
        .service(super::participants::list_participants)
        .service(super::participants::put_participant)
        .service(super::participants::delete_participant);
}
