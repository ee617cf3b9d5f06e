//! The experience's state machine, its document and the checks on what clients send. No I/O.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::http::lang::{I18n, Lang, TextIn};
use crate::http::validate::Checks;
use crate::lifecycle::Lifecycle;
pub use crate::statuses::ExperienceStatus;

pub const MAX_TITLE: usize = 300;
pub const MAX_SECTION: usize = 100_000;
pub const MAX_INSTITUTIONS: usize = 100;
pub const MAX_INSTRUMENTS: usize = 200;
pub const MAX_TAGS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperienceAction {
    Submit,
    Return,
    Publish,
    Archive,
}

impl Lifecycle for ExperienceAction {
    type Status = ExperienceStatus;
    const ALL: &'static [ExperienceAction] = &[
        ExperienceAction::Submit,
        ExperienceAction::Return,
        ExperienceAction::Publish,
        ExperienceAction::Archive,
    ];

    fn event(self) -> &'static str {
        match self {
            ExperienceAction::Submit => "submitted",
            ExperienceAction::Return => "returned",
            ExperienceAction::Publish => "published",
            ExperienceAction::Archive => "archived",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ExperienceAction::Submit => "submit",
            ExperienceAction::Return => "return",
            ExperienceAction::Publish => "publish",
            ExperienceAction::Archive => "archive",
        }
    }

    fn from(self) -> &'static [ExperienceStatus] {
        match self {
            ExperienceAction::Submit => &[ExperienceStatus::Draft],
            ExperienceAction::Return | ExperienceAction::Publish => &[ExperienceStatus::InReview],
            ExperienceAction::Archive => &[ExperienceStatus::Published],
        }
    }

    fn to(self) -> ExperienceStatus {
        match self {
            ExperienceAction::Submit => ExperienceStatus::InReview,
            ExperienceAction::Return => ExperienceStatus::Draft,
            ExperienceAction::Publish => ExperienceStatus::Published,
            ExperienceAction::Archive => ExperienceStatus::Archived,
        }
    }

    fn status_name(status: ExperienceStatus) -> &'static str {
        status.as_str()
    }
}

/// Whether the working document may be written: drafts, and published experiences (the write
/// starts a new working copy). Under review it waits for the secretariat; archived is final.
pub fn check_editable(status: ExperienceStatus) -> Result<(), ApiError> {
    match status {
        ExperienceStatus::Draft | ExperienceStatus::Published => Ok(()),
        ExperienceStatus::InReview => Err(ApiError::conflict(
            "not-editable",
            "the experience is in review: the secretariat returns it before it can change",
            vec![],
        )),
        ExperienceStatus::Archived => Err(ApiError::conflict(
            "not-editable",
            "the experience is archived and can no longer change",
            vec![],
        )),
    }
}

crate::stored_enum! {
    /// Kinds of legal instruments in a legal framework.
    pub enum LegalKind {
        Constitution = "constitution",
        Law = "law",
        Decree = "decree",
        Regulation = "regulation",
        Policy = "policy",
        Other = "other",
    }
}

/// An institution responsible for the area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Institution {
    #[schema(example = "Dirección de Presupuestos")]
    pub name: String,
    #[schema(example = "DIPRES")]
    pub acronym: Option<String>,
    /// What it does in this area.
    pub role: Option<String>,
    #[schema(example = "https://www.dipres.gob.cl")]
    pub website: Option<String>,
}

/// One instrument of the legal framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LegalInstrument {
    pub title: String,
    pub kind: LegalKind,
    #[schema(example = "1263")]
    pub number: Option<String>,
    #[schema(example = 1975)]
    pub year: Option<i32>,
    pub url: Option<String>,
}

/// The content of an experience: what a published version freezes and every read renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub snapshot_date: NaiveDate,
    pub title: I18n,
    pub introduction: I18n,
    pub institutions: Vec<Institution>,
    pub strategies: I18n,
    pub legal_framework: Vec<LegalInstrument>,
    pub tags: Vec<String>,
}

impl Document {
    /// Languages with a title: those the experience is available in.
    pub fn languages(&self) -> Vec<Lang> {
        self.title.keys().copied().collect()
    }
}

/// An institution as clients send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionIn {
    #[schema(max_length = 300)]
    pub name: String,
    pub acronym: Option<String>,
    pub role: Option<String>,
    pub website: Option<String>,
}

/// A legal instrument as clients send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalInstrumentIn {
    #[schema(max_length = 500)]
    pub title: String,
    /// constitution, law, decree, regulation, policy or other.
    #[schema(example = "law")]
    pub kind: String,
    pub number: Option<String>,
    /// 1800 to this year.
    pub year: Option<i64>,
    pub url: Option<String>,
}

fn optional(
    checks: &mut Checks,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<String> {
    value
        .as_deref()
        .map(|v| checks.text(field, v, 0, max))
        .filter(|v| !v.is_empty())
}

pub fn institutions(checks: &mut Checks, items: &[InstitutionIn]) -> Vec<Institution> {
    if items.len() > MAX_INSTITUTIONS {
        checks.add(
            "institutions",
            "too_many",
            format!("at most {MAX_INSTITUTIONS} institutions"),
        );
    }
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let f = |name: &str| format!("institutions[{i}].{name}");
            Institution {
                name: checks.text(&f("name"), &it.name, 1, 300),
                acronym: optional(checks, &f("acronym"), &it.acronym, 50),
                role: optional(checks, &f("role"), &it.role, 2000),
                website: it
                    .website
                    .as_deref()
                    .filter(|w| !w.trim().is_empty())
                    .map(|w| checks.url(&f("website"), w)),
            }
        })
        .collect()
}

