//! Cross-round views of recommendations for analysts: counts grouped by round, thematic area,
//! country, subregion, declared status, assessed status and assessment, over the reports the
//! caller may read; as JSON, or as CSV/NDJSON.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::api::RecommendationQuery;
use super::loaded::scope;
use super::rules::{AssessmentState, FollowupStatus};
use super::store::{self, RecommendationFilter};
use crate::auth::MaybePrincipal;
use crate::countries::model::Subregion;
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::exports::encode::{self, Encoder, Format};
use crate::exports::routes::ExportParams;
use crate::exports::sources::Ready;
use crate::http::validate::Checks;
use crate::state::AppState;

/// What to group by, and the filter only these views have.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Dimensions, comma-separated, from `round`, `thematic_area`, `country`, `subregion`,
    /// `status`, `assessed_status`, `assessment` (default `round,thematic_area,status`).
    #[param(example = "round,subregion,assessed_status")]
    pub group_by: Option<String>,
    /// Only recommendations to countries of this subregion.
    #[param(value_type = Option<Subregion>)]
    pub subregion: Option<String>,
}

/// A dimension of the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Round,
    ThematicArea,
    Country,
    Subregion,
    Status,
    AssessedStatus,
    Assessment,
}

impl Dimension {
    const ALL: [(Dimension, &'static str); 7] = [
        (Dimension::Round, "round"),
        (Dimension::ThematicArea, "thematic_area"),
        (Dimension::Country, "country"),
        (Dimension::Subregion, "subregion"),
        (Dimension::Status, "status"),
        (Dimension::AssessedStatus, "assessed_status"),
        (Dimension::Assessment, "assessment"),
    ];

    fn name(self) -> &'static str {
        Dimension::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("", |(_, n)| n)
    }
}

/// One group's count. The dimensions not grouped by are `null`; a grouped one is `null` where
/// the recommendations have no value (the hemispheric report's have no country).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct StatsGroup {
    pub round: Option<i64>,
    pub thematic_area: Option<String>,
    pub country: Option<String>,
    #[schema(value_type = Option<Subregion>)]
    pub subregion: Option<String>,
    pub status: Option<FollowupStatus>,
    pub assessed_status: Option<FollowupStatus>,
    pub assessment: Option<AssessmentState>,
    /// Recommendations in the group.
    pub count: i64,
}

/// Recommendations counted by the dimensions asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationStats {
    pub group_by: Vec<Dimension>,
    /// Recommendations counted (after the filters).
    pub total: i64,
    /// Groups ordered by their dimensions' values.
    pub groups: Vec<StatsGroup>,
}

fn dimensions(raw: Option<&str>, checks: &mut Checks) -> Vec<Dimension> {
    let raw = raw.unwrap_or("round,thematic_area,status");
    let mut dims = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match Dimension::ALL.iter().find(|(_, n)| *n == part) {
            Some((d, _)) if !dims.contains(d) => dims.push(*d),
            Some(_) => {}
            None => checks.add(
                "group_by",
                "unknown",
                format!(
                    "'{part}' is not a dimension: round, thematic_area, country, subregion, \
                     status, assessed_status, assessment"
                ),
            ),
        }
    }
    dims
}

