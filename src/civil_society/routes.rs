//! `/rounds/{id}/civil-society` and `/civil-society-inputs`.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{CivilSocietyInput, InputQuery, NewCivilSocietyInput, Window, WindowIn};
use super::store::{self, InputFilter, InputRow, NewInputRow, Reader};
use super::{CivilSocietyStatus, ScreeningAction};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::Lang;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// Whom an input concerns as it stands: the secretariat while it is screened, then the
/// reviewed country and the experts assigned to its report.
pub fn scope(row: &InputRow) -> Scope {
    let audience = match row.status {
        CivilSocietyStatus::Accepted => Audience::CountryAndReviewers,
        _ => Audience::Secretariat,
    };
    Scope::new(audience, Some(&row.country)).in_round(row.round_id)
}

pub fn render(row: InputRow, reader: &Reader) -> CivilSocietyInput {
    let secretariat = reader.is_secretariat();
    CivilSocietyInput {
        id: row.id,
        round: row.round_id,
        country: row.country,
        organisation: row.organisation,
        contact_email: row.contact_email.filter(|_| secretariat),
        title: row.title,
        body: row.body,
        language: Lang::parse(&row.language).unwrap_or(Lang::En),
        received_on: row.received_on,
        status: row.status,
        allowed_actions: if secretariat {
            crate::lifecycle::allowed::<ScreeningAction>(row.status)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        },
        screening_reason: row.screening_reason,
        screened_at: row.screened_at.map(utc),
        reply: row.reply,
        replied_at: row.replied_at.map(utc),
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The input `id` if the caller may read it (404 otherwise), with the caller's reading rights.
pub fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<(InputRow, Reader)> {
    let reader = Reader::new(conn, p)?;
    match store::find(conn, id)? {
        Some(row) if reader.sees(conn, &row)? => Ok((row, reader)),
        _ => Err(ApiError::not_found(format!("no civil-society input {id}"))),
    }
}

/// One input as JSON with its ETag.
pub fn respond(req: &HttpRequest, row: InputRow, reader: &Reader) -> ApiResult<HttpResponse> {
    let body = render(row, reader);
    etag::versioned_json(
        req,
        etag::Entity("civil_society_input", body.id),
        body.revision,
        &body,
        None,
    )
}

fn window_of(row: store::WindowRow) -> Window {
    Window {
        round: row.round_id,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        publish_with_report: row.publish_with_report,
        updated_at: utc(row.updated_at),
    }
}

/// A round's window for civil society's input (anyone).
#[utoipa::path(
    tag = "civil-society",
    params(("id" = i64, Path, description = "The round's id")),
    responses(
        (status = 200, description = "The window", body = Window),
        (status = 404, description = "No such round, or it has no window", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/civil-society")]
pub async fn get_window(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let round = id.into_inner();
    let w = db::run(&state.pool, move |conn| {
        store::window(conn, round)?.ok_or_else(|| {
            ApiError::not_found(format!("round {round} has no civil-society window"))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(window_of(w)))
}

/// Open (or change) a round's window for civil society's input, and say whether accepted
/// inputs are published with the country reports (secretariat).
#[utoipa::path(
    tag = "civil-society",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The round's id")),
    request_body = WindowIn,
    responses(
        (status = 200, description = "The window", body = Window),
        (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/rounds/{id}/civil-society")]
pub async fn put_window(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<WindowIn>,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let round = id.into_inner();
    let body = body.into_inner()?;
    let w = db::run_tx(&state.pool, move |conn| {
        if crate::rounds::store::find(conn, round)?.is_none() {
            return Err(ApiError::not_found(format!("no round {round}")));
        }
        let mut checks = Checks::new();
        if body.closes_on < body.opens_on {
            checks.add("closes_on", "order", "must be on or after opens_on");
        }
        checks.finish()?;
        let publish = body.publish_with_report.unwrap_or(false);
        store::set_window(conn, round, body.opens_on, body.closes_on, publish)?;
        audit.record(
            conn,
            "round.civil_society_window",
            "round",
            round,
            json!({"opens_on": body.opens_on, "closes_on": body.closes_on, "publish_with_report": publish}),
        )?;
        store::window(conn, round)?.ok_or_else(|| ApiError::internal("the window vanished"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(window_of(w)))
}

/// Civil society's inputs the caller may read: all for the secretariat; accepted ones for the
/// reviewed country's focal points and the experts assigned to its report; accepted ones on a
/// published country report for everyone when the round publishes them.
#[utoipa::path(
    tag = "civil-society",
    params(InputQuery, PageParams),
    responses(
        (status = 200, description = "A page of inputs", body = Page<CivilSocietyInput>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/civil-society-inputs")]
pub async fn list_inputs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<InputQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let filter = InputFilter {
        round: checks.integer("round", query.round.as_deref()),
        country: query
            .country
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase()),
        status: query.status.as_deref().and_then(|s| {
            checks.one_of(
                "status",
                s,
                CivilSocietyStatus::parse,
                "submitted, accepted, rejected",
            )
        }),
    };
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let (rows, reader) = db::run(&state.pool, move |conn| {
        let reader = Reader::new(conn, caller.0.as_ref())?;
        let rows = store::list(conn, &filter, &reader, page.after, limit)?;
        Ok((rows, reader))
    })
    .await?;
    let page = Page::from_rows(rows, limit, |r| r.id, |r| render(r, &reader));
    page_response(&req, &page, None)
}

/// One input (whoever may read it; 404 otherwise).
#[utoipa::path(
    tag = "civil-society",
    params(("id" = i64, Path, description = "The input's id")),
    responses(
        (status = 200, description = "The input", body = CivilSocietyInput, headers(("ETag" = String))),
        (status = 404, description = "No such input, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/civil-society-inputs/{id}")]
pub async fn get_input(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, reader) = db::run(&state.pool, move |conn| load(conn, id, caller.0.as_ref())).await?;
    respond(&req, row, &reader)
}

/// Register an input received from a civil-society organisation (secretariat): on a
/// participant of the round, received within the round's window.
#[utoipa::path(
    tag = "civil-society",
    security(("bearer" = [])),
    request_body = NewCivilSocietyInput,
    responses(
        (status = 201, description = "Registered, to be screened", body = CivilSocietyInput, headers(("Location" = String))),
        (status = 409, description = "The round has no window for civil society", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/civil-society-inputs")]
pub async fn create_input(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewCivilSocietyInput>,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let me = principal.user_id;
    let (row, reader) = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let country = body.country.trim().to_ascii_uppercase();
        let organisation = checks.text("organisation", &body.organisation, 1, 300);
        let title = checks.text("title", &body.title, 1, 300);
        let text = checks.text("body", &body.body, 1, 20_000);
        let email = body
            .contact_email
            .as_deref()
            .map(|e| checks.email("contact_email", e));
        let received = body.received_on.unwrap_or_else(crate::time::today);
        let round = crate::rounds::store::find(conn, body.round)?;
        match &round {
            None => checks.add("round", "unknown", format!("no round {}", body.round)),
            Some(_) => {
                let participates = crate::rounds::store::participants(conn, body.round)?
                    .iter()
                    .any(|p| p.country == country);
                if !participates {
                    checks.add(
                        "country",
                        "not_participant",
                        format!("{country} does not take part in round {}", body.round),
                    );
                }
            }
        }
        checks.finish()?;
        let Some(window) = store::window(conn, body.round)? else {
            return Err(ApiError::conflict(
                "no-civil-society-window",
                "the round has no window for civil society's input; set one first",
                vec![],
            ));
        };
        if received < window.opens_on || received > window.closes_on {
            let mut checks = Checks::new();
            checks.add(
                "received_on",
                "outside_window",
                format!(
                    "the round takes civil society's input from {} to {}",
                    window.opens_on, window.closes_on
                ),
            );
            checks.finish()?;
        }
        let now = crate::time::now();
        let id = store::insert(
            conn,
            &NewInputRow {
                round_id: body.round,
                country: country.clone(),
                organisation,
                contact_email: email,
                title,
                body: text,
                language: body.language.unwrap_or(Lang::En).code().into(),
                received_on: received,
                registered_by: Some(me),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "civil_society_input.create",
            "civil_society_input",
            id,
            json!({"round": body.round, "country": country}),
        )?;
        let row = store::find(conn, id)?.ok_or_else(|| ApiError::internal("the input vanished"))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "civil_society_input.created",
                entity_type: "civil_society_input",
                entity_id: id.to_string(),
                scope: scope(&row),
                payload: json!({"round": row.round_id, "country": row.country}),
            },
        )?;
        let reader = Reader::new(conn, Some(&principal))?;
        Ok((row, reader))
    })
    .await?;
    let location = format!("/api/v1/civil-society-inputs/{}", row.id);
    crate::http::created(respond(&req, row, &reader)?, &location)
}
