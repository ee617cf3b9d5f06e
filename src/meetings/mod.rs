//! Sessions of the Group of Member Countries and of the Committee of Experts: dates, place or
//! link, an agenda (reports to adopt, questionnaires to approve, documents, other business),
//! the decision taken on each item (a report's adoption is taken through the report's own
//! lifecycle and names the session), attendance by country and the minutes; and the
//! mechanism's calendar (`/calendar.ics`).

pub mod actions;
pub mod agenda;
pub mod api;
pub mod calendar;
pub mod routes;
pub mod store;

use crate::lifecycle::Lifecycle;
pub use crate::statuses::MeetingStatus;

crate::stored_enum! {
    /// The mechanism's body that meets.
    pub enum MeetingBody {
        GroupOfMemberCountries = "group_of_member_countries",
        CommitteeOfExperts = "committee_of_experts",
    }
}

impl MeetingBody {
    pub fn label(self) -> &'static str {
        match self {
            MeetingBody::GroupOfMemberCountries => "Group of Member Countries",
            MeetingBody::CommitteeOfExperts => "Committee of Experts",
        }
    }
}

crate::stored_enum! {
    /// Where a session takes place: a `place`, an `online_url`, or both.
    pub enum MeetingMode {
        InPerson = "in_person",
        Virtual = "virtual",
        Hybrid = "hybrid",
    }
}

crate::stored_enum! {
    /// What an agenda item puts before the session.
    pub enum AgendaItemKind {
        /// A report to adopt (`report`; Committee of Experts).
        ReportAdoption = "report_adoption",
        /// A questionnaire version to approve (`questionnaire`).
        QuestionnaireApproval = "questionnaire_approval",
        /// A library document to consider (`document`).
        Document = "document",
        /// Any other business.
        Other = "other",
    }
}

crate::stored_enum! {
    /// The decision taken on an agenda item.
    pub enum DecisionOutcome {
        Adopted = "adopted",
        Approved = "approved",
        Noted = "noted",
        Deferred = "deferred",
        Rejected = "rejected",
    }
}

impl AgendaItemKind {
    /// The decisions an item of this kind can take.
    pub fn outcomes(self) -> &'static [DecisionOutcome] {
        use DecisionOutcome as O;
        match self {
            AgendaItemKind::ReportAdoption => &[O::Adopted, O::Deferred],
            AgendaItemKind::QuestionnaireApproval => &[O::Approved, O::Deferred, O::Rejected],
            AgendaItemKind::Document => &[O::Noted, O::Approved, O::Deferred],
            AgendaItemKind::Other => &[O::Noted, O::Approved, O::Rejected, O::Deferred],
        }
    }
}

crate::stored_enum! {
    /// A country's attendance at a session.
    pub enum AttendanceStatus {
        Present = "present",
        Excused = "excused",
        Absent = "absent",
    }
}

/// A session's lifecycle: recorded as held once it has begun, or cancelled before any
/// decision is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingAction {
    Hold,
    Cancel,
}

impl Lifecycle for MeetingAction {
    type Status = MeetingStatus;
    const ALL: &'static [MeetingAction] = &[MeetingAction::Hold, MeetingAction::Cancel];

    fn name(self) -> &'static str {
        match self {
            MeetingAction::Hold => "hold",
            MeetingAction::Cancel => "cancel",
        }
    }

    fn event(self) -> &'static str {
        match self {
            MeetingAction::Hold => "held",
            MeetingAction::Cancel => "cancelled",
        }
    }

    fn from(self) -> &'static [MeetingStatus] {
        &[MeetingStatus::Scheduled]
    }

    fn to(self) -> MeetingStatus {
        match self {
            MeetingAction::Hold => MeetingStatus::Held,
            MeetingAction::Cancel => MeetingStatus::Cancelled,
        }
    }

    fn status_name(status: MeetingStatus) -> &'static str {
        status.as_str()
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::list_meetings)
        .service(routes::create_meeting)
        .service(routes::get_meeting)
        .service(routes::patch_meeting)
        .service(actions::hold_meeting)
        .service(actions::cancel_meeting)
        .service(agenda::list_items)
        .service(agenda::list_decisions)
        .service(agenda::add_item)
        .service(agenda::delete_item)
        .service(agenda::record_decision)
        .service(agenda::put_attendance)
        .service(calendar::calendar);
}
