//! `/needs`: what countries need to implement their recommendations, and their lifecycle.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Need, NeedPatch, NeedQuery, NewNeed};
use super::common::{self, need_facts, no_need};
use super::model::NeedValues;
use super::rules::{self, Modality, NeedAction, NeedStatus, Priority};
use super::search::{self, Indexed};
use super::store::{self, NeedRecord};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal, Role};
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

impl Subject<NeedAction> for NeedRecord {
    fn standing(&self) -> Standing<NeedStatus> {
        Standing {
            status: self.row.status,
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        need_scope(&self.row)
    }
}

/// Public once open, unless confidential; the country's before.
pub(super) fn need_scope(row: &super::model::NeedRow) -> Scope {
    if row.status == NeedStatus::Draft || row.confidential {
        Scope::country(&row.country)
    } else {
        Scope::public(Some(&row.country))
    }
}

pub(super) fn render(
    r: NeedRecord,
    p: Option<&Principal>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Need {
    let lang = r.row.lang();
    let cooperations = r
        .cooperations
        .iter()
        .filter(|b| policy::read_cooperation(p, &common::brief_facts(b, &r, p)).is_ok())
        .map(|b| b.id)
        .collect();
    let row = r.row;
    Need {
        id: row.id,
        country: row.country,
        thematic_area: row.thematic_area,
        kind: row.kind,
        priority: row.priority,
        modality: row.modality,
        language: lang,
        title: langs.pick(pref, &row.title, lang),
        description: langs.pick(pref, &row.description, lang),
        languages: row.languages.0,
        recommendations: row.recommendations.0,
        experiences: row.experiences.0,
        confidential: row.confidential,
        status: row.status,
        allowed_actions: lifecycle::allowed::<NeedAction>(row.status)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        close_note: row.close_note,
        cooperations,
        attachments: r.attachments,
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// Loads a need the caller may see (404 otherwise).
pub(super) fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<NeedRecord> {
    let r = store::find_need(conn, id)?.ok_or_else(|| no_need(id))?;
    policy::read_need(p, &need_facts(&r, p))?;
    Ok(r)
}

pub(super) fn respond(
    req: &HttpRequest,
    r: NeedRecord,
    p: Option<&Principal>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let (id, revision) = (r.row.id, r.row.revision);
    let body = render(r, p, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("need", id),
        revision,
        &body,
        Some(langs.header_value(pref)),
    )
}

/// Recommendations a need may serve: to its own country, in adopted or published reports.
fn check_recommendations(
    conn: &mut DbConn,
    checks: &mut Checks,
    ids: &[i64],
    country: &str,
) -> ApiResult<()> {
    let found = super::links::recommendation_links(conn, ids)?;
    for id in ids {
        match found.iter().find(|l| l.id == *id) {
            None => checks.add(
                "recommendations",
                "unknown",
                format!("there is no recommendation {id}"),
            ),
            Some(l) if l.country.as_deref() != Some(country) => checks.add(
                "recommendations",
                "other-country",
                format!("recommendation {id} is not addressed to {country}"),
            ),
            Some(l) if !l.report_status.frozen() => checks.add(
                "recommendations",
                "not-adopted",
                format!("recommendation {id} is in a report that is not adopted yet"),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Lists the needs the caller may see, newest first: the public board (open, in cooperation,
/// met, withdrawn; not confidential), plus the caller's country's own and those it provides.
#[utoipa::path(
    tag = "cooperation",
    params(NeedQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of needs", body = Page<Need>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs")]
pub async fn list_needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<NeedQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let (mut filter, q) = common::board_filter(&mut checks, &query.raw());
    let status = common::need_status(&mut checks, query.status.as_deref());
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let viewer = common::viewer(principal.0.as_ref());
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        common::resolve_q(conn, &mut filter, Indexed::Need, q.as_deref())?;
        Ok(store::list_needs(
            conn, &viewer, &filter, status, page.after, limit,
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

/// One need (404 when it is a draft or confidential and not the caller's to see).
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The need's id"), LangParam),
    responses(
        (status = 200, description = "The need", body = Need, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs/{id}")]
pub async fn get_need(
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

/// Declare a need (a focal point for its country, the secretariat for any). It starts `draft`;
/// `open` puts it on the public board.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    request_body = NewNeed,
    responses(
        (status = 201, description = "Created", body = Need, headers(("Location" = String), ("ETag" = String))),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs")]
pub async fn create_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewNeed>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    // Who may declare needs at all before the body is read; whose, once it names a country.
    policy::create_need(Some(&principal), principal.country.as_deref().unwrap_or(""))?;
    let body = body.into_inner()?;
    if let Some(c) = &body.country {
        policy::create_need(Some(&principal), &c.trim().to_ascii_uppercase())?;
    }
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let lang = body.language.unwrap_or(crate::http::lang::Lang::En);
        let code = match (&body.country, &p.country, p.role) {
            (Some(c), _, _) => common::country(conn, &mut checks, "country", c)?,
            (None, Some(c), Role::MemberCountry) => c.clone(),
            _ => {
                checks.add("country", "required", "the secretariat names the country");
                String::new()
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
        let recs = common::ids(
            &mut checks,
            "recommendations",
            body.recommendations.as_deref().unwrap_or(&[]),
        );
        let exps = common::ids(
            &mut checks,
            "experiences",
            body.experiences.as_deref().unwrap_or(&[]),
        );
        check_recommendations(conn, &mut checks, &recs, &code)?;
        common::check_experiences(conn, &mut checks, &exps, Some(&code), false)?;
        checks.finish()?;
        let now = crate::time::now();
        let values = NeedValues {
            country: code.clone(),
            thematic_area: area,
            kind: body.kind,
            priority: body.priority.unwrap_or(Priority::Medium),
            modality: body.modality.unwrap_or(Modality::Either),
            language: lang.code().into(),
            title: i18n_to_json(&title),
            description: i18n_to_json(&description),
            languages: json!(common::languages(body.languages.as_deref(), lang)).to_string(),
            recommendations: json!(recs).to_string(),
            experiences: json!(exps).to_string(),
            confidential: body.confidential.unwrap_or(false),
            status: NeedStatus::Draft,
            close_note: None,
            revision: 1,
            updated_at: now,
        };
        let id = store::insert_need(conn, &values, Some(p.user_id), now)?;
        search::index(conn, Indexed::Need, id, &title, &description)?;
        audit.record(
            conn,
            "need.create",
            "need",
            id,
            json!({"country": code, "thematic_area": values.thematic_area}),
        )?;
        let need = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "need.created",
                entity_type: "need",
                entity_id: id.to_string(),
                scope: need_scope(&need.row),
                payload: json!({"status": need.row.status, "thematic_area": need.row.thematic_area}),
            },
        )?;
        Ok(need)
    })
    .await?;
    let id = r.row.id;
    crate::http::created(
        respond(&req, r, Some(&principal), pref)?,
        &format!("/api/v1/needs/{id}"),
    )
}

/// Change a draft or open need (its country, the secretariat). Honours `If-Match`; `?lang=xx`
/// says which language plain strings are in.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The need's id"), WriteLangParam),
    request_body = NeedPatch,
    responses(
        (status = 200, description = "The changed need", body = Need, headers(("ETag" = String))),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need is in cooperation, met or withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/needs/{id}")]
pub async fn patch_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NeedPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let write_lang = write_language(&req)?;
    let id = id.into_inner();
    let p = principal.clone();
    let patch = body.into_inner()?;
    let r = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "needs", id)?;
        let current = load(conn, id, Some(&p))?;
        policy::write_need(Some(&p), &need_facts(&current, Some(&p)))?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("need", id),
            current.row.revision,
        )?;
        if !rules::need_editable(current.row.status) {
            return Err(ApiError::conflict(
                "not-editable",
                format!(
                    "the need is {} and can no longer change",
                    current.row.status.as_str()
                ),
                vec![],
            ));
        }
        let row = &current.row;
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
        let recs = match &patch.recommendations {
            Some(r) => common::ids(&mut checks, "recommendations", r),
            None => row.recommendations.0.clone(),
        };
        let exps = match &patch.experiences {
            Some(e) => common::ids(&mut checks, "experiences", e),
            None => row.experiences.0.clone(),
        };
        if patch.recommendations.is_some() {
            check_recommendations(conn, &mut checks, &recs, &row.country)?;
        }
        if patch.experiences.is_some() {
            common::check_experiences(conn, &mut checks, &exps, Some(&row.country), false)?;
        }
        checks.finish()?;
        let values = NeedValues {
            country: row.country.clone(),
            thematic_area: area,
            kind: patch.kind.unwrap_or(row.kind),
            priority: patch.priority.unwrap_or(row.priority),
            modality: patch.modality.unwrap_or(row.modality),
            language: row.language.clone(),
            title: i18n_to_json(&title),
            description: i18n_to_json(&description),
            languages: json!(match &patch.languages {
                Some(l) => common::languages(Some(l), original),
                None => row.languages.0.clone(),
            })
            .to_string(),
            recommendations: json!(recs).to_string(),
            experiences: json!(exps).to_string(),
            confidential: patch.confidential.unwrap_or(row.confidential),
            status: row.status,
            close_note: row.close_note.clone(),
            revision: row.revision + 1,
            updated_at: crate::time::now(),
        };
        store::update_need(conn, id, &values)?;
        search::index(conn, Indexed::Need, id, &title, &description)?;
        audit.record(conn, "need.update", "need", id, json!({"lang": lang}))?;
        load(conn, id, Some(&p))
    })
    .await?;
    respond(&req, r, Some(&principal), pref)
}
