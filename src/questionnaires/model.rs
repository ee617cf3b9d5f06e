//! The questionnaire document as stored (JSON) and its rows.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::questionnaires;
use crate::http::lang::I18n;
pub use crate::statuses::QuestionnaireStatus;

crate::stored_enum! {
    /// The type of a question, which decides what an answer may be.
    pub enum Kind {
        /// One line of text (`max_length`, default 1000).
        Text = "text",
        /// Paragraphs (`max_length`, default 100000).
        LongText = "long_text",
        /// A whole number (`min`, `max`).
        Integer = "integer",
        /// A number (`min`, `max`).
        Decimal = "decimal",
        Boolean = "boolean",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// One of `options`.
        SingleChoice = "single_choice",
        /// Several of `options`.
        MultiChoice = "multi_choice",
        /// An absolute http(s) URL.
        Url = "url",
    }
}

crate::stored_enum! {
    /// Whether a question takes files as evidence of its answer (attachments of type `answer`).
    #[derive(Default)]
    pub enum Evidence {
        /// No files.
        None = "none",
        /// Files may be attached.
        #[default]
        Optional = "optional",
        /// An answer cannot be submitted without at least one file.
        Required = "required",
    }
}

impl Kind {
    pub fn is_choice(self) -> bool {
        matches!(self, Kind::SingleChoice | Kind::MultiChoice)
    }

    pub fn is_number(self) -> bool {
        matches!(self, Kind::Integer | Kind::Decimal)
    }

    pub fn is_text(self) -> bool {
        matches!(self, Kind::Text | Kind::LongText)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChoiceOption {
    pub value: String,
    pub label: I18n,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Question {
    pub code: String,
    pub prompt: I18n,
    #[serde(default)]
    pub help: I18n,
    pub kind: Kind,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub thematic_area: Option<String>,
    #[serde(default)]
    pub evidence: Evidence,
    /// The earlier recommendation a follow-up question asks about (in a country's section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Section {
    pub code: String,
    pub title: I18n,
    pub questions: Vec<Question>,
    /// Asked of this country only (a follow-up section); `None`: of every participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A whole questionnaire version.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Document {
    pub title: I18n,
    #[serde(default)]
    pub introduction: I18n,
    pub sections: Vec<Section>,
}

impl Document {
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    pub fn question_count(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.code == code)
    }

    /// The document as `country`'s response sees it: without the sections asked of other
    /// countries. `None` when every section is asked of everyone (nothing to take out).
    pub fn for_country(&self, country: &str) -> Option<Document> {
        let other = |s: &Section| s.country.as_deref().is_some_and(|c| c != country);
        if !self.sections.iter().any(other) {
            return None;
        }
        Some(Document {
            title: self.title.clone(),
            introduction: self.introduction.clone(),
            sections: self
                .sections
                .iter()
                .filter(|s| !other(s))
                .cloned()
                .collect(),
        })
    }

    /// Every question by code: for looking many up (a whole questionnaire's answers).
    pub fn index(&self) -> std::collections::HashMap<&str, &Question> {
        self.questions()
            .map(|(_, q)| (q.code.as_str(), q))
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = questionnaires)]
pub struct QuestionnaireRow {
    pub id: i64,
    pub round_id: i64,
    pub version: i32,
    pub status: QuestionnaireStatus,
    pub language: String,
    pub document: String,
    pub revision: i32,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl QuestionnaireRow {
    /// The document; one that does not parse is an error (see [`crate::db::stored_json`]).
    pub fn doc(&self) -> crate::error::ApiResult<Document> {
        crate::db::stored_json(
            format_args!("document of questionnaire {}", self.id),
            &self.document,
        )
    }

    /// The document, parsed once per version and shared: every save of answers checks them
    /// against it, and parsing a 300-question document cost more than the checks (thousands
    /// of small allocations freed again at once).
    pub fn shared_doc(&self) -> crate::error::ApiResult<Arc<Document>> {
        let key = (self.id, self.revision);
        let mut kept = PARSED.lock().unwrap_or_else(|e| e.into_inner());
        // One process may serve several databases (the tests do): the same id and revision
        // count as the same version only when the text is the same too.
        if let Some((text, doc)) = kept.docs.get(&key) {
            if *text == self.document {
                return Ok(doc.clone());
            }
        }
        drop(kept);
        let doc = Arc::new(self.doc()?);
        let size = self.document.len();
        if size <= PARSED_TEXT_BUDGET / 4 {
            kept = PARSED.lock().unwrap_or_else(|e| e.into_inner());
            if kept.text_bytes + size > PARSED_TEXT_BUDGET {
                *kept = Parsed::default();
            }
            kept.text_bytes += size;
            if let Some((old, _)) = kept.docs.insert(key, (self.document.clone(), doc.clone())) {
                kept.text_bytes -= old.len();
            }
        }
        Ok(doc)
    }
}

/// Parsed versions kept, by their documents' total length: the current versions of the open
/// rounds fit many times over (a 300-question document is ~30 KiB of text), and a parsed
/// document takes a few times its text, so this stays within a few MiB.
const PARSED_TEXT_BUDGET: usize = 1024 * 1024;

#[derive(Default)]
struct Parsed {
    docs: HashMap<(i64, i32), (String, Arc<Document>)>,
    text_bytes: usize,
}

static PARSED: LazyLock<Mutex<Parsed>> = LazyLock::new(Mutex::default);

/// What may happen to a questionnaire version: a draft is published (retiring the version it
/// replaces, which is the system's own step, not an action); a published version is copied
/// into the next draft (`new-version`), which leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionnaireAction {
    Publish,
    NewVersion,
}

impl crate::lifecycle::Lifecycle for QuestionnaireAction {
    type Status = QuestionnaireStatus;
    const ALL: &'static [QuestionnaireAction] = &[
        QuestionnaireAction::Publish,
        QuestionnaireAction::NewVersion,
    ];

    fn event(self) -> &'static str {
        match self {
            QuestionnaireAction::Publish => "published",
            QuestionnaireAction::NewVersion => "new_version",
        }
    }

