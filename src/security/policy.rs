//! The one answer to "may this caller do this to this resource" (DESIGN §1, "Who may do
//! what"). Handlers gather the facts of the resource and ask here; nothing else decides.
//!
//! Outcomes: allowed; 401 when a login is needed; 404 when the caller may not even know the
//! resource exists (another country's unpublished data); 403 when the resource is visible to
//! the caller but the action is not theirs.

use super::{Principal, Role};
use crate::error::ApiError;

fn login_needed() -> ApiError {
    ApiError::AuthRequired("this action needs `Authorization: Bearer <token>`".into())
}

fn forbidden(what: &str) -> ApiError {
    ApiError::Forbidden(format!("your role may not {what}"))
}

fn hidden() -> ApiError {
    ApiError::not_found("no such resource")
}

fn need(p: Option<&Principal>) -> Result<&Principal, ApiError> {
    p.ok_or_else(login_needed)
}

fn secretariat_only(p: Option<&Principal>, what: &str) -> Result<(), ApiError> {
    match need(p)?.role {
        Role::Secretariat => Ok(()),
        _ => Err(forbidden(what)),
    }
}

/// When the action is refused: 403 if the caller may see the resource, else 404.
fn refuse(visible: bool, what: &str) -> ApiError {
    if visible {
        forbidden(what)
    } else {
        hidden()
    }
}

// ---- reference data and public working papers ------------------------------------------

/// Countries, thematic areas, rounds, published questionnaires: everyone reads them.
pub fn read_reference(_p: Option<&Principal>) -> Result<(), ApiError> {
    Ok(())
}

/// Correcting reference data (countries, thematic areas).
pub fn edit_reference(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "change reference data")
}

// ---- experiences (the Guide) -------------------------------------------------------------

/// An experience as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct ExperienceFacts<'a> {
    pub country: &'a str,
    /// A published version exists (the public sees it).
    pub has_published_version: bool,
}

fn sees_experience(p: Option<&Principal>, e: &ExperienceFacts) -> bool {
    e.has_published_version
        || p.is_some_and(|p| {
            p.is(Role::Secretariat) || (p.is(Role::MemberCountry) && p.of_country(e.country))
        })
}

/// Reading an experience's working state (drafts, versions under review).
pub fn read_experience(p: Option<&Principal>, e: &ExperienceFacts) -> Result<(), ApiError> {
    if sees_experience(p, e) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Creating an experience for `country`.
pub fn create_experience(p: Option<&Principal>, country: &str) -> Result<(), ApiError> {
    let p = need(p)?;
    match p.role {
        Role::Secretariat => Ok(()),
        Role::MemberCountry if p.of_country(country) => Ok(()),
        Role::MemberCountry => Err(forbidden("create experiences of another country")),
        Role::Expert => Err(forbidden("create experiences")),
    }
}

/// Editing or submitting for review (a published one is edited through its working copy).
pub fn edit_experience(p: Option<&Principal>, e: &ExperienceFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        Role::MemberCountry if principal.of_country(e.country) => Ok(()),
        _ => Err(refuse(sees_experience(p, e), "edit this experience")),
    }
}

/// Publishing, archiving, returning with a reason.
pub fn publish_experience(p: Option<&Principal>, e: &ExperienceFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        _ => Err(refuse(
            sees_experience(p, e),
            "publish, archive or return experiences",
        )),
    }
}

/// Listing unpublished experiences (drafts, in review): the secretariat sees all; a focal point
/// its own country's (the country returned).
pub fn list_unpublished_experiences(p: Option<&Principal>) -> Result<Option<String>, ApiError> {
    let p = need(p)?;
    match p.role {
        Role::Secretariat => Ok(None),
        Role::MemberCountry => p
            .country
            .clone()
            .map(Some)
            .ok_or_else(|| forbidden("list unpublished experiences without a country")),
        Role::Expert => Err(forbidden("list unpublished experiences")),
    }
}

// ---- rounds and questionnaires ----------------------------------------------------------

