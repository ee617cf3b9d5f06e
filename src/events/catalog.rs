//! Every event type the mechanism emits: what `types=` filters and webhook subscriptions name.

/// The event types, grouped by entity. A filter names a type or every type of an entity
/// (`response.*`).
pub const EVENT_TYPES: &[&str] = &[
    "experience.submitted",
    "experience.returned",
    "experience.published",
    "experience.archived",
    "round.opened",
    "round.in_review",
    "round.concluded",
    "round.cancelled",
    "round.participant_added",
    "round.participant_removed",
    "round.extension_granted",
    "questionnaire.published",
    "questionnaire.new_version",
    "response.created",
    "response.submitted",
    "response.returned",
    "response.accepted",
    "response.due_soon",
    "response.overdue",
    "draw.made",
    "report.created",
    "report.submitted",
    "report.returned",
    "report.adopted",
    "report.published",
    "comment.created",
    "recommendation.created",
    "recommendation.followup_declared",
    "recommendation.followup_assessed",
    "civil_society_input.created",
    "civil_society_input.accepted",
    "civil_society_input.rejected",
    "civil_society_input.replied",
    "meeting.scheduled",
    "meeting.updated",
    "meeting.held",
    "meeting.cancelled",
    "meeting.agenda_changed",
    "meeting.decision_recorded",
    "meeting.attendance_recorded",
    "need.created",
    "need.opened",
    "need.withdrawn",
    "need.met",
    "need.in_cooperation",
    "need.reopened",
    "offer.created",
    "offer.opened",
    "offer.closed",
    "cooperation.proposed",
    "cooperation.updated",
    "cooperation.agreed",
    "cooperation.started",
    "cooperation.completed",
    "cooperation.cancelled",
    "webhook.disabled",
    "response.attachment_added",
    "response.attachment_removed",
    "experience.attachment_added",
    "experience.attachment_removed",
    "recommendation.attachment_added",
    "recommendation.attachment_removed",
    "report.attachment_added",
    "report.attachment_removed",
    "cooperation.attachment_added",
    "cooperation.attachment_removed",
    "need.attachment_added",
    "need.attachment_removed",
    "offer.attachment_added",
    "offer.attachment_removed",
    "document.created",
    "document.updated",
    "document.published",
    "document.superseded",
    "document.new_version",
];

/// Whether `event_type` is in the catalogue.
pub fn known(event_type: &str) -> bool {
    EVENT_TYPES.contains(&event_type)
}

/// A `types` filter entry: one type, or every type of an entity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypePattern {
    Exact(String),
    Entity(String),
}

impl TypePattern {
    /// Parses `response.returned` or `response.*`; `None` when it names nothing of the
    /// catalogue.
    pub fn parse(raw: &str) -> Option<TypePattern> {
        let raw = raw.trim();
        if let Some(entity) = raw.strip_suffix(".*") {
            let prefix = format!("{entity}.");
            EVENT_TYPES
                .iter()
                .any(|t| t.starts_with(&prefix))
                .then(|| TypePattern::Entity(entity.to_owned()))
        } else {
            known(raw).then(|| TypePattern::Exact(raw.to_owned()))
        }
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            TypePattern::Exact(t) => t == event_type,
            TypePattern::Entity(e) => event_type
                .strip_prefix(e.as_str())
                .is_some_and(|rest| rest.starts_with('.')),
        }
    }

    pub fn as_text(&self) -> String {
        match self {
            TypePattern::Exact(t) => t.clone(),
            TypePattern::Entity(e) => format!("{e}.*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_types_or_entities_of_the_catalogue() {
        let all = TypePattern::parse("response.*").unwrap();
        assert!(all.matches("response.returned"));
        assert!(!all.matches("responses.x"));
        assert!(!all.matches("report.adopted"));
        let one = TypePattern::parse("report.adopted").unwrap();
        assert!(one.matches("report.adopted"));
        assert!(!one.matches("report.published"));
        assert_eq!(TypePattern::parse("report.eaten"), None);
        assert_eq!(TypePattern::parse("nothing.*"), None);
        assert_eq!(all.as_text(), "response.*");
    }
}
