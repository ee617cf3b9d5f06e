//! Conflicts of interest: an expert declares the countries beyond its nationality it may not
//! review (a former employer, a family tie, a consultancy). A conflicted expert is not among a
//! report's assigned experts, cannot be named to it, and the draw avoids giving a country to a
//! reviewer whose experts all have a conflict with it.

use std::collections::{HashMap, HashSet};

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::AuditCtx;
use crate::auth::{policy, Principal, Role};
use crate::db::schema::{expert_conflicts as ec, users};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// A declared conflict of interest.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conflict {
    /// The country the expert may not review (alpha-3).
    #[schema(example = "PER")]
    pub country: String,
    pub reason: String,
    pub declared_at: DateTime<Utc>,
}

/// A conflict to declare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictIn {
    /// Alpha-3 code of a member state other than the expert's own (that one is implied).
    #[schema(example = "PER")]
    pub country: String,
    /// Why, in brief (1 to 2000 characters).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Advised its civil service reform in 2025."
    )]
    pub reason: String,
}

/// The conflicts of a user, by country.
pub fn of_user(conn: &mut DbConn, user: i64) -> QueryResult<Vec<Conflict>> {
    let rows: Vec<(String, String, NaiveDateTime)> = ec::table
        .filter(ec::user_id.eq(user))
        .order(ec::country)
        .select((ec::country, ec::reason, ec::declared_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(country, reason, at)| Conflict {
            country,
            reason,
            declared_at: utc(at),
        })
        .collect())
}

/// The `(round, country)` reports an expert of `country` is assigned to: those its country
/// was drawn to review, less the countries the expert declared a conflict with.
pub fn assignments_of(
    conn: &mut DbConn,
    user: i64,
    country: &str,
) -> QueryResult<Vec<(i64, String)>> {
    let mut assigned = super::store::assigned_to(conn, country)?;
    let barred: HashSet<String> = of_user(conn, user)?
        .into_iter()
        .map(|c| c.country)
        .collect();
    assigned.retain(|(_, c)| !barred.contains(c));
    Ok(assigned)
}