/// Creating and running rounds, participants, questionnaires, draws.
pub fn manage_rounds(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "manage rounds and questionnaires")
}

/// Scheduling sessions and recording their agendas, decisions, attendance and minutes.
pub fn manage_meetings(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "manage the mechanism's sessions")
}

/// A questionnaire: published and retired versions are public working papers; drafts are
/// the secretariat's.
pub fn read_questionnaire(p: Option<&Principal>, draft: bool) -> Result<(), ApiError> {
    if !draft || p.is_some_and(|p| p.is(Role::Secretariat)) {
        Ok(())
    } else {
        Err(hidden())
    }
}

// ---- responses ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseState {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

#[derive(Debug, Clone, Copy)]
pub struct ResponseFacts<'a> {
    pub country: &'a str,
    pub state: ResponseState,
    /// The round is concluded and its policy publishes accepted responses.
    pub public_after_conclusion: bool,
}

fn sees_response(p: Option<&Principal>, r: &ResponseFacts) -> bool {
    match p {
        None => r.state == ResponseState::Accepted && r.public_after_conclusion,
        Some(p) => match p.role {
            Role::Secretariat => true,
            Role::MemberCountry => {
                p.of_country(r.country)
                    || (r.state == ResponseState::Accepted && r.public_after_conclusion)
            }
            Role::Expert => r.state != ResponseState::Draft,
        },
    }
}

pub fn read_response(p: Option<&Principal>, r: &ResponseFacts) -> Result<(), ApiError> {
    if sees_response(p, r) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Creating, answering, submitting: the country's focal points, or the secretariat on its
/// behalf. (Whether the round is open is a rule of the response, not of the policy.)
pub fn write_response(p: Option<&Principal>, r: &ResponseFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        Role::MemberCountry if principal.of_country(r.country) => Ok(()),
        _ => Err(refuse(sees_response(p, r), "answer for this country")),
    }
}

/// Returning or accepting a submitted response.
pub fn decide_response(p: Option<&Principal>, r: &ResponseFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        _ => Err(refuse(sees_response(p, r), "return or accept responses")),
    }
}

// ---- reports -------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Country,
    Hemispheric,
}

#[derive(Debug, Clone, Copy)]
pub struct ReportFacts<'a> {
    pub kind: ReportKind,
    /// The reviewed country (country reports).
    pub country: Option<&'a str>,
    pub published: bool,
    /// The caller is one of the report's assigned experts.
    pub caller_assigned: bool,
}

fn sees_report(p: Option<&Principal>, r: &ReportFacts) -> bool {
    if r.published {
        return true;
    }
    let Some(p) = p else { return false };
    match (p.role, r.kind) {
        (Role::Secretariat, _) => true,
        (Role::Expert, ReportKind::Hemispheric) => true,
        (Role::Expert, ReportKind::Country) => r.caller_assigned,
        (Role::MemberCountry, ReportKind::Country) => r.country.is_some_and(|c| p.of_country(c)),
        (Role::MemberCountry, ReportKind::Hemispheric) => false,
    }
}

