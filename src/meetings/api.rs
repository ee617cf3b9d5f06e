//! Wire types of sessions and their agendas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::MeetingStatus;
use super::{AgendaItemKind, AttendanceStatus, DecisionOutcome, MeetingBody, MeetingMode};
use crate::http::validate::double_option;

/// A session of the Group of Member Countries or of the Committee of Experts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub body: MeetingBody,
    /// The round it serves, if any.
    pub round: Option<i64>,
    #[schema(example = "Fourth meeting of the Committee of Experts")]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: MeetingMode,
    /// Where (in person and hybrid sessions).
    pub place: Option<String>,
    /// The link to join (virtual and hybrid sessions); shown to signed-in callers only.
    pub online_url: Option<String>,
    pub status: MeetingStatus,
    /// Lifecycle actions the status allows now (secretariat).
    #[schema(example = json!(["hold", "cancel"]))]
    pub allowed_actions: Vec<String>,
    pub cancel_reason: Option<String>,
    /// The minutes: a library document of kind `meeting_minutes` (`/documents/{id}`).
    pub minutes_document: Option<i64>,
    /// The agenda, in order, each item with the decision taken on it.
    pub agenda: Vec<AgendaItem>,
    /// Attendance by country, as recorded once the session began.
    pub attendance: Vec<Attendance>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One item of a session's agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItem {
    pub id: i64,
    /// Its place in the agenda (ascending; gaps where items were removed).
    pub position: i32,
    pub kind: AgendaItemKind,
    pub title: String,
    /// The report to adopt (`report_adoption`).
    pub report: Option<i64>,
    /// The questionnaire version to approve (`questionnaire_approval`).
    pub questionnaire: Option<i64>,
    /// The library document (`document`).
    pub document: Option<i64>,
    /// The decisions this item's kind can take.
    pub outcomes: Vec<DecisionOutcome>,
    /// The decision taken on it, once recorded.
    pub decision: Option<Decision>,
}

/// The decision a session took on an agenda item.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub id: i64,
    /// The agenda item decided.
    pub agenda_item: i64,
    pub outcome: DecisionOutcome,
    pub text: String,
    pub recorded_at: DateTime<Utc>,
}

/// A session's agenda, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaList {
    pub data: Vec<AgendaItem>,
}

/// The decisions a session took, in the agenda's order.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionList {
    pub data: Vec<Decision>,
}

/// A country's attendance at a session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    #[schema(example = "CHL")]
    pub country: String,
    pub status: AttendanceStatus,
    /// How many delegates attended (0 to 100).
    pub delegates: Option<i32>,
}

/// A session to schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub body: MeetingBody,
    /// The round it serves.
    pub round: Option<i64>,
    /// 1 to 300 characters.
    pub title: String,
    /// RFC 3339.
    #[schema(format = DateTime, example = "2027-03-10T14:00:00Z")]
    pub starts_at: String,
    /// RFC 3339, after `starts_at`.
    #[schema(format = DateTime, example = "2027-03-12T22:00:00Z")]
    pub ends_at: String,
    pub mode: MeetingMode,
    /// Required in person and hybrid; 1 to 300 characters.
    pub place: Option<String>,
    /// Required virtual and hybrid; an http(s) URL.
    pub online_url: Option<String>,
}

/// Changes to a session: while scheduled, anything below; once held, only the minutes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingPatch {
    pub title: Option<String>,
    #[schema(format = DateTime)]
    pub starts_at: Option<String>,
    #[schema(format = DateTime)]
    pub ends_at: Option<String>,
    pub mode: Option<MeetingMode>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub place: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub online_url: Option<Option<String>>,
    /// A library document of kind `meeting_minutes`; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub minutes_document: Option<Option<i64>>,
}

/// An item to add at the end of a scheduled session's agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgendaItem {
    pub kind: AgendaItemKind,
    /// 1 to 300 characters.
    pub title: String,
    /// Required for `report_adoption` (a report not yet adopted; Committee of Experts'
    /// sessions), absent otherwise.
    pub report: Option<i64>,
    /// Required for `questionnaire_approval`, absent otherwise.
    pub questionnaire: Option<i64>,
    /// Required for `document`, absent otherwise.
    pub document: Option<i64>,
}

/// The decision taken on an agenda item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// One of the item's `outcomes`.
    pub outcome: DecisionOutcome,
    /// At most 2000 characters; for an adoption, the report's decision note.
    pub text: Option<String>,
}

/// Attendance by country; replaces what was recorded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceIn {
    /// One entry per country, each at most once.
    pub countries: Vec<Attendance>,
}

/// Why a session is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    /// 1 to 2000 characters.
    pub reason: String,
}

/// Filters of the session list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    #[param(value_type = Option<MeetingBody>)]
    pub body: Option<String>,
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    #[param(value_type = Option<MeetingStatus>)]
    pub status: Option<String>,
    /// Sessions ending on or after this date.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Sessions starting on or before this date.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
}