pub fn legal_framework(
    checks: &mut Checks,
    items: &[LegalInstrumentIn],
    today: NaiveDate,
) -> Vec<LegalInstrument> {
    if items.len() > MAX_INSTRUMENTS {
        checks.add(
            "legal_framework",
            "too_many",
            format!("at most {MAX_INSTRUMENTS} legal instruments"),
        );
    }
    let this_year = today.year();
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let f = |name: &str| format!("legal_framework[{i}].{name}");
            let kind = checks
                .one_of(
                    &f("kind"),
                    it.kind.trim(),
                    LegalKind::parse,
                    "constitution, law, decree, regulation, policy, other",
                )
                .unwrap_or(LegalKind::Other);
            if let Some(y) = it.year {
                if !(1800..=i64::from(this_year)).contains(&y) {
                    checks.add(
                        &f("year"),
                        "range",
                        format!("must be from 1800 to {this_year}"),
                    );
                }
            }
            LegalInstrument {
                title: checks.text(&f("title"), &it.title, 1, 500),
                kind,
                number: optional(checks, &f("number"), &it.number, 100),
                year: it.year.and_then(|y| i32::try_from(y).ok()),
                url: it
                    .url
                    .as_deref()
                    .filter(|w| !w.trim().is_empty())
                    .map(|w| checks.url(&f("url"), w)),
            }
        })
        .collect()
}

/// Tags: lower-case words and dashes, up to 50 characters, no repeats.
pub fn tags(checks: &mut Checks, items: &[String]) -> Vec<String> {
    if items.len() > MAX_TAGS {
        checks.add("tags", "too_many", format!("at most {MAX_TAGS} tags"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let tag = raw.trim().to_lowercase();
        if !is_tag(&tag) {
            checks.add(
                &format!("tags[{i}]"),
                "format",
                "a tag is 1 to 50 lower-case letters, digits or dashes",
            );
        } else if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

pub fn is_tag(tag: &str) -> bool {
    let n = tag.chars().count();
    (1..=50).contains(&n)
        && tag.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !tag.starts_with('-')
        && tag.chars().all(|c| !c.is_uppercase())
}

/// The date the information describes: `YYYY-MM-DD`, not in the future.
pub fn snapshot_date(checks: &mut Checks, raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    match checks.date("snapshot_date", raw) {
        Some(d) if d > today => {
            checks.add(
                "snapshot_date",
                "future",
                "the date the information describes cannot be in the future",
            );
            None
        }
        Some(d) if d.year() < 1800 => {
            checks.add("snapshot_date", "range", "must be 1800 or later");
            None
        }
        other => other,
    }
}

/// A translatable section (`field`) as sent; `lang` is the language plain strings are in.
pub fn texts(checks: &mut Checks, field: &str, value: &TextIn, lang: Lang, max: usize) -> I18n {
    value.to_i18n(checks, field, lang, false, max)
}

/// A document needs its title, introduction and strategies in its original language.
pub fn check_complete(checks: &mut Checks, doc: &Document, original: Lang) {
    for (field, texts) in [
        ("title", &doc.title),
        ("introduction", &doc.introduction),
        ("strategies", &doc.strategies),
    ] {
        if !texts.contains_key(&original) {
            checks.add(
                field,
                "required",
                format!("must have a text in the experience's language ({original})"),
            );
        }
    }
}

/// What submitting for review needs beyond a valid document: every section of the Guide.
pub fn check_submittable(checks: &mut Checks, doc: &Document) {
    if doc.institutions.is_empty() {
        checks.add(
            "institutions",
            "required",
            "name at least one institution responsible before review",
        );
    }
    if doc.legal_framework.is_empty() {
        checks.add(
            "legal_framework",
            "required",
            "name at least one instrument of the legal framework before review",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{allowed, transition};

    #[test]
    fn every_status_allows_only_its_actions() {
        use ExperienceAction as A;
        use ExperienceStatus as S;
        for s in S::ALL {
            for &a in A::ALL {
                let legal = matches!(
                    (s, a),
                    (S::Draft, A::Submit)
                        | (S::InReview, A::Return)
                        | (S::InReview, A::Publish)
                        | (S::Published, A::Archive)
                );
                assert_eq!(transition(s, a).is_ok(), legal, "{s:?} {a:?}");
            }
        }
        assert_eq!(allowed::<A>(S::InReview), vec!["return", "publish"]);
        assert!(allowed::<A>(S::Archived).is_empty());
    }

    #[test]
    fn tags_are_lower_case_words_and_dashes() {
        assert!(is_tag("merit-based"));
        assert!(is_tag("presupuesto-público"));
        assert!(!is_tag("Two Words"));
        assert!(!is_tag("-lead"));
        assert!(!is_tag(""));
        assert!(!is_tag(&"x".repeat(51)));
    }
}