pub fn read_report(p: Option<&Principal>, r: &ReportFacts) -> Result<(), ApiError> {
    if sees_report(p, r) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Drafting: the secretariat and the assigned experts (all experts for the hemispheric one).
pub fn draft_report(p: Option<&Principal>, r: &ReportFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    let allowed = match (principal.role, r.kind) {
        (Role::Secretariat, _) => true,
        (Role::Expert, ReportKind::Country) => r.caller_assigned,
        (Role::Expert, ReportKind::Hemispheric) => true,
        (Role::MemberCountry, _) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(refuse(sees_report(p, r), "draft this report"))
    }
}

/// Commenting on a draft country report: assigned experts, the reviewed country, secretariat.
pub fn comment_report(p: Option<&Principal>, r: &ReportFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    let allowed = match principal.role {
        Role::Secretariat => true,
        Role::Expert => r.caller_assigned || r.kind == ReportKind::Hemispheric,
        Role::MemberCountry => {
            r.kind == ReportKind::Country && r.country.is_some_and(|c| principal.of_country(c))
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(refuse(sees_report(p, r), "comment on this report"))
    }
}

/// Recording adoption and publishing.
pub fn adopt_or_publish_report(p: Option<&Principal>, r: &ReportFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        _ => Err(refuse(sees_report(p, r), "adopt or publish reports")),
    }
}

/// Reporting follow-up of a recommendation to `country` (in a report the caller can see).
pub fn update_followup(p: Option<&Principal>, country: &str) -> Result<(), ApiError> {
    let principal = need(p)?;
    match principal.role {
        Role::Secretariat => Ok(()),
        Role::MemberCountry if principal.of_country(country) => Ok(()),
        _ => Err(forbidden("report follow-up for this country")),
    }
}

/// Assessing a country's follow-up declarations: the secretariat and the report's assigned
/// experts (any expert for the hemispheric report); never the reviewed country itself.
pub fn assess_followup(p: Option<&Principal>, r: &ReportFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    let allowed = match (principal.role, r.kind) {
        (Role::Secretariat, _) => true,
        (Role::Expert, ReportKind::Country) => r.caller_assigned,
        (Role::Expert, ReportKind::Hemispheric) => true,
        (Role::MemberCountry, _) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(refuse(sees_report(p, r), "assess follow-up of this report"))
    }
}

/// Declaring one's own conflicts of interest: experts.
pub fn declare_conflicts(p: Option<&Principal>) -> Result<(), ApiError> {
    match need(p)?.role {
        Role::Expert => Ok(()),
        _ => Err(forbidden("declare conflicts of interest (experts do)")),
    }
}

/// Naming the individual experts of a country report: the secretariat.
pub fn name_report_experts(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "name a report's experts")
}

// ---- accounts and the audit log ------------------------------------------------------------

/// Managing users (and any user's machine clients).
pub fn manage_users(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "manage users")
}

/// Managing one's own machine clients: focal points (for their country's systems) and the
/// secretariat.
pub fn manage_own_clients(p: Option<&Principal>) -> Result<(), ApiError> {
    match need(p)?.role {
        Role::MemberCountry | Role::Secretariat => Ok(()),
        Role::Expert => Err(forbidden("hold machine clients")),
    }
}

/// Holding webhook subscriptions: the secretariat, and focal points (whose deliveries carry
/// only what their country may read).
/// The library's documents: the secretariat writes them.
pub fn manage_library(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "manage the library")
}

/// Uploads: every signed-in role (experts attach annexes to the reports they draft).
pub fn upload_files(p: Option<&Principal>) -> Result<(), ApiError> {
    need(p).map(|_| ())
}

/// Attaching a file: its uploader, a focal point of the uploader's country, the secretariat;
/// anyone else is told there is no such file they may attach (never whose it is).
pub fn attach_file(p: Option<&Principal>, uploader: Option<i64>, country: Option<&str>) -> bool {
    p.is_some_and(|p| {
        Some(p.user_id) == uploader
            || p.is(Role::Secretariat)
            || (p.is(Role::MemberCountry) && country.is_some_and(|c| p.of_country(c)))
    })
}

pub fn hold_webhooks(p: Option<&Principal>) -> Result<(), ApiError> {
    match need(p)?.role {
        Role::MemberCountry | Role::Secretariat => Ok(()),
        Role::Expert => Err(forbidden("subscribe to webhooks")),
    }
}

/// Reading or changing one subscription: its owner and the secretariat (404 for others).
pub fn manage_webhook(p: Option<&Principal>, owner: i64) -> Result<(), ApiError> {
    let p = need(p)?;
    if p.is(Role::Secretariat) || p.user_id == owner {
        Ok(())
    } else {
        Err(hidden())
    }
}

pub fn read_audit_log(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "read the audit log")
}

mod cooperation;
pub use cooperation::*;

#[cfg(test)]
mod tests;
