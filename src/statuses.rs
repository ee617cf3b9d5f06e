//! The statuses of the mechanism's lifecycles and the kinds they depend on: the vocabulary
//! every slice shares. A slice reads another's status through these types without importing
//! that slice, so that slices depend on each other one way only. Each is stored as text
//! (`stored_enum!`) and serialised on the wire by its snake_case name; each lifecycle's
//! transitions are declared on its action enum, in its slice (the `lifecycle` module).

crate::stored_enum! {
    /// Where an experience stands. `published` and `archived` describe the public version; a
    /// published experience being edited is `draft` (then `in_review`) again while the public keeps
    /// reading its latest published version.
    pub enum ExperienceStatus {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        Archived = "archived",
    }
}

crate::stored_enum! {
    pub enum RoundStatus {
        Planned = "planned",
        Open = "open",
        InReview = "in_review",
        Concluded = "concluded",
        Cancelled = "cancelled",
    }
}

impl RoundStatus {
    /// Nothing about the round may change any more.
    pub fn is_final(self) -> bool {
        matches!(self, RoundStatus::Concluded | RoundStatus::Cancelled)
    }
}

crate::stored_enum! {
    /// Lifecycle of a questionnaire version.
    pub enum QuestionnaireStatus {
        Draft = "draft",
        Published = "published",
        Retired = "retired",
    }
}

crate::stored_enum! {
    pub enum ResponseStatus {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Accepted = "accepted",
    }
}

impl ResponseStatus {
    /// Answers may be saved.
    pub fn editable(self) -> bool {
        matches!(self, ResponseStatus::Draft | ResponseStatus::Returned)
    }
}

crate::stored_enum! {
    pub enum ReportKindOut {
        Country = "country",
        Hemispheric = "hemispheric",
        /// A country's follow-up of its earlier rounds' recommendations, in a later round.
        FollowUp = "follow_up",
    }
}

impl ReportKindOut {
    /// About one country, read and drafted as its country report is.
    pub fn is_about_a_country(self) -> bool {
        matches!(self, ReportKindOut::Country | ReportKindOut::FollowUp)
    }
}

crate::stored_enum! {
    pub enum ReportStatus {
        Draft = "draft",
        UnderReview = "under_review",
        Adopted = "adopted",
        Published = "published",
    }
}

impl ReportStatus {
    /// Adopted reports are frozen: text, recommendations and comments no longer change.
    pub fn frozen(self) -> bool {
        matches!(self, ReportStatus::Adopted | ReportStatus::Published)
    }
}

crate::stored_enum! {
    /// Implementation status of a recommendation, as the reviewed country reports it.
    pub enum FollowupStatus {
        Pending = "pending",
        InProgress = "in_progress",
        Implemented = "implemented",
        NotApplicable = "not_applicable",
    }
}

crate::stored_enum! {
    /// The assessment of a follow-up declaration by the report's assigned experts or the
    /// secretariat.
    pub enum Assessment {
        Accepted = "accepted",
        MoreInformationNeeded = "more_information_needed",
        NotAccepted = "not_accepted",
    }
}

crate::stored_enum! {
    /// Where a recommendation's latest follow-up declaration stands: `awaiting` an assessment,
    /// or assessed.
    pub enum AssessmentState {
        Awaiting = "awaiting",
        Accepted = "accepted",
        MoreInformationNeeded = "more_information_needed",
        NotAccepted = "not_accepted",
    }
}

impl From<Assessment> for AssessmentState {
    fn from(a: Assessment) -> Self {
        match a {
            Assessment::Accepted => AssessmentState::Accepted,
            Assessment::MoreInformationNeeded => AssessmentState::MoreInformationNeeded,
            Assessment::NotAccepted => AssessmentState::NotAccepted,
        }
    }
}

crate::stored_enum! {
    /// An individual expert's part in a country report's review.
    pub enum ExpertRole {
        Lead = "lead",
        Second = "second",
        Substitute = "substitute",
    }
}

