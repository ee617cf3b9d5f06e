//! `/rounds/{id}/draws` and `/rounds/{id}/assignments`: reviewers drawn by lot.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Assignment, Draw, DrawIn};
use super::draw::{self, MAX_SEED};
use super::model::NewDrawRow;
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::validate::Checks;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;
use crate::time::utc;

/// Pairs of countries that review each other in a draw's assignments.
fn mutual_pairs(by_country: &std::collections::BTreeMap<String, Vec<String>>) -> i64 {
    let pairs: Vec<(String, String)> = by_country
        .iter()
        .flat_map(|(c, rs)| rs.iter().map(move |r| (c.clone(), r.clone())))
        .collect();
    super::draw::mutual_pairs(&pairs) as i64
}

fn assignments(by_country: std::collections::BTreeMap<String, Vec<String>>) -> Vec<Assignment> {
    let mut reviews: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (c, rs) in &by_country {
        for r in rs {
            reviews.entry(r.clone()).or_default().push(c.clone());
        }
    }
    by_country
        .into_iter()
        .map(|(country, reviewers)| Assignment {
            reviews: reviews.remove(&country).unwrap_or_default(),
            country,
            reviewers,
        })
        .collect()
}

/// The seed a draw request asks for, or one drawn at random. The body is optional; one that
/// is there must be a valid draw request: a seed that does not parse or fit is refused, never
/// taken for no seed.
fn requested_seed(body: &[u8]) -> ApiResult<i64> {
    let body: DrawIn = if body.iter().all(u8::is_ascii_whitespace) {
        DrawIn::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(
                "invalid-json",
                format!("the body is not a draw request: {e}"),
            )
        })?
    };
    let seed = match &body.seed {
        None => Some(rand::random::<i64>().rem_euclid(MAX_SEED + 1)),
        // JSON does not tell 42 from 42.0: a whole number written with a fraction is that number.
        Some(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SEED as f64)
                    .map(|f| f as i64)
            })
            .filter(|s| (0..=MAX_SEED).contains(s)),
    };
    let mut checks = Checks::new();
    if seed.is_none() {
        checks.add(
            "seed",
            "range",
            format!("must be an integer from 0 to {MAX_SEED}"),
        );
    }
    checks.finish()?;
    Ok(seed.unwrap_or_default())
}

/// Draw the reviewers of every participant by lot (secretariat; round `open` or `in_review`).
/// Each country gets the round's `reviewers_per_country` reviewers among the other
/// participants: never itself, no two countries reviewing each other when the numbers allow,
/// each reviewing as many as it is reviewed by, and never a country that every expert of the
/// reviewer declared a conflict of interest with (the same seed and conflicts, the same draw). A new draw supersedes the current one; both
/// stay on record with their seeds, in the audit log.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The round's id")),
    request_body(content = DrawIn, description = "Optional seed"),
    responses(
        (status = 201, description = "Drawn", body = Draw, headers(("Location" = String))),
        (status = 409, description = "The round is not open or in review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad seed, or no draw is possible (says why)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rounds/{id}/draws")]
pub async fn create_draw(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let round_id = id.into_inner();
    let seed = requested_seed(&body)?;
    let out = db::run_tx(&state.pool, move |conn| {
        let round = crate::rounds::store::find(conn, round_id)?
            .ok_or_else(|| ApiError::not_found(format!("no round {round_id}")))?;
        let status = round.parsed_status();
        if !matches!(status, RoundStatus::Open | RoundStatus::InReview) {
            return Err(ApiError::conflict(
                "round-not-ready",
                format!(
                    "reviewers are drawn when the round is open or in review; it is {}",
                    status.as_str()
                ),
                vec![],
            ));
        }
        let participants: Vec<String> = crate::rounds::store::participants(conn, round_id)?
            .into_iter()
            .map(|p| p.country)
            .collect();
        let k = round.reviewers_per_country as usize;
        let barred = super::conflicts::barred(conn, &participants)?;
        let pairs = draw::draw_avoiding(&participants, k, seed as u64, &barred).map_err(|why| {
            ApiError::validation(vec![crate::error::FieldError::new(
                "participants",
                "draw_impossible",
                why,
            )])
        })?;
        let now = crate::time::now();
        let (draw_id, previous) = store::replace_draw(
            conn,
            &NewDrawRow {
                round_id,
                seed,
                reviewers_per_country: round.reviewers_per_country,
                participants: participants.len() as i32,
                created_by: audit.actor_id,
                created_at: now,
            },
            &pairs,
        )?;
        let by_country = store::assignments(conn, draw_id)?;
        audit.record(
            conn,
            "round.draw",
            "round",
            round_id,
            json!({"draw": draw_id, "seed": seed, "supersedes": previous, "assignments": &by_country}),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "draw.made",
                entity_type: "round",
                entity_id: round_id.to_string(),
                scope: crate::events::Scope::public(None).in_round(round_id),
                payload: json!({"draw": draw_id, "seed": seed, "supersedes": previous}),
            },
        )?;
        Ok(Draw {
            id: draw_id,
            round: round_id,
            seed,
            reviewers_per_country: round.reviewers_per_country,
            participants: participants.len() as i32,
            supersedes: previous,
            mutual_pairs: mutual_pairs(&by_country),
            created_at: utc(now),
            assignments: assignments(by_country),
        })
    })
    .await?;
    let location = format!("/api/v1/rounds/{round_id}/assignments");
    crate::http::created(HttpResponse::Ok().json(&out), &location)
}

/// The round's current draw: who reviews whom. Public, as the draw is part of the mechanism's
/// impartiality.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The round's id")),
    responses(
        (status = 200, description = "The current draw", body = Draw),
        (status = 404, description = "No such round, or nothing drawn yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/assignments")]
pub async fn round_assignments(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let round_id = id.into_inner();
    let out = db::run(&state.pool, move |conn| {
        crate::rounds::store::find(conn, round_id)?
            .ok_or_else(|| ApiError::not_found(format!("no round {round_id}")))?;
        let d = store::current_draw(conn, round_id)?
            .ok_or_else(|| ApiError::not_found(format!("round {round_id} has no draw yet")))?;
        let by_country = store::assignments(conn, d.id)?;
        Ok(Draw {
            id: d.id,
            round: round_id,
            seed: d.seed,
            reviewers_per_country: d.reviewers_per_country,
            participants: d.participants,
            supersedes: None,
            mutual_pairs: mutual_pairs(&by_country),
            created_at: utc(d.created_at),
            assignments: assignments(by_country),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(&out))
}
