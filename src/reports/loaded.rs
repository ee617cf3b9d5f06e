//! One report as the policy and a reader see it: its row, its reviewer countries, whether the
//! caller is among its experts, and the JSON every read answers with.

use actix_web::{HttpRequest, HttpResponse};

use super::api::Report;
use super::model::ReportRow;
use super::rules::{self, ReportKindOut, ReportStatus};
use super::store::{self, ReportScope};
use crate::auth::policy::{ReportFacts, ReportKind};
use crate::auth::{Principal, Role};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::etag;
use crate::http::lang::{Lang, LangPref, LangTracker};
use crate::time::utc;

/// A report with what the policy needs to know about it and the caller.
pub struct Loaded {
    pub row: ReportRow,
    pub reviewers: Vec<String>,
    pub caller_assigned: bool,
    /// Filled for single reads.
    pub experts: Option<Vec<i64>>,
    /// Its annexes, filled for single reads.
    pub attachments: Option<Vec<crate::files::api::Attachment>>,
    /// A follow-up report's earlier recommendations (their round numbers) and declarations,
    /// filled for single reads.
    pub follow_up: Option<
        Vec<(
            super::model::RecommendationRow,
            i32,
            Vec<super::api::Followup>,
        )>,
    >,
}

impl Loaded {
    pub fn status(&self) -> ReportStatus {
        self.row.status
    }

    /// Public once published; before, the reviewed country's and its assigned experts' (every
    /// expert's for the hemispheric report).
    pub fn event_scope(&self) -> Scope {
        let country = self.row.country.as_deref();
        let audience = match (self.status(), self.row.kind) {
            (ReportStatus::Published, _) => Audience::Public,
            (_, ReportKindOut::Hemispheric) => Audience::Experts,
            (_, ReportKindOut::Country | ReportKindOut::FollowUp) => Audience::CountryAndReviewers,
        };
        Scope::new(audience, country).in_round(self.row.round_id)
    }

    pub fn facts(&self) -> ReportFacts<'_> {
        ReportFacts {
            kind: match self.row.kind {
                ReportKindOut::Hemispheric => ReportKind::Hemispheric,
                // A follow-up report is read and drafted as its country's report is.
                ReportKindOut::Country | ReportKindOut::FollowUp => ReportKind::Country,
            },
            country: self.row.country.as_deref(),
            published: self.status() == ReportStatus::Published,
            caller_assigned: self.caller_assigned,
        }
    }
}

/// Loads a report and whether the caller is one of its assigned experts: an expert of a
/// country drawn to review it, and never an expert of the reviewed country (checked here, at
/// every read and write, not only when drawing).
pub fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<Loaded> {
    let row = store::find_report(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("no report {id}")))?;
    let reviewers = match &row.country {
        Some(c) => store::reviewers_of(conn, row.round_id, c)?,
        None => Vec::new(),
    };
    let mut caller_assigned = p.is_some_and(|p| {
        p.is(Role::Expert)
            && match (&p.country, &row.country) {
                (Some(mine), Some(reviewed)) => mine != reviewed && reviewers.contains(mine),
                (Some(_), None) => true,
                (None, _) => false,
            }
    });
    // An expert who declared a conflict of interest with the reviewed country is not assigned.
    if let (true, Some(p), Some(reviewed)) = (caller_assigned, p, &row.country) {
        caller_assigned = !super::conflicts::has(conn, p.user_id, reviewed)?;
    }
    Ok(Loaded {
        row,
        reviewers,
        caller_assigned,
        experts: None,
        attachments: None,
        follow_up: None,
    })
}

pub(super) fn render(
    l: Loaded,
    pref: LangPref,
    langs: &mut LangTracker,
    with_reviewers: bool,
) -> Report {
    let status = l.status();
    let lang = Lang::parse(&l.row.language).unwrap_or(Lang::En);
    Report {
        id: l.row.id,
        round: l.row.round_id,
        kind: l.row.kind,
        country: l.row.country.clone(),
        language: lang,
        title: langs.pick(pref, &l.row.title, lang),
        body: langs.pick(pref, &l.row.body, lang),
        status,
        version: l.row.version,
        revision: l.row.revision,
        allowed_actions: crate::lifecycle::allowed::<rules::ReportAction>(status)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        decision_date: l.row.decision_date,
        decision_note: l.row.decision_note.clone(),
        meeting: l.row.meeting_id,
        adopted_at: l.row.adopted_at.map(utc),
        published_at: l.row.published_at.map(utc),
        reviewers: (with_reviewers && l.row.country.is_some()).then_some(l.reviewers),
        assigned_experts: l.experts,
        attachments: l.attachments,
        follow_up: l.follow_up.map(|items| {
            items
                .into_iter()
                .map(|(r, round, declarations)| followed(r, round, declarations, pref, langs))
                .collect()
        }),
        created_at: utc(l.row.created_at),
        updated_at: utc(l.row.updated_at),
    }
}

