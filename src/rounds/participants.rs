//! A round's participating countries, and their own due dates.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde_json::json;

use super::api::{Participant, ParticipantIn, ParticipantPath};
use super::model::ParticipantRow;
use super::routes::load;
use super::rules::{self, RoundStatus};
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Event, Scope};
use crate::http::body::MaybeBody;
use crate::http::pagination::{page_response, Page};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

impl Participant {
    fn new(p: ParticipantRow, round_due: NaiveDate) -> Participant {
        Participant {
            due_on: p.due_on_extension.unwrap_or(round_due),
            country: p.country,
            due_on_extension: p.due_on_extension,
            extension_reason: p.extension_reason,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

/// The round's participants, by country code.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path, description = "The round's id")),
    responses(
        (status = 200, description = "Every participant (a round has at most 35)", body = Page<Participant>),
        (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/participants")]
pub async fn list_participants(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (round, rows) = db::run(&state.pool, move |conn| {
        let round = load(conn, id)?.row;
        Ok((round.clone(), store::participants(conn, id)?))
    })
    .await?;
    let page = Page {
        data: rows
            .into_iter()
            .map(|p| Participant::new(p, round.responses_due_on))
            .collect(),
        next_cursor: None,
    };
    page_response(&req, &page, None)
}

/// Add a participant or set its extension (secretariat). Only active member states take part;
/// countries join while the round is planned or open.
#[utoipa::path(
    tag = "rounds",
    security(("bearer" = [])),
    params(ParticipantPath),
    request_body(content = Option<ParticipantIn>, description = "Optional: an extension of the due date, with its reason"),
    responses(
        (status = 200, description = "Updated", body = Participant),
        (status = 201, description = "Added", body = Participant),
        (status = 409, description = "The round's status does not allow it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown or inactive country, bad extension", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/rounds/{id}/participants/{code}")]
pub async fn put_participant(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ParticipantPath>,
    body: MaybeBody<ParticipantIn>,
) -> ApiResult<HttpResponse> {
    // Long: adding a participant and granting or changing an extension are one PUT: each case's
    // checks and audit record.
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let ParticipantPath { id, code } = path.into_inner();
    let code = code.trim().to_ascii_uppercase();
    let body = body.into_inner()?.unwrap_or_default();
    let (created, participant) = db::run_tx(&state.pool, move |conn| {
        let round = load(conn, id)?.row;
        let status = round.parsed_status();
        let existing = store::participant(conn, id, &code)?;
        let mut checks = Checks::new();
        if existing.is_none() {
            if !matches!(status, RoundStatus::Planned | RoundStatus::Open) {
                return Err(ApiError::conflict(
                    "round-closed",
                    format!(
                        "countries join only planned or open rounds; this one is {}",
                        status.as_str()
                    ),
                    vec![],
                ));
            }
            match store::membership(conn, &code)?.as_deref() {
                // The path names the participant: a country that does not exist is not found.
                None => {
                    return Err(ApiError::not_found(format!(
                        "no OAS member state with code '{code}'"
                    )))
                }
                Some("active") => {}
                Some(m) => checks.add(
                    "country",
                    "inactive",
                    format!("'{code}' is {m}: only active member states take part"),
                ),
            }
        } else if status.is_final() {
            return Err(ApiError::conflict(
                "round-frozen",
                format!("the round is {}", status.as_str()),
                vec![],
            ));
        }
        let extension = match body.due_on_extension {
            Some(e) => e,
            None => existing.as_ref().and_then(|p| p.due_on_extension),
        };
        let reason = match (&body.due_on_extension, &body.reason) {
            (_, Some(r)) => Some(checks.text("reason", r, 1, 1000)),
            (Some(None), None) => None,
            _ => existing.as_ref().and_then(|p| p.extension_reason.clone()),
        };
        let reason = extension.and(reason);
        if let Some(e) = extension {
            rules::check_extension(&mut checks, e, round.responses_due_on, round.ends_on);
            if reason.is_none() {
                checks.add("reason", "required", "an extension needs a reason");
            }
        }
        checks.finish()?;
        let now = crate::time::now();
        let row = ParticipantRow {
            round_id: id,
            country: code.clone(),
            due_on_extension: extension,
            extension_reason: reason.clone(),
            created_at: existing.as_ref().map(|p| p.created_at).unwrap_or(now),
            updated_at: now,
        };
        let created = existing.is_none();
        if created {
            store::insert_participant(conn, &row)?;
        } else {
            store::update_participant(conn, &row)?;
        }
        audit.record(
            conn,
            if created {
                "round.participant_add"
            } else {
                "round.participant_update"
            },
            "round",
            id,
            json!({"country": code, "due_on_extension": extension, "reason": reason}),
        )?;
        let extended = existing.as_ref().map(|p| p.due_on_extension) != Some(extension);
        let event = match (created, extended) {
            (true, _) => Some((
                "round.participant_added",
                Scope::public(Some(&code)),
                json!({"country": code, "due_on_extension": extension}),
            )),
            (false, true) => Some((
                "round.extension_granted",
                Scope::country(&code),
                json!({"country": code, "due_on_extension": extension, "reason": reason}),
            )),
            (false, false) => None,
        };
        if let Some((event_type, scope, payload)) = event {
            events::emit(
                conn,
                &audit,
                Event {
                    event_type,
                    entity_type: "round",
                    entity_id: id.to_string(),
                    scope: scope.in_round(id),
                    payload,
                },
            )?;
        }
        Ok((created, Participant::new(row, round.responses_due_on)))
    })
    .await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(participant))
}

/// Remove a participant (secretariat), only while the round is planned.
#[utoipa::path(
    tag = "rounds",
    security(("bearer" = [])),
    params(ParticipantPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such round or participant", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round is no longer planned", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/rounds/{id}/participants/{code}")]
pub async fn delete_participant(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ParticipantPath>,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let ParticipantPath { id, code } = path.into_inner();
    let code = code.trim().to_ascii_uppercase();
    db::run_tx(&state.pool, move |conn| {
        let round = load(conn, id)?.row;
        store::participant(conn, id, &code)?.ok_or_else(|| {
            ApiError::not_found(format!("{code} does not participate in round {id}"))
        })?;
        if round.status != RoundStatus::Planned {
            return Err(ApiError::conflict(
                "round-not-planned",
                format!(
                    "participants are removed only while the round is planned; it is {}",
                    round.status.as_str()
                ),
                vec![],
            ));
        }
        store::delete_participant(conn, id, &code)?;
        audit.record(
            conn,
            "round.participant_remove",
            "round",
            id,
            json!({"country": code}),
        )?;
        events::emit(
            conn,
            &audit,
            Event {
                event_type: "round.participant_removed",
                entity_type: "round",
                entity_id: id.to_string(),
                scope: Scope::public(Some(&code)).in_round(id),
                payload: json!({"country": code}),
            },
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
