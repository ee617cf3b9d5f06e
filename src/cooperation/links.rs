//! What the cooperation cycle reads of the review and the Guide (recommendations, reviewers,
//! experiences) and the map's counts.

use std::collections::HashMap;

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable};

use crate::db::schema::{cooperations as co, recommendations as rec, reports};
use crate::db::DbConn;
use crate::statuses::{FollowupStatus, ReportStatus};

/// A recommendation as a need's link sees it: the reviewed country, the report's status and
/// the recommendation's own follow-up.
#[derive(Debug, Clone, Queryable)]
pub struct RecommendationLink {
    pub id: i64,
    pub country: Option<String>,
    pub report_status: ReportStatus,
    pub report_id: i64,
    pub round_id: i64,
    pub status: FollowupStatus,
    pub revision: i32,
}

pub fn recommendation_links(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<Vec<RecommendationLink>> {
    rec::table
        .inner_join(reports::table)
        .filter(rec::id.eq_any(ids))
        .select((
            rec::id,
            reports::country,
            reports::status,
            reports::id,
            reports::round_id,
            rec::status,
            rec::revision,
        ))
        .load(conn)
}

/// Recommendations in `area` that each of `countries` has implemented (adopted or published
/// reports).
pub fn implemented_in_area(
    conn: &mut DbConn,
    area: &str,
    countries: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = rec::table
        .inner_join(reports::table)
        .filter(rec::thematic_area.eq(area.to_owned()))
        .filter(rec::status.eq(FollowupStatus::Implemented))
        .filter(reports::status.eq_any([ReportStatus::Adopted, ReportStatus::Published]))
        .filter(
            reports::country.eq_any(
                countries
                    .iter()
                    .map(|c| Some(c.clone()))
                    .collect::<Vec<_>>(),
            ),
        )
        .group_by(reports::country)
        .select((reports::country, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, n)| c.map(|c| (c, n)))
        .collect())
}

/// Whether the expert's country reviewed (was drawn for) the report of any of `links`.
pub fn reviewed_any(
    conn: &mut DbConn,
    reviewer: &str,
    links: &[RecommendationLink],
) -> QueryResult<bool> {
    use crate::db::schema::{draw_assignments as da, draws};
    let rounds: Vec<i64> = links.iter().map(|l| l.round_id).collect();
    // Whom the reviewer's country reviews in those rounds' current draws, in one query.
    let reviewed: Vec<(i64, String)> = da::table
        .inner_join(draws::table)
        .filter(draws::round_id.eq_any(&rounds))
        .filter(draws::superseded_at.is_null())
        .filter(da::reviewer.eq(reviewer.to_owned()))
        .select((draws::round_id, da::country))
        .load(conn)?;
    Ok(links.iter().any(|l| {
        l.country
            .as_ref()
            .is_some_and(|c| reviewed.iter().any(|(r, rc)| *r == l.round_id && rc == c))
    }))
}

/// Id, country, area and whether it has a published version, of each of `ids` that exists.
pub fn experience_facts(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, bool)>> {
    use crate::db::schema::experiences as e;
    e::table
        .filter(e::id.eq_any(ids))
        .select((e::id, e::country, e::published_at.is_not_null()))
        .load(conn)
}

/// Counts for the map: `(area, subregion or "partners", what, n)`.
pub fn map_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, String, String, i64)>> {
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = diesel::sql_types::Text)]
        area: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        subregion: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        what: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = crate::db::dialect::Sql::new(
        "SELECT n.thematic_area AS area, c.subregion AS subregion, 'open_needs' AS what, COUNT(*) AS n \
         FROM needs n JOIN countries c ON c.code = n.country \
         WHERE n.status = 'open' AND n.confidential = FALSE GROUP BY n.thematic_area, c.subregion \
         UNION ALL \
         SELECT o.thematic_area, COALESCE(c.subregion, 'partners'), 'open_offers', COUNT(*) \
         FROM offers o LEFT JOIN countries c ON c.code = o.country \
         WHERE o.status = 'open' GROUP BY o.thematic_area, COALESCE(c.subregion, 'partners') \
         UNION ALL \
         SELECT n.thematic_area, c.subregion, k.status, COUNT(*) \
         FROM cooperations k JOIN needs n ON n.id = k.need_id JOIN countries c ON c.code = n.country \
         WHERE k.status IN ('in_progress', 'completed') AND n.confidential = FALSE \
         GROUP BY n.thematic_area, c.subregion, k.status",
    );
    Ok(crate::db::dialect::load::<Cell>(conn, &sql)?
        .into_iter()
        .map(|c| (c.area, c.subregion, c.what, c.n))
        .collect())
}

/// Count and mean of the ratings of completed cooperations.
pub fn rating_totals(conn: &mut DbConn) -> QueryResult<(i64, Option<f64>)> {
    co::table
        .filter(co::rating.is_not_null())
        .select((
            count_star(),
            sql::<Nullable<Double>>("CAST(AVG(rating) AS DOUBLE PRECISION)"),
        ))
        .first(conn)
}

/// `(experience, version, document)` of every published version of `ids`.
pub fn published_versions(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i32, String)>> {
    use crate::db::schema::experience_versions as v;
    v::table
        .filter(v::experience_id.eq_any(ids))
        .select((v::experience_id, v::version, v::document))
        .load(conn)
}
