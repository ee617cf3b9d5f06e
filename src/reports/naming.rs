//! The individual experts of a country report: within the reviewer countries drawn for it, the
//! secretariat names a lead, a second and a substitute, none with a declared conflict with the
//! reviewed country.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::loaded::load;
use super::rules::{self, ExpertRole};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal, Role};
use crate::db::schema::{report_experts as re, users};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::validate::Checks;
use crate::state::AppState;

/// One named expert.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedExpert {
    pub role: ExpertRole,
    /// The expert's user id.
    pub user: i64,
    pub display_name: String,
    /// The expert's country: one of the report's reviewer countries.
    pub country: String,
}

/// The experts to name; replaces any earlier naming.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamingIn {
    /// User id of the lead expert.
    pub lead: i64,
    pub second: Option<i64>,
    pub substitute: Option<i64>,
}

fn named(conn: &mut DbConn, report: i64) -> QueryResult<Vec<NamedExpert>> {
    let rows: Vec<(ExpertRole, i64, String, Option<String>)> = re::table
        .inner_join(users::table.on(users::id.eq(re::user_id)))
        .filter(re::report_id.eq(report))
        .select((re::role, re::user_id, users::display_name, users::country))
        .load(conn)?;
    let mut list: Vec<NamedExpert> = rows
        .into_iter()
        .map(|(role, user, display_name, country)| NamedExpert {
            role,
            user,
            display_name,
            country: country.unwrap_or_default(),
        })
        .collect();
    list.sort_by_key(|n| ExpertRole::ALL.iter().position(|r| *r == n.role));
    Ok(list)
}

/// The experts named to a report (those who may read the report).
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "Lead, second, substitute, as named", body = Vec<NamedExpert>),
        (status = 404, description = "No such report, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}/experts")]
pub async fn list_report_experts(
    state: web::Data<AppState>,
    principal: crate::auth::MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let list = db::run(&state.pool, move |conn| {
        let l = load(conn, id, principal.0.as_ref())?;
        policy::read_report(principal.0.as_ref(), &l.facts())?;
        Ok(named(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Name the experts of a country report (secretariat), until it is adopted: each an active
/// expert of one of the reviewer countries drawn for it, with no declared conflict with the
/// reviewed country, each named once.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body = NamingIn,
    responses(
        (status = 200, description = "Named", body = Vec<NamedExpert>),
        (status = 409, description = "The report is adopted, or is not a country report", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every expert that cannot be named, and why", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/reports/{id}/experts")]
pub async fn name_report_experts(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NamingIn>,
) -> ApiResult<HttpResponse> {
    policy::name_report_experts(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner()?;
    let list = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "reports", id)?;
        let l = load(conn, id, Some(&principal))?;
        rules::check_not_frozen(l.status())?;
        let Some(reviewed) = l.row.country.clone() else {
            return Err(ApiError::conflict(
                "not-a-country-report",
                "experts are named to country reports; every expert drafts the hemispheric one",
                vec![],
            ));
        };
        let wanted = [
            (ExpertRole::Lead, Some(body.lead)),
            (ExpertRole::Second, body.second),
            (ExpertRole::Substitute, body.substitute),
        ];
        let mut checks = Checks::new();
        let mut seen = Vec::new();
        for (role, user) in wanted {
            let Some(user) = user else { continue };
            let field = role.as_str();
            if seen.contains(&user) {
                checks.add(field, "duplicate", "each expert is named once");
                continue;
            }
            seen.push(user);
            let found: Option<(Role, bool, Option<String>)> = users::table
                .find(user)
                .select((users::role, users::active, users::country))
                .first(conn)
                .optional()?;
            match found {
                Some((Role::Expert, true, Some(c)))
                    if c != reviewed && l.reviewers.contains(&c) =>
                {
                    if super::conflicts::has(conn, user, &reviewed)? {
                        checks.add(
                            field,
                            "conflict_of_interest",
                            format!(
                                "expert {user} declared a conflict of interest with {reviewed}"
                            ),
                        );
                    }
                }
                Some((Role::Expert, true, _)) => checks.add(
                    field,
                    "not_a_reviewer",
                    format!("expert {user} is not of a country drawn to review {reviewed}"),
                ),
                _ => checks.add(
                    field,
                    "not_an_expert",
                    format!("user {user} is not an active expert"),
                ),
            }
        }
        checks.finish()?;
        let now = crate::time::now();
        diesel::delete(re::table.filter(re::report_id.eq(id))).execute(conn)?;
        for (role, user) in wanted {
            if let Some(user) = user {
                diesel::insert_into(re::table)
                    .values((
                        re::report_id.eq(id),
                        re::role.eq(role),
                        re::user_id.eq(user),
                        re::named_by.eq(principal.user_id),
                        re::named_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        audit.record(
            conn,
            "report.experts_name",
            "report",
            id,
            json!({"lead": body.lead, "second": body.second, "substitute": body.substitute}),
        )?;
        Ok(named(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