    fn name(self) -> &'static str {
        match self {
            QuestionnaireAction::Publish => "publish",
            QuestionnaireAction::NewVersion => "new-version",
        }
    }

    fn from(self) -> &'static [QuestionnaireStatus] {
        match self {
            QuestionnaireAction::Publish => &[QuestionnaireStatus::Draft],
            QuestionnaireAction::NewVersion => &[QuestionnaireStatus::Published],
        }
    }

    fn to(self) -> QuestionnaireStatus {
        QuestionnaireStatus::Published
    }

    fn status_name(status: QuestionnaireStatus) -> &'static str {
        status.as_str()
    }
}

impl crate::lifecycle::Subject<QuestionnaireAction> for QuestionnaireRow {
    fn standing(&self) -> crate::lifecycle::Standing<QuestionnaireStatus> {
        crate::lifecycle::Standing {
            status: self.status,
            revision: self.revision,
        }
    }

    fn scope(&self) -> crate::events::Scope {
        let scope = match self.status {
            QuestionnaireStatus::Draft => {
                crate::events::Scope::new(crate::events::Audience::Secretariat, None)
            }
            QuestionnaireStatus::Published | QuestionnaireStatus::Retired => {
                crate::events::Scope::public(None)
            }
        };
        scope.in_round(self.round_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, revision: i32, title: &str) -> QuestionnaireRow {
        let now = chrono::DateTime::UNIX_EPOCH.naive_utc();
        QuestionnaireRow {
            id,
            round_id: 1,
            version: 1,
            status: QuestionnaireStatus::Published,
            language: "en".into(),
            document: serde_json::json!({"title": {"en": title}, "sections": []}).to_string(),
            revision,
            published_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn title(doc: &Document) -> String {
        serde_json::to_value(&doc.title).unwrap()["en"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_parsed_document_is_shared_only_for_the_same_text() {
        let a = row(-7, 1, "A");
        let first = a.shared_doc().unwrap();
        assert!(Arc::ptr_eq(&first, &a.shared_doc().unwrap()), "parsed once");
        assert_eq!(title(&first), "A");
        let other_database = row(-7, 1, "B");
        assert_eq!(title(&other_database.shared_doc().unwrap()), "B");
        assert_eq!(title(&row(-7, 2, "C").shared_doc().unwrap()), "C");
    }
}
