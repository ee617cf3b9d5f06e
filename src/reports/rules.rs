//! The report's state machine and the recommendation's follow-up states. No I/O.

use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
pub use crate::statuses::{
    Assessment, AssessmentState, ExpertRole, FollowupStatus, ReportKindOut, ReportStatus,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    Submit,
    Return,
    Adopt,
    Publish,
}

impl Lifecycle for ReportAction {
    type Status = ReportStatus;
    const ALL: &'static [ReportAction] = &[
        ReportAction::Submit,
        ReportAction::Return,
        ReportAction::Adopt,
        ReportAction::Publish,
    ];

    fn event(self) -> &'static str {
        match self {
            ReportAction::Submit => "submitted",
            ReportAction::Return => "returned",
            ReportAction::Adopt => "adopted",
            ReportAction::Publish => "published",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ReportAction::Submit => "submit",
            ReportAction::Return => "return",
            ReportAction::Adopt => "adopt",
            ReportAction::Publish => "publish",
        }
    }

    fn from(self) -> &'static [ReportStatus] {
        match self {
            ReportAction::Submit => &[ReportStatus::Draft],
            ReportAction::Return | ReportAction::Adopt => &[ReportStatus::UnderReview],
            ReportAction::Publish => &[ReportStatus::Adopted],
        }
    }

    fn to(self) -> ReportStatus {
        match self {
            ReportAction::Submit => ReportStatus::UnderReview,
            ReportAction::Return => ReportStatus::Draft,
            ReportAction::Adopt => ReportStatus::Adopted,
            ReportAction::Publish => ReportStatus::Published,
        }
    }

    fn status_name(status: ReportStatus) -> &'static str {
        status.as_str()
    }
}

/// 409 for a write to an adopted or published report.
pub fn check_not_frozen(status: ReportStatus) -> Result<(), ApiError> {
    if status.frozen() {
        Err(ApiError::conflict(
            "report-frozen",
            format!("the report is {} and can no longer change", status.as_str()),
            vec![],
        ))
    } else {
        Ok(())
    }
}

/// Minutes during which the author may still edit a comment.
pub const COMMENT_EDIT_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::transition;

    #[test]
    fn report_transitions() {
        use ReportAction as A;
        use ReportStatus as S;
        for s in S::ALL {
            for &a in A::ALL {
                let legal = matches!(
                    (s, a),
                    (S::Draft, A::Submit)
                        | (S::UnderReview, A::Return)
                        | (S::UnderReview, A::Adopt)
                        | (S::Adopted, A::Publish)
                );
                assert_eq!(transition(s, a).is_ok(), legal, "{s:?} {a:?}");
            }
        }
        assert!(S::Adopted.frozen() && S::Published.frozen());
        assert!(!S::UnderReview.frozen());
    }
}