fn followed(
    r: super::model::RecommendationRow,
    round: i32,
    declarations: Vec<super::api::Followup>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> super::api::FollowedRecommendation {
    let lang = Lang::parse(&r.language).unwrap_or(Lang::En);
    let status = declarations
        .last()
        .map_or(rules::FollowupStatus::Pending, |d| d.status);
    let assessed_status = declarations
        .iter()
        .rev()
        .find(|d| d.assessment == Some(rules::Assessment::Accepted))
        .map_or(rules::FollowupStatus::Pending, |d| d.status);
    super::api::FollowedRecommendation {
        recommendation: r.id,
        report: r.report_id,
        round,
        number: r.number,
        text: langs.pick(pref, &r.text, lang),
        thematic_area: r.thematic_area,
        status,
        assessed_status,
        declarations,
    }
}

/// A follow-up report's subject: the country's recommendations of earlier rounds, each with
/// its declarations and their assessments as they stood when the report was adopted (as they
/// stand now, before).
fn follow_up_of(
    conn: &mut DbConn,
    row: &ReportRow,
) -> ApiResult<
    Vec<(
        super::model::RecommendationRow,
        i32,
        Vec<super::api::Followup>,
    )>,
> {
    let Some(country) = &row.country else {
        return Ok(Vec::new());
    };
    let number = crate::rounds::store::find(conn, row.round_id)?.map_or(0, |r| r.number);
    let cutoff = row.adopted_at.map(utc);
    let mut out = Vec::new();
    for (r, round) in store::earlier_recommendations_of(conn, country, number, false)? {
        let mut declarations = super::recommendations::history(conn, r.id)?;
        if let Some(at) = cutoff {
            declarations.retain(|d| d.changed_at <= at);
            for d in declarations
                .iter_mut()
                .filter(|d| d.assessed_at.is_some_and(|a| a > at))
            {
                d.assessment = None;
                d.assessment_reason = None;
                d.assessed_by = None;
                d.assessed_at = None;
            }
        }
        out.push((r, round, declarations));
    }
    Ok(out)
}

pub(super) fn respond(req: &HttpRequest, l: Loaded, pref: LangPref) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let (entity, revision) = (etag::Entity("report", l.row.id), l.row.revision);
    let body = render(l, pref, &mut langs, true);
    etag::versioned_json(req, entity, revision, &body, Some(langs.header_value(pref)))
}

/// Adds the assigned experts, the annexes and a follow-up report's subject, for a single read.
pub fn with_experts(conn: &mut DbConn, mut l: Loaded) -> ApiResult<Loaded> {
    if l.row.kind == ReportKindOut::FollowUp {
        l.follow_up = Some(follow_up_of(conn, &l.row)?);
    }
    l.attachments = Some(crate::files::attachments::for_parent(
        conn,
        crate::files::parents::ParentType::Report,
        l.row.id,
    )?);
    let countries = match &l.row.country {
        Some(reviewed) => l
            .reviewers
            .iter()
            .filter(|c| *c != reviewed)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    l.experts = Some(if let Some(reviewed) = &l.row.country {
        let ids: Vec<i64> = store::experts_of(conn, &countries)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let conflicted = super::conflicts::conflicted(conn, reviewed, &ids)?;
        ids.into_iter()
            .filter(|id| !conflicted.contains(id))
            .collect()
    } else {
        store::all_experts(conn)?
    });
    Ok(l)
}

/// What reports the caller sees beyond published ones.
pub fn scope(conn: &mut DbConn, p: Option<&Principal>) -> ApiResult<ReportScope> {
    Ok(match p {
        None => ReportScope::PublishedOnly,
        Some(p) => match (p.role, &p.country) {
            (Role::Secretariat, _) => ReportScope::All,
            (Role::MemberCountry, Some(c)) => ReportScope::Country(c.clone()),
            (Role::Expert, Some(c)) => {
                ReportScope::Expert(super::conflicts::assignments_of(conn, p.user_id, c)?)
            }
            _ => ReportScope::PublishedOnly,
        },
    })
}
