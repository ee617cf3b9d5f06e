//! The library's kinds and a version's lifecycle: `draft → published → superseded`.

use crate::lifecycle::Lifecycle;

crate::stored_enum! {
    /// What a library document is.
    pub enum DocumentKind {
        TermsOfReference = "terms_of_reference",
        Methodology = "methodology",
        Regulations = "regulations",
        ConceptPaper = "concept_paper",
        QuestionnaireTemplate = "questionnaire_template",
        CountryReport = "country_report",
        HemisphericReport = "hemispheric_report",
        Study = "study",
        AnalyticalFramework = "analytical_framework",
        MeetingMinutes = "meeting_minutes",
        Other = "other",
    }
}

crate::stored_enum! {
    /// Where a version stands: a `draft` the secretariat prepares, `published` for everyone,
    /// `superseded` once a newer version is published (or withdrawn as out of date); a
    /// superseded version stays readable at its number.
    pub enum DocumentStatus {
        Draft = "draft",
        Published = "published",
        Superseded = "superseded",
    }
}

/// What the secretariat does to a document's latest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentAction {
    Publish,
    Supersede,
}

impl Lifecycle for DocumentAction {
    type Status = DocumentStatus;
    const ALL: &'static [DocumentAction] = &[DocumentAction::Publish, DocumentAction::Supersede];

    fn name(self) -> &'static str {
        match self {
            DocumentAction::Publish => "publish",
            DocumentAction::Supersede => "supersede",
        }
    }

    fn event(self) -> &'static str {
        match self {
            DocumentAction::Publish => "published",
            DocumentAction::Supersede => "superseded",
        }
    }

    fn from(self) -> &'static [DocumentStatus] {
        match self {
            DocumentAction::Publish => &[DocumentStatus::Draft],
            DocumentAction::Supersede => &[DocumentStatus::Published],
        }
    }

    fn to(self) -> DocumentStatus {
        match self {
            DocumentAction::Publish => DocumentStatus::Published,
            DocumentAction::Supersede => DocumentStatus::Superseded,
        }
    }

    fn status_name(status: DocumentStatus) -> &'static str {
        status.as_str()
    }
}

/// Longest title and summary, in characters.
pub const MAX_TITLE: usize = 500;
pub const MAX_SUMMARY: usize = 20_000;
/// Most thematic areas and rounds one document names.
pub const MAX_LINKS: usize = 50;

/// A document file's slot among attachments: its version and language.
pub fn slot(version: i32, lang: crate::http::lang::Lang) -> String {
    format!("{version}:{}", lang.code())
}

/// The version and language a slot names.
pub fn parse_slot(slot: &str) -> Option<(i32, crate::http::lang::Lang)> {
    let (v, l) = slot.split_once(':')?;
    Some((v.parse().ok()?, crate::http::lang::Lang::parse_code(l)?))
}
