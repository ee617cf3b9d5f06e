//! `/guide/coverage`: the landing matrix of the public Guide, countries × thematic areas.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::api::{Coverage, CoverageArea, CoverageCell, CoverageQuery, CoverageRow};
use super::rules::ExperienceStatus;
use super::store::Scope;
use crate::countries::model::Subregion;
use crate::countries::store::{self as countries, CountryFilter};
use crate::db::schema::{countries as country_table, experience_search, experiences};
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::http::etag;
use crate::http::lang::{LangParam, LangPref, LangTracker};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::thematic_areas::store as areas;

type Counts = HashMap<(String, String), (i64, Option<NaiveDate>)>;

/// Published (not archived) experiences per country and area, in one grouped query.
fn counts(conn: &mut DbConn, subregion: Option<Subregion>) -> QueryResult<Counts> {
    let mut q = experience_search::table
        .inner_join(experiences::table.inner_join(country_table::table))
        .filter(experience_search::scope.eq(Scope::Published))
        .filter(experiences::status.ne(ExperienceStatus::Archived))
        .group_by((experiences::country, experiences::thematic_area))
        .select((
            experiences::country,
            experiences::thematic_area,
            diesel::dsl::count_star(),
            diesel::dsl::max(experience_search::snapshot_date),
        ))
        .into_boxed();
    if let Some(s) = subregion {
        q = q.filter(country_table::subregion.eq(s));
    }
    let rows: Vec<(String, String, i64, Option<NaiveDate>)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(c, a, n, d)| ((c, a), (n, d)))
        .collect())
}

/// The Guide's coverage: for every member state (of a subregion) and every thematic area, how
/// many published experiences there are and the latest date they describe. Public.
#[utoipa::path(
    tag = "guide",
    params(CoverageQuery, LangParam),
    responses(
        (status = 200, description = "The matrix", body = Coverage, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Unknown subregion", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guide/coverage")]
pub async fn guide_coverage(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CoverageQuery>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let subregion = query.subregion.as_deref().and_then(|s| {
        checks.one_of(
            "subregion",
            s,
            Subregion::parse,
            "north_america, central_america, caribbean, andean, southern_cone",
        )
    });
    checks.finish_query()?;
    let (country_list, area_list, counts) = db::run(&state.pool, move |conn| {
        let filter = CountryFilter {
            subregion,
            ..CountryFilter::default()
        };
        Ok((
            countries::list(conn, &filter, None, 1000)?,
            areas::list(conn, None, 1000)?,
            counts(conn, subregion)?,
        ))
    })
    .await?;
    let mut langs = LangTracker::default();
    let mut area_totals: HashMap<&str, i64> = HashMap::new();
    let mut total = 0;
    let rows: Vec<CoverageRow> = country_list
        .iter()
        .map(|c| {
            let cells: Vec<CoverageCell> = area_list
                .iter()
                .map(|a| {
                    let (n, d) = counts
                        .get(&(c.row.code.clone(), a.row.slug.clone()))
                        .cloned()
                        .unwrap_or((0, None));
                    *area_totals.entry(a.row.slug.as_str()).or_default() += n;
                    CoverageCell {
                        thematic_area: a.row.slug.clone(),
                        published_experiences: n,
                        latest_snapshot_date: d,
                    }
                })
                .collect();
            let sum: i64 = cells.iter().map(|c| c.published_experiences).sum();
            total += sum;
            CoverageRow {
                country: c.row.code.clone(),
                name: langs.pick(pref, &c.names, crate::http::lang::Lang::En),
                subregion: c.row.subregion,
                published_experiences: sum,
                cells,
            }
        })
        .collect();
    let columns = area_list
        .iter()
        .map(|a| CoverageArea {
            slug: a.row.slug.clone(),
            name: langs.pick(pref, &a.names, crate::http::lang::Lang::En),
            published_experiences: area_totals.get(a.row.slug.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let body = Coverage {
        thematic_areas: columns,
        countries: rows,
        published_experiences: total,
    };
    etag::single_json(&req, &body, Some(langs.header_value(pref)))
}
