//! A questionnaire's versions: publishing a draft (which retires the version it replaces and carries answers over) and drafting the next one.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::Questionnaire;
use super::model::{QuestionnaireAction, QuestionnaireRow, QuestionnaireStatus};
use super::routes::{check_round_allows_drafting, load_visible, respond, round_status, status_of};
use super::rules;
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::lifecycle::{self, Action};
use crate::state::AppState;

/// What publishing a version does to the answers drafted on the version it replaces (from, to):
/// the responses slice moves them. `app::build` installs it, so that this slice, which
/// the responses slice builds on, imports nothing of that one. Returns how many responses moved.
pub type CarryOver =
    fn(&mut DbConn, &AuditCtx, &QuestionnaireRow, &QuestionnaireRow) -> ApiResult<usize>;

static CARRY_OVER: std::sync::OnceLock<CarryOver> = std::sync::OnceLock::new();

/// Installs what publishing does to the answers of the replaced version (once per process).
pub fn on_publish(carry_over: CarryOver) {
    let _ = CARRY_OVER.set(carry_over);
}

/// Publish a draft (secretariat): it becomes the version countries answer and is frozen; the
/// previously published version of the round is retired.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The questionnaire's id")),
    responses(
        (status = 200, description = "Published", body = Questionnaire),
        (status = 409, description = "Not a draft (`allowed` lists what is), empty, or the round is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/questionnaires/{id}/publish")]
pub async fn publish_questionnaire(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let row = db::run_tx(&state.pool, move |conn| {
        let act = Action {
            table: "questionnaires",
            entity: "questionnaire",
            id,
            action: QuestionnaireAction::Publish,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let load = |conn: &mut DbConn| load_visible(conn, id, Some(&principal));
        lifecycle::act(
            conn,
            act,
            load,
            |_| Ok(()),
            |conn, row, next| {
                check_round_allows_drafting(round_status(conn, row.round_id)?)?;
                rules::check_publishable(&row.doc()?).map_err(|why| {
                    ApiError::conflict(
                        "questionnaire-empty",
                        "the questionnaire cannot be published",
                        why,
                    )
                })?;
                let mut retired = None;
                for other in store::versions_of_round(conn, row.round_id)? {
                    if other.status == QuestionnaireStatus::Published {
                        store::set_status(
                            conn,
                            other.id,
                            QuestionnaireStatus::Retired,
                            other.revision + 1,
                        )?;
                        audit.record(
                            conn,
                            "questionnaire.retire",
                            "questionnaire",
                            other.id,
                            json!({"replaced_by": id}),
                        )?;
                        let carry_over = CARRY_OVER.get().ok_or_else(|| {
                            ApiError::internal("no carry-over installed: app::build installs it")
                        })?;
                        carry_over(conn, &audit, &other, row)?;
                        retired = Some(other.id);
                    }
                }
                store::set_status(conn, id, next, row.revision + 1)?;
                let mut summary = serde_json::Map::new();
                summary.insert("round".into(), json!(row.round_id));
                summary.insert("version".into(), json!(row.version));
                summary.insert("retired".into(), json!(retired));
                Ok(summary)
            },
        )
    })
    .await?;
    respond(&req, &row, pref)
}

/// Draft the next version of a published questionnaire (secretariat): a deep, independent
/// copy with `version` n+1. One draft per round at a time.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The published questionnaire's id")),
    responses(
        (status = 201, description = "The new draft", body = Questionnaire, headers(("Location" = String))),
        (status = 409, description = "Not published, or a draft exists already (its location is in the detail)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/questionnaires/{id}/new-version")]
pub async fn new_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let row = db::run_tx(&state.pool, move |conn| {
        let row = load_visible(conn, id, Some(&principal))?;
        // Copies this version and leaves it as it is: no lock, no revision of its own.
        lifecycle::transition(status_of(&row), QuestionnaireAction::NewVersion)?;
        check_round_allows_drafting(round_status(conn, row.round_id)?)?;
        let versions = store::versions_of_round(conn, row.round_id)?;
        if let Some(draft) = versions
            .iter()
            .find(|v| v.status == QuestionnaireStatus::Draft)
        {
            return Err(ApiError::conflict(
                "draft-exists",
                format!(
                    "version {} is already a draft: /api/v1/questionnaires/{}",
                    draft.version, draft.id
                ),
                vec![],
            ));
        }
        let next = versions
            .iter()
            .map(|v| v.version)
            .max()
            .unwrap_or(row.version)
            + 1;
        let new_id = store::insert(conn, row.round_id, next, &row.language, &row.doc()?)?;
        audit.record(
            conn,
            "questionnaire.new_version",
            "questionnaire",
            new_id,
            json!({"from": id, "version": next}),
        )?;
        let created = store::find(conn, new_id)?
            .ok_or_else(|| ApiError::internal("questionnaire vanished"))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "questionnaire.new_version",
                entity_type: "questionnaire",
                entity_id: new_id.to_string(),
                scope: crate::lifecycle::Subject::<QuestionnaireAction>::scope(&created),
                payload: json!({"from": id, "version": next, "status": "draft"}),
            },
        )?;
        Ok(created)
    })
    .await?;
    crate::http::created(
        respond(&req, &row, pref)?,
        &format!("/api/v1/questionnaires/{}", row.id),
    )
}
