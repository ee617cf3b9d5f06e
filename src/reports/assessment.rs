//! Assessing follow-up: the report's assigned experts or the secretariat accept a country's
//! latest declaration, ask for more information, or do not accept it, with a reason.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{AssessmentIn, Recommendation};
use super::recommendations::{load_one, reread, respond};
use super::rules::Assessment;
use super::store::{self, AssessmentRow};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::http::validate::Checks;
use crate::state::AppState;

/// Assess the latest follow-up declaration of a recommendation (the report's assigned experts,
/// any expert for the hemispheric report, or the secretariat). `accepted` makes the declared
/// status the assessed one; `more_information_needed` and `not_accepted` need a reason and leave
/// the assessed status as it was. Each declaration is assessed once; a newer declaration is
/// assessed anew. Honours `If-Match`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The recommendation's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = AssessmentIn,
    responses(
        (status = 200, description = "Assessed: the recommendation with its history", body = Recommendation, headers(("ETag" = String))),
        (status = 403, description = "Not one of the report's assessors", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not the latest declaration, or already assessed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/recommendations/{id}/assessment")]
pub async fn assess_recommendation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<AssessmentIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let body = body.into_inner()?;
    let (r, report, hist) = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "recommendations", id)?;
        let (r, report) = load_one(conn, id, Some(&principal))?;
        policy::assess_followup(Some(&principal), &report.facts())?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("recommendation", r.id),
            r.revision,
        )?;
        let mut checks = Checks::new();
        let reason = body
            .reason
            .as_deref()
            .map(|t| checks.text("reason", t, 0, 5000))
            .filter(|t| !t.is_empty());
        if body.assessment != Assessment::Accepted && reason.is_none() {
            checks.add(
                "reason",
                "required",
                "say why when the declaration is not accepted",
            );
        }
        let entries = store::followups(conn, id)?;
        let entry = entries.iter().find(|f| f.id == body.followup);
        if entry.is_none() {
            checks.add(
                "followup",
                "unknown",
                format!(
                    "recommendation {id} has no follow-up declaration {}",
                    body.followup
                ),
            );
        }
        checks.finish()?;
        let entry = entry.ok_or_else(|| ApiError::internal("the declaration was checked"))?;
        if entries.last().map(|f| f.id) != Some(entry.id) {
            return Err(ApiError::conflict(
                "superseded-declaration",
                "a newer declaration was made since; assess that one",
                vec![],
            ));
        }
        if let Some(done) = entry.assessment {
            return Err(ApiError::conflict(
                "already-assessed",
                format!("this declaration is assessed already ({})", done.as_str()),
                vec![],
            ));
        }
        let changed = store::assess_followup(
            conn,
            &r,
            entry,
            &AssessmentRow {
                assessment: body.assessment,
                reason: reason.as_deref(),
                by: Some(principal.user_id),
                at: crate::time::now(),
            },
        )?;
        if changed == 0 {
            return Err(ApiError::PreconditionFailed(
                "the recommendation changed while this write was prepared; read it again".into(),
            ));
        }
        let summary = json!({
            "followup": entry.id,
            "declared": entry.status,
            "assessment": body.assessment,
            "reason": reason,
        });
        audit.record(
            conn,
            "recommendation.assess",
            "recommendation",
            id,
            summary.clone(),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "recommendation.followup_assessed",
                entity_type: "recommendation",
                entity_id: id.to_string(),
                scope: report.event_scope(),
                payload: summary,
            },
        )?;
        reread(conn, id, report.row)
    })
    .await?;
    respond(&req, r, &report, Some(hist), pref)
}
