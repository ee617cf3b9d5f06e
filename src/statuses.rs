//! The statuses of the mechanism's lifecycles and the kinds they depend on: the vocabulary
//! every slice shares. A slice reads another's status through these types without importing
//! that slice, so that slices depend on each other one way only. Each is stored as text
//! (`crate::text_enum!`) and serialised on the wire by its snake_case name; each lifecycle's
//! transitions are declared on its action enum, in its slice (`crate::lifecycle`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an experience stands. `published` and `archived` describe the public version; a
/// published experience being edited is `draft` (then `in_review`) again while the public keeps
/// reading its latest published version.
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
pub enum ExperienceStatus {
    Draft,
    InReview,
    Published,
    Archived,
}

crate::text_enum!(ExperienceStatus);

impl ExperienceStatus {
    pub const ALL: [ExperienceStatus; 4] = [
        ExperienceStatus::Draft,
        ExperienceStatus::InReview,
        ExperienceStatus::Published,
        ExperienceStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExperienceStatus::Draft => "draft",
            ExperienceStatus::InReview => "in_review",
            ExperienceStatus::Published => "published",
            ExperienceStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
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
pub enum RoundStatus {
    Planned,
    Open,
    InReview,
    Concluded,
    Cancelled,
}

crate::text_enum!(RoundStatus);

impl RoundStatus {
    pub const ALL: [RoundStatus; 5] = [
        RoundStatus::Planned,
        RoundStatus::Open,
        RoundStatus::InReview,
        RoundStatus::Concluded,
        RoundStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Planned => "planned",
            RoundStatus::Open => "open",
            RoundStatus::InReview => "in_review",
            RoundStatus::Concluded => "concluded",
            RoundStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<RoundStatus> {
        RoundStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Nothing about the round may change any more.
    pub fn is_final(self) -> bool {
        matches!(self, RoundStatus::Concluded | RoundStatus::Cancelled)
    }
}

/// Lifecycle of a questionnaire version.
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
pub enum QuestionnaireStatus {
    Draft,
    Published,
    Retired,
}

crate::text_enum!(QuestionnaireStatus);

impl QuestionnaireStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionnaireStatus::Draft => "draft",
            QuestionnaireStatus::Published => "published",
            QuestionnaireStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::Retired]
            .into_iter()
            .find(|v| v.as_str() == s)
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
pub enum ResponseStatus {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

crate::text_enum!(ResponseStatus);

impl ResponseStatus {
    pub const ALL: [ResponseStatus; 4] = [
        ResponseStatus::Draft,
        ResponseStatus::Submitted,
        ResponseStatus::Returned,
        ResponseStatus::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::Draft => "draft",
            ResponseStatus::Submitted => "submitted",
            ResponseStatus::Returned => "returned",
            ResponseStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Answers may be saved.
    pub fn editable(self) -> bool {
        matches!(self, ResponseStatus::Draft | ResponseStatus::Returned)
    }

    pub fn policy_state(self) -> crate::auth::policy::ResponseState {
        use crate::auth::policy::ResponseState as S;
        match self {
            ResponseStatus::Draft => S::Draft,
            ResponseStatus::Submitted => S::Submitted,
            ResponseStatus::Returned => S::Returned,
            ResponseStatus::Accepted => S::Accepted,
        }
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
