//! `GET /experiences`: the Guide's list — filters, full-text search, sorts and cursor pages —
//! and the list parameters the export shares.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::api::View;
use super::api::{ExperienceQuery, ExperienceSummary};
use super::guide_index::{Found, GuideIndex};
use super::model::{ExperienceRow, VersionRow};
use super::rules::{Document, ExperienceStatus};
use super::search::{self, ListCursor, ListSpec, Sort};
use super::shown::{current_versions, lang_of, public_status, status_of, working_documents};
use super::store::{self, Scope};
use super::working_docs::WorkingDocs;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::countries::model::Subregion;
use crate::db;
use crate::error::ApiResult;
use crate::http::lang::{I18n, Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{Page, PageBody, PageParams, PageRequest};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// The list these parameters ask for, checked (400 listing every problem) and allowed
/// (unpublished statuses are their editors'). Without `page`, the first page of the largest
/// size (exports walk on from there).
pub fn list_spec(
    query: &ExperienceQuery,
    page: Option<&PageParams>,
    principal: Option<&Principal>,
) -> ApiResult<ListSpec> {
    // Long: every filter of the list checked and reported in the same 400, one block per parameter.
    let mut checks = Checks::new();
    let list = |raw: &Option<String>, upper: bool| -> Vec<String> {
        raw.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if upper {
                    s.to_ascii_uppercase()
                } else {
                    s.to_lowercase()
                }
            })
            .collect()
    };
    let status = query.status.as_deref().and_then(|s| {
        checks.one_of(
            "status",
            s,
            ExperienceStatus::parse,
            "published, archived, draft, in_review",
        )
    });
    let subregion = query.subregion.as_deref().and_then(|s| {
        checks
            .one_of(
                "subregion",
                s,
                Subregion::parse,
                "north_america, central_america, caribbean, andean, southern_cone",
            )
            .map(|s| s.as_str().to_owned())
    });
    let language = query
        .language
        .as_deref()
        .and_then(|s| checks.language("language", s));
    let snapshot_from = query
        .snapshot_from
        .as_deref()
        .and_then(|d| checks.date("snapshot_from", d));
    let snapshot_to = query
        .snapshot_to
        .as_deref()
        .and_then(|d| checks.date("snapshot_to", d));
    let updated_since = query
        .updated_since
        .as_deref()
        .and_then(|t| checks.instant("updated_since", t));
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // A search without a letter or digit searches for nothing: it is ignored.
    if q.is_some_and(|q| q.chars().count() > 500) {
        checks.add("q", "length", "must have at most 500 characters");
    }
    let sort = match query.sort.as_deref() {
        None if q.is_some() => Some(Sort::Relevance),
        None => Some(Sort::SnapshotDesc),
        Some(s) => checks.one_of("sort", s.trim(), Sort::parse, Sort::NAMES),
    };
    // Without a search every row is as relevant as the next: the default order ranks them.
    let sort = match sort {
        Some(Sort::Relevance) if q.is_none() => Some(Sort::SnapshotDesc),
        other => other,
    };
    // A value that cannot be a tag is a filter nothing matches, not an error.
    let tags = list(&query.tag, false);
    let page = match page {
        Some(p) => p.parse::<ListCursor>(&mut checks.errors),
        None => PageRequest {
            limit: crate::http::pagination::MAX_LIMIT,
            after: None,
        },
    };
    let sort = sort.unwrap_or(Sort::SnapshotDesc);
    if page
        .after
        .as_ref()
        .is_some_and(|c| !search::cursor_fits(c, sort))
    {
        checks.add(
            "cursor",
            "invalid",
            "the cursor belongs to another sort; start again without it",
        );
    }
    checks.finish_query()?;
    let (scope, statuses, only_country) = match status {
        None | Some(ExperienceStatus::Published) => (
            Scope::Published,
            vec![
                ExperienceStatus::Draft,
                ExperienceStatus::InReview,
                ExperienceStatus::Published,
            ],
            None,
        ),
        Some(ExperienceStatus::Archived) => {
            (Scope::Published, vec![ExperienceStatus::Archived], None)
        }
        Some(s) => (
            Scope::Working,
            vec![s],
            policy::list_unpublished_experiences(principal)?,
        ),
    };
    let spec = ListSpec {
        scope,
        statuses,
        only_country,
        countries: list(&query.country, true),
        areas: list(&query.thematic_area, false),
        subregion,
        tags,
        language,
        snapshot_from,
        snapshot_to,
        updated_since,
        q: q.map(str::to_owned),
        sort,
        after: page.after,
        limit: page.limit,
    };
    Ok(spec)
}