/// Counts every visible recommendation the filter selects, grouped by `dims`.
fn count(
    conn: &mut DbConn,
    filter: &RecommendationFilter,
    subregion: Option<Subregion>,
    dims: &[Dimension],
    scope: &store::ReportScope,
) -> ApiResult<RecommendationStats> {
    const BATCH: i64 = 5000;
    let subregions: HashMap<String, Subregion> = crate::countries::store::subregions(conn)?;
    let mut groups: HashMap<StatsGroup, i64> = HashMap::new();
    let mut total = 0;
    let mut after = None;
    loop {
        let mut rows = store::list_recommendations(conn, filter, scope, after, BATCH)?;
        let more = rows.len() as i64 > BATCH;
        rows.truncate(BATCH as usize);
        after = rows.last().map(|(r, _)| r.id);
        for (r, report) in rows {
            let region = report
                .country
                .as_ref()
                .and_then(|c| subregions.get(c))
                .copied();
            if subregion.is_some() && region != subregion {
                continue;
            }
            let mut g = StatsGroup::default();
            for d in dims {
                match d {
                    Dimension::Round => g.round = Some(report.round_id),
                    Dimension::ThematicArea => g.thematic_area = r.thematic_area.clone(),
                    Dimension::Country => g.country = report.country.clone(),
                    Dimension::Subregion => g.subregion = region.map(|s| s.as_str().to_owned()),
                    Dimension::Status => g.status = Some(r.status),
                    Dimension::AssessedStatus => g.assessed_status = Some(r.assessed_status),
                    Dimension::Assessment => g.assessment = r.assessment,
                }
            }
            *groups.entry(g).or_default() += 1;
            total += 1;
        }
        if !more {
            break;
        }
    }
    let mut groups: Vec<StatsGroup> = groups
        .into_iter()
        .map(|(g, count)| StatsGroup { count, ..g })
        .collect();
    groups.sort_by_cached_key(|g| {
        (
            g.round,
            g.thematic_area.clone(),
            g.country.clone(),
            g.subregion.clone(),
            g.status.map(|s| s.as_str()),
            g.assessed_status.map(|s| s.as_str()),
            g.assessment.map(|s| s.as_str()),
        )
    });
    Ok(RecommendationStats {
        group_by: dims.to_vec(),
        total,
        groups,
    })
}

/// Parses both parameter sets; every problem in one 400.
fn parse(
    query: &RecommendationQuery,
    params: &StatsParams,
) -> ApiResult<(RecommendationFilter, Option<Subregion>, Vec<Dimension>)> {
    let mut checks = Checks::new();
    let filter = query.filter(&mut checks);
    let subregion = params.subregion.as_deref().and_then(|s| {
        checks.one_of(
            "subregion",
            s,
            Subregion::parse,
            "north_america, central_america, caribbean, andean, southern_cone",
        )
    });
    let dims = dimensions(params.group_by.as_deref(), &mut checks);
    checks.finish_query()?;
    Ok((filter, subregion, dims))
}

async fn stats(
    state: &AppState,
    caller: MaybePrincipal,
    query: &RecommendationQuery,
    params: &StatsParams,
) -> ApiResult<RecommendationStats> {
    let (filter, subregion, dims) = parse(query, params)?;
    db::run(&state.pool, move |conn| {
        let scope = scope(conn, caller.0.as_ref())?;
        count(conn, &filter, subregion, &dims, &scope)
    })
    .await
}

/// Recommendations counted across rounds, by the dimensions asked for (`group_by`), over the
/// reports the caller may read (published ones for the public), with the tracker's filters and
/// `subregion`.
#[utoipa::path(
    tag = "reports",
    params(StatsParams, RecommendationQuery),
    responses(
        (status = 200, description = "The counts", body = RecommendationStats),
        (status = 400, description = "Bad dimension or filter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/recommendation-stats")]
pub async fn recommendation_stats(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<RecommendationQuery>,
    params: web::Query<StatsParams>,
) -> ApiResult<HttpResponse> {
    let stats = stats(&state, caller, &query, &params).await?;
    Ok(HttpResponse::Ok().json(stats))
}

/// The same counts as `GET /recommendation-stats`, one row per group: the grouped dimensions'
/// columns, then `count`.
#[utoipa::path(
    tag = "exports",
    params(StatsParams, RecommendationQuery, ExportParams),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad dimension, filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/recommendation-stats")]
pub async fn export_recommendation_stats(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<RecommendationQuery>,
    params: web::Query<StatsParams>,
    export: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(&req, export.format.as_deref())?;
    let stats = stats(&state, caller, &query, &params).await?;
    let mut columns: Vec<String> = stats.group_by.iter().map(|d| d.name().into()).collect();
    columns.push("count".into());
    let rows: Vec<Vec<Value>> = stats
        .groups
        .into_iter()
        .map(|g| {
            let whole = serde_json::to_value(&g).unwrap_or_default();
            columns
                .iter()
                .map(|c| whole.get(c).cloned().unwrap_or(json!(null)))
                .collect()
        })
        .collect();
    encode::stream(
        state.pool.clone(),
        Ready(Some(rows)),
        Encoder::new(format, columns),
        "recommendation-stats",
    )
}