/// Whether `user` declared a conflict with `country`.
pub fn has(conn: &mut DbConn, user: i64, country: &str) -> QueryResult<bool> {
    let n: i64 = ec::table
        .filter(ec::user_id.eq(user))
        .filter(ec::country.eq(country))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The users with a conflict with `country`, among `candidates`.
pub fn conflicted(
    conn: &mut DbConn,
    country: &str,
    candidates: &[i64],
) -> QueryResult<HashSet<i64>> {
    Ok(ec::table
        .filter(ec::country.eq(country))
        .filter(ec::user_id.eq_any(candidates))
        .select(ec::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// Per reviewer country with active experts: the countries every one of them has a conflict
/// with (so that it may not review them). A country without experts constrains nothing.
pub fn barred(
    conn: &mut DbConn,
    countries: &[String],
) -> QueryResult<HashMap<String, HashSet<String>>> {
    let experts: Vec<(i64, String)> = users::table
        .filter(users::role.eq(Role::Expert))
        .filter(users::active.eq(true))
        .filter(users::country.eq_any(countries))
        .select((users::id, users::country.assume_not_null()))
        .load(conn)?;
    let ids: Vec<i64> = experts.iter().map(|(id, _)| *id).collect();
    let declared: Vec<(i64, String)> = ec::table
        .filter(ec::user_id.eq_any(&ids))
        .select((ec::user_id, ec::country))
        .load(conn)?;
    let mut per_expert: HashMap<i64, HashSet<String>> = HashMap::new();
    for (id, c) in declared {
        per_expert.entry(id).or_default().insert(c);
    }
    let mut by_country: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, c) in experts {
        by_country.entry(c).or_default().push(id);
    }
    Ok(by_country
        .into_iter()
        .map(|(country, ids)| {
            let mut all: Option<HashSet<String>> = None;
            for id in ids {
                let mine = per_expert.get(&id).cloned().unwrap_or_default();
                all = Some(match all {
                    None => mine,
                    Some(a) => a.intersection(&mine).cloned().collect(),
                });
            }
            (country, all.unwrap_or_default())
        })
        .collect())
}

/// The caller's declared conflicts of interest (experts).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    responses((status = 200, description = "The conflicts, by country", body = Vec<Conflict>))
)]
#[get("/me/conflicts")]
pub async fn list_my_conflicts(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    policy::declare_conflicts(Some(&principal))?;
    let me = principal.user_id;
    let list = db::run(&state.pool, move |conn| Ok(of_user(conn, me)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Declare a conflict of interest with a country (experts): from then on the expert is not
/// among that country's reports' assigned experts, cannot be named to them, and draws avoid
/// giving the country to review to a reviewer whose experts all declared a conflict with it.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    request_body = ConflictIn,
    responses(
        (status = 201, description = "Declared", body = Conflict, headers(("Location" = String))),
        (status = 409, description = "Already declared", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/conflicts")]
pub async fn declare_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<ConflictIn>,
) -> ApiResult<HttpResponse> {
    policy::declare_conflicts(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let me = principal.user_id;
    let own = principal.country.clone();
    let out = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let country = body.country.trim().to_ascii_uppercase();
        let reason = checks.text("reason", &body.reason, 1, 2000);
        if crate::countries::store::find(conn, &country)?.is_none() {
            checks.add(
                "country",
                "unknown",
                format!("'{country}' is not a member state"),
            );
        } else if own.as_deref() == Some(country.as_str()) {
            checks.add(
                "country",
                "own_country",
                "an expert never reviews its own country; no declaration is needed",
            );
        }
        checks.finish()?;
        if has(conn, me, &country)? {
            return Err(ApiError::conflict(
                "conflict-declared",
                format!("a conflict with {country} is declared already"),
                vec![],
            ));
        }
        let now = crate::time::now();
        diesel::insert_into(ec::table)
            .values((
                ec::user_id.eq(me),
                ec::country.eq(&country),
                ec::reason.eq(&reason),
                ec::declared_at.eq(now),
            ))
            .execute(conn)?;
        audit.record(
            conn,
            "expert.conflict_declare",
            "user",
            me,
            json!({"country": country, "reason": reason}),
        )?;
        Ok(Conflict {
            country,
            reason,
            declared_at: utc(now),
        })
    })
    .await?;
    let location = format!("/api/v1/me/conflicts/{}", out.country);
    crate::http::created(HttpResponse::Ok().json(&out), &location)
}

/// Withdraw a declared conflict (experts); the declaration and its withdrawal stay in the
/// audit log.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("country" = String, Path, description = "The country's alpha-3 code")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "No conflict with that country is declared", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/conflicts/{country}")]
pub async fn withdraw_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    country: web::Path<String>,
) -> ApiResult<HttpResponse> {
    policy::declare_conflicts(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let me = principal.user_id;
    let country = country.into_inner().trim().to_ascii_uppercase();
    db::run_tx(&state.pool, move |conn| {
        let gone = diesel::delete(
            ec::table
                .filter(ec::user_id.eq(me))
                .filter(ec::country.eq(&country)),
        )
        .execute(conn)?;
        if gone == 0 {
            return Err(ApiError::not_found(format!(
                "no conflict with {country} is declared"
            )));
        }
        audit.record(
            conn,
            "expert.conflict_withdraw",
            "user",
            me,
            json!({"country": country}),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An expert's declared conflicts (secretariat).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The conflicts, by country", body = Vec<Conflict>),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/conflicts")]
pub async fn list_user_conflicts(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let id = id.into_inner();
    let list = db::run(&state.pool, move |conn| {
        let exists: i64 = users::table.find(id).count().get_result(conn)?;
        if exists == 0 {
            return Err(ApiError::not_found(format!("no user {id}")));
        }
        Ok(of_user(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