/// List the Guide's experiences: filters, full-text search and cursor pages. Without `status`
/// the list holds the published experiences, each as its latest published version.
#[utoipa::path(
    tag = "experiences",
    params(ExperienceQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of experiences", body = Page<ExperienceSummary>, headers(("Link" = String, description = "The next page"))),
        (status = 400, description = "Bad filter, sort, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unpublished statuses need a login", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Unpublished statuses are their editors' only", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences")]
pub async fn list_experiences(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<ExperienceQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let spec = list_spec(&query, Some(&page), principal.0.as_ref())?;
    // Only pages everyone may see are kept: a published-scope list depends on its query alone.
    if spec.scope != Scope::Published {
        return Ok(compute_page(&state, &req, spec, pref).await?.respond());
    }
    crate::cache::public_page(&state, &req, pref, || {
        compute_page(&state, &req, spec.clone(), pref)
    })
    .await
}

/// Reads and renders one page of the list: from the Guide's index when it answers (no database
/// read), otherwise from the database.
async fn compute_page(
    state: &AppState,
    req: &HttpRequest,
    spec: ListSpec,
    pref: LangPref,
) -> ApiResult<PageBody> {
    let (with_q, sort, limit) = (spec.q.is_some(), spec.sort, spec.limit);
    let items = match GuideIndex::hits(state, &spec).await? {
        Some(found) => found,
        None => {
            let kept = state.working_docs.clone();
            db::run(&state.pool, move |conn| read_page(conn, &kept, &spec)).await?
        }
    };
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        items,
        limit,
        |(h, _)| h.cursor(sort),
        |(h, b)| b.summary(with_q.then_some(-h.rank), pref, &mut langs),
    );
    PageBody::new(req, &page, Some(langs.header_value(pref)))
}

/// The page's hits in the database, each with what the list shows of it in the list's scope.
fn read_page(conn: &mut db::DbConn, kept: &WorkingDocs, spec: &ListSpec) -> ApiResult<Found> {
    let hits = search::list(conn, spec)?;
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let rows = store::find_many(conn, &ids)?;
    let mut briefs = if spec.scope == Scope::Working {
        let refs: Vec<&ExperienceRow> = rows.values().collect();
        let mut docs = working_documents(conn, &refs, Some(kept))?;
        rows.into_values()
            .filter_map(|row| {
                let doc = docs.remove(&row.id)?;
                Some((row.id, Brief::new(&row, &doc, View::Working, None)))
            })
            .collect()
    } else {
        current_versions(conn, rows.into_values())?
            .into_iter()
            .map(|(row, v, doc)| (row.id, Brief::new(&row, &doc, View::Published, Some(&v))))
            .collect::<HashMap<_, _>>()
    };
    Ok(hits
        .into_iter()
        .filter_map(|h| briefs.remove(&h.id).map(|b| (h, Arc::new(b))))
        .collect())
}

fn excerpt(texts: &I18n) -> I18n {
    texts
        .iter()
        .map(|(l, t)| {
            let cut: String = t.chars().take(280).collect();
            let cut = if cut.len() < t.len() {
                format!("{}…", cut.trim_end())
            } else {
                cut
            };
            (*l, cut)
        })
        .collect()
}

/// What the list shows of one experience, in every language it has; the reader's languages are
/// chosen when a page is rendered.
#[derive(Debug)]
pub(super) struct Brief {
    id: i64,
    country: String,
    thematic_area: String,
    language: Lang,
    status: ExperienceStatus,
    view: View,
    version: i32,
    snapshot_date: NaiveDate,
    title: I18n,
    excerpt: I18n,
    available_languages: Vec<Lang>,
    tags: Vec<String>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

impl Brief {
    pub(super) fn new(
        row: &ExperienceRow,
        doc: &Document,
        view: View,
        version: Option<&VersionRow>,
    ) -> Brief {
        let working = view == View::Working;
        Brief {
            id: row.id,
            country: row.country.clone(),
            thematic_area: row.thematic_area.clone(),
            language: lang_of(row),
            status: if working {
                status_of(row)
            } else {
                public_status(row)
            },
            view,
            version: row.version,
            snapshot_date: doc.snapshot_date,
            title: doc.title.clone(),
            excerpt: excerpt(&doc.introduction),
            available_languages: doc.languages(),
            tags: doc.tags.clone(),
            updated_at: match version {
                Some(v) if !working => utc(v.published_at),
                _ => utc(row.updated_at),
            },
            published_at: row.published_at.map(utc),
        }
    }

    /// The languages the experience is written in.
    pub(super) fn languages(&self) -> &[Lang] {
        &self.available_languages
    }

    fn summary(
        &self,
        relevance: Option<f64>,
        pref: LangPref,
        langs: &mut LangTracker,
    ) -> ExperienceSummary {
        ExperienceSummary {
            id: self.id,
            country: self.country.clone(),
            thematic_area: self.thematic_area.clone(),
            language: self.language,
            status: self.status,
            view: self.view,
            version: self.version,
            snapshot_date: self.snapshot_date,
            title: langs.pick(pref, &self.title, self.language),
            excerpt: langs.pick(pref, &self.excerpt, self.language),
            available_languages: self.available_languages.clone(),
            tags: self.tags.clone(),
            relevance,
            updated_at: self.updated_at,
            published_at: self.published_at,
        }
    }
}
