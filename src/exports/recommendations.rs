//! The recommendations export: the tracker, batch by batch.

use serde_json::json;

use super::encode::{Batch, Source};
use super::sources::{shown, ts};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::lang::{Lang, LangPref};
use crate::reports::store::{self as reports, RecommendationFilter, ReportScope};

/// Recommendations with their latest follow-up.
pub struct Recommendations {
    pub filter: RecommendationFilter,
    pub scope: ReportScope,
    pub lang: LangPref,
    after: Option<i64>,
    done: bool,
}

impl Recommendations {
    pub const COLUMNS: [&'static str; 16] = [
        "id",
        "round",
        "country",
        "report",
        "report_status",
        "number",
        "thematic_area",
        "target_date",
        "text",
        "status",
        "assessed_status",
        "assessment",
        "progress_note",
        "evidence_urls",
        "created_at",
        "updated_at",
    ];

    /// The columns that hold translatable text.
    pub const TRANSLATED: [&'static str; 1] = ["text"];

    pub fn new(
        filter: RecommendationFilter,
        scope: ReportScope,
        lang: LangPref,
    ) -> Recommendations {
        Recommendations {
            filter,
            scope,
            lang,
            after: None,
            done: false,
        }
    }
}

impl Source for Recommendations {
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        const BATCH: i64 = 1000;
        if self.done {
            return Ok(false);
        }
        let mut rows =
            reports::list_recommendations(conn, &self.filter, &self.scope, self.after, BATCH)?;
        if rows.len() as i64 <= BATCH {
            self.done = true;
        }
        rows.truncate(BATCH as usize);
        let Some((last, _)) = rows.last() else {
            return Ok(false);
        };
        self.after = Some(last.id);
        for (r, report) in rows {
            let original = Lang::parse(&r.language).unwrap_or(Lang::En);
            let urls = json!(r.evidence_urls.0);
            out.row(&[
                json!(r.id),
                json!(report.round_id),
                json!(report.country),
                json!(report.id),
                json!(report.status),
                json!(r.number),
                json!(r.thematic_area),
                json!(r.target_date),
                shown(&r.text, self.lang, original),
                json!(r.status),
                json!(r.assessed_status),
                json!(r.assessment),
                json!(r.progress_note),
                urls,
                ts(Some(r.created_at)),
                ts(Some(r.updated_at)),
            ]);
        }
        Ok(true)
    }
}