crate::stored_enum! {
    /// Where a civil-society input stands: registered, then screened by the secretariat.
    pub enum CivilSocietyStatus {
        Submitted = "submitted",
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

crate::stored_enum! {
    /// Where a session stands: `scheduled` until the secretariat records it as `held`, or
    /// `cancelled`.
    pub enum MeetingStatus {
        Scheduled = "scheduled",
        Held = "held",
        Cancelled = "cancelled",
    }
}

crate::stored_enum! {
    /// Where a country's cooperation need stands: `open` is on the public board, `in_cooperation`
    /// while an agreed cooperation serves it, `met` once one completes (or it is closed with a note).
    pub enum NeedStatus {
        Draft = "draft",
        Open = "open",
        InCooperation = "in_cooperation",
        Met = "met",
        Withdrawn = "withdrawn",
    }
}

crate::stored_enum! {
    /// Where an offer of cooperation stands.
    pub enum OfferStatus {
        Draft = "draft",
        Open = "open",
        Closed = "closed",
    }
}

crate::stored_enum! {
    /// Where a cooperation stands: `proposed` until both sides agree, then `agreed`,
    /// `in_progress` and `completed` with an outcome, or `cancelled`.
    pub enum CooperationStatus {
        Proposed = "proposed",
        Agreed = "agreed",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

crate::stored_enum! {
    /// The two sides of a cooperation: the country with the need, and its provider.
    pub enum Side {
        Requester = "requester",
        Provider = "provider",
    }
}

impl CooperationStatus {
    /// Agreed by both sides and not over: it holds its need `in_cooperation`.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            CooperationStatus::Agreed | CooperationStatus::InProgress
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_agree<T: serde::Serialize + Copy>(all: &[T], name: impl Fn(T) -> &'static str) {
        for &v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                name(v),
                "wire and stored names"
            );
        }
    }

    #[test]
    fn every_stored_name_is_the_wire_name() {
        names_agree(&ExperienceStatus::ALL, ExperienceStatus::as_str);
        names_agree(&RoundStatus::ALL, RoundStatus::as_str);
        names_agree(&QuestionnaireStatus::ALL, QuestionnaireStatus::as_str);
        names_agree(&ResponseStatus::ALL, ResponseStatus::as_str);
        names_agree(&ReportKindOut::ALL, ReportKindOut::as_str);
        names_agree(&ReportStatus::ALL, ReportStatus::as_str);
        names_agree(&FollowupStatus::ALL, FollowupStatus::as_str);
        names_agree(&Assessment::ALL, Assessment::as_str);
        names_agree(&AssessmentState::ALL, AssessmentState::as_str);
        names_agree(&ExpertRole::ALL, ExpertRole::as_str);
        names_agree(&CivilSocietyStatus::ALL, CivilSocietyStatus::as_str);
        names_agree(&NeedStatus::ALL, NeedStatus::as_str);
        names_agree(&MeetingStatus::ALL, MeetingStatus::as_str);
        use crate::meetings::{AgendaItemKind, AttendanceStatus, DecisionOutcome, MeetingBody};
        names_agree(&MeetingBody::ALL, MeetingBody::as_str);
        names_agree(
            &crate::meetings::MeetingMode::ALL,
            crate::meetings::MeetingMode::as_str,
        );
        names_agree(&AgendaItemKind::ALL, AgendaItemKind::as_str);
        names_agree(&DecisionOutcome::ALL, DecisionOutcome::as_str);
        names_agree(&AttendanceStatus::ALL, AttendanceStatus::as_str);
        names_agree(&OfferStatus::ALL, OfferStatus::as_str);
        names_agree(&CooperationStatus::ALL, CooperationStatus::as_str);
        use crate::{auth, countries, experiences, questionnaires, rounds};
        names_agree(&auth::Role::ALL, auth::Role::as_str);
        names_agree(
            &countries::model::Subregion::ALL,
            countries::model::Subregion::as_str,
        );
        names_agree(
            &countries::model::Membership::ALL,
            countries::model::Membership::as_str,
        );
        names_agree(
            &rounds::rules::ResponsePublication::ALL,
            rounds::rules::ResponsePublication::as_str,
        );
        names_agree(
            &experiences::rules::LegalKind::ALL,
            experiences::rules::LegalKind::as_str,
        );
        names_agree(
            &questionnaires::model::Kind::ALL,
            questionnaires::model::Kind::as_str,
        );
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RoundStatus::parse("Planned"), None);
    }
}
