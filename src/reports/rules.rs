//! The report's state machine and the recommendation's follow-up states. No I/O.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::lifecycle::Lifecycle;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ReportKindOut {
    Country,
    Hemispheric,
}

crate::text_enum!(ReportKindOut);

impl ReportKindOut {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKindOut::Country => "country",
            ReportKindOut::Hemispheric => "hemispheric",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Country, Self::Hemispheric]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    UnderReview,
    Adopted,
    Published,
}

crate::text_enum!(ReportStatus);

impl ReportStatus {
    pub const ALL: [ReportStatus; 4] = [
        ReportStatus::Draft,
        ReportStatus::UnderReview,
        ReportStatus::Adopted,
        ReportStatus::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::UnderReview => "under_review",
            ReportStatus::Adopted => "adopted",
            ReportStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Adopted reports are frozen: text, recommendations and comments no longer change.
    pub fn frozen(self) -> bool {
        matches!(self, ReportStatus::Adopted | ReportStatus::Published)
    }
}

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

/// Implementation status of a recommendation, as the reviewed country reports it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum FollowupStatus {
    Pending,
    InProgress,
    Implemented,
    NotApplicable,
}

crate::text_enum!(FollowupStatus);

impl FollowupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowupStatus::Pending => "pending",
            FollowupStatus::InProgress => "in_progress",
            FollowupStatus::Implemented => "implemented",
            FollowupStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::InProgress,
            Self::Implemented,
            Self::NotApplicable,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

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
