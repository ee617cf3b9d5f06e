//! What makes a valid questionnaire, and which answers survive a change of question between
//! versions. No I/O.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{ChoiceOption, Document, Kind, Question, QuestionnaireStatus, Section};
use crate::http::lang::{Lang, TextIn};
use crate::http::validate::Checks;

/// Most questions a questionnaire may hold.
pub const MAX_QUESTIONS: usize = 2000;
pub const MAX_SECTIONS: usize = 200;
pub const MAX_OPTIONS: usize = 200;

/// A choice as clients send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionIn {
    #[schema(example = "yes")]
    pub value: String,
    #[schema(example = json!({"en": "Yes", "es": "Sí"}))]
    pub label: TextIn,
}

/// A question as clients send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionIn {
    /// Stable code, unique in the questionnaire (letters, digits, `.`, `-`, `_`).
    #[schema(example = "B.2.1")]
    pub code: String,
    pub prompt: TextIn,
    pub help: Option<TextIn>,
    #[schema(value_type = Kind, example = "single_choice")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    /// For single_choice and multi_choice only.
    pub options: Option<Vec<OptionIn>>,
    /// For integer and decimal only.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// For text and long_text only.
    pub max_length: Option<u32>,
    /// Slug of the thematic area the question is about.
    pub thematic_area: Option<String>,
    /// Whether files may (`optional`, the default), must (`required`, checked at submission)
    /// or may not (`none`) be attached as evidence of the answer.
    pub evidence: Option<crate::questionnaires::model::Evidence>,
    /// The earlier recommendation a follow-up question asks about: one of its section's
    /// country (see `POST /questionnaires/{id}/follow-up`).
    pub recommendation: Option<i64>,
}

/// A section as clients send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionIn {
    #[schema(example = "B")]
    pub code: String,
    pub title: TextIn,
    pub questions: Vec<QuestionIn>,
    /// Asked of this participant only (alpha-3): a follow-up section.
    #[schema(example = json!(null))]
    pub country: Option<String>,
}

/// The whole structure of a questionnaire, as `POST` and `PUT` take it.
#[derive(Debug, Clone)]
pub struct DocumentIn<'a> {
    pub title: &'a TextIn,
    pub introduction: Option<&'a TextIn>,
    pub sections: &'a [SectionIn],
}

fn code_ok(code: &str, max: usize) -> bool {
    !code.is_empty()
        && code.len() <= max
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn option(checks: &mut Checks, path: &str, o: &OptionIn, lang: Lang) -> ChoiceOption {
    let value = o.value.trim().to_owned();
    if value.is_empty() || value.len() > 100 {
        checks.add(
            &format!("{path}.value"),
            "length",
            "must have 1 to 100 characters",
        );
    } else if value.contains(';') {
        // `;` joins several choices in exports.
        checks.add(&format!("{path}.value"), "invalid", "must not contain ';'");
    }
    ChoiceOption {
        value,
        label: o
            .label
            .to_i18n(checks, &format!("{path}.label"), lang, true, 500),
    }
}

fn question(
    checks: &mut Checks,
    path: &str,
    q: &QuestionIn,
    lang: Lang,
    known_areas: &HashSet<String>,
) -> Option<Question> {
    // Long: one question's every property validated and reported together, as the questionnaire's
    // 422 lists them.
    let code = q.code.trim().to_owned();
    if !code_ok(&code, 30) {
        checks.add(
            &format!("{path}.code"),
            "invalid",
            "must have 1 to 30 letters, digits, '.', '-' or '_'",
        );
    }
    let prompt = q
        .prompt
        .to_i18n(checks, &format!("{path}.prompt"), lang, true, 2000);
    let help = q
        .help
        .as_ref()
        .map(|h| h.to_i18n(checks, &format!("{path}.help"), lang, false, 5000))
        .unwrap_or_default();
    let kind = Kind::parse(q.kind.trim());
    if kind.is_none() {
        checks.add(
            &format!("{path}.kind"),
            "unknown",
            "must be one of text, long_text, integer, decimal, boolean, date, single_choice, multi_choice, url",
        );
    }
    let mut options = Vec::new();
    match (kind, &q.options) {
        (Some(k), opts) if k.is_choice() => {
            let opts = opts.as_deref().unwrap_or_default();
            if opts.is_empty() {
                checks.add(
                    &format!("{path}.options"),
                    "required",
                    "a choice question needs options",
                );
            }
            if opts.len() > MAX_OPTIONS {
                checks.add(
                    &format!("{path}.options"),
                    "length",
                    format!("at most {MAX_OPTIONS} options"),
                );
            }
            let mut seen = HashSet::new();
            for (i, o) in opts.iter().enumerate() {
                let opt = option(checks, &format!("{path}.options[{i}]"), o, lang);
                if !seen.insert(opt.value.clone()) {
                    checks.add(
                        &format!("{path}.options[{i}].value"),
                        "duplicate",
                        format!("'{}' is already an option", opt.value),
                    );
                }
                options.push(opt);
            }
        }
        (Some(_), Some(_)) => checks.add(
            &format!("{path}.options"),
            "not_allowed",
            "only single_choice and multi_choice questions have options",
        ),
        _ => {}
    }
    if let Some(k) = kind {
        if (q.min.is_some() || q.max.is_some()) && !k.is_number() {
            checks.add(
                &format!("{path}.min"),
                "not_allowed",
                "min and max are for integer and decimal questions",
            );
        }
        if let (Some(min), Some(max)) = (q.min, q.max) {
            if min > max {
                checks.add(
                    &format!("{path}.min"),
                    "range",
                    "must not be greater than max",
                );
            }
        }
        for (name, v) in [("min", q.min), ("max", q.max)] {
            if let Some(v) = v {
                if !v.is_finite() || (k == Kind::Integer && v.fract() != 0.0) {
                    checks.add(
                        &format!("{path}.{name}"),
                        "invalid",
                        "must be a finite number (whole for integer)",
                    );
                }
            }
        }
        if q.max_length.is_some() && !k.is_text() {
            checks.add(
                &format!("{path}.max_length"),
                "not_allowed",
                "max_length is for text and long_text questions",
            );
        }
        if q.max_length.is_some_and(|m| !(1..=100_000).contains(&m)) {
            checks.add(
                &format!("{path}.max_length"),
                "range",
                "must be from 1 to 100000",
            );
        }
    }
    let thematic_area = q
        .thematic_area
        .as_deref()
        .map(|a| a.trim().to_ascii_lowercase());
    if let Some(a) = &thematic_area {
        if !known_areas.contains(a) {
            checks.add(
                &format!("{path}.thematic_area"),
                "unknown",
                format!("'{a}' is not a thematic area"),
            );
        }
    }
    Some(Question {
        code,
        prompt,
        help,
        kind: kind?,
        required: q.required,
        options,
        min: q.min,
        max: q.max,
        max_length: q.max_length,
        thematic_area,
        evidence: q.evidence.unwrap_or_default(),
        recommendation: q.recommendation,
    })
}

/// Validates a whole structure, reporting every problem with its JSON path.
pub fn validate(
    checks: &mut Checks,
    doc: &DocumentIn,
    lang: Lang,
    known_areas: &HashSet<String>,
) -> Document {
    let title = doc.title.to_i18n(checks, "title", lang, true, 300);
    let introduction = doc
        .introduction
        .map(|i| i.to_i18n(checks, "introduction", lang, false, 20_000))
        .unwrap_or_default();
    if doc.sections.len() > MAX_SECTIONS {
        checks.add(
            "sections",
            "length",
            format!("at most {MAX_SECTIONS} sections"),
        );
    }
    let total: usize = doc.sections.iter().map(|s| s.questions.len()).sum();
    if total > MAX_QUESTIONS {
        checks.add(
            "sections",
            "too_many_questions",
            format!("{total} questions; at most {MAX_QUESTIONS}"),
        );
        // Refused outright: validating thousands more would only bury the one problem.
        return Document::default();
    }
    let mut section_codes = HashSet::new();
    let mut question_codes = HashSet::new();
    let mut sections = Vec::new();
    for (i, s) in doc.sections.iter().enumerate() {
        let path = format!("sections[{i}]");
        let code = s.code.trim().to_owned();
        if !code_ok(&code, 20) {
            checks.add(
                &format!("{path}.code"),
                "invalid",
                "must have 1 to 20 letters, digits, '.', '-' or '_'",
            );
        } else if !section_codes.insert(code.clone()) {
            checks.add(
                &format!("{path}.code"),
                "duplicate",
                format!("section '{code}' appears twice"),
            );
        }
        let title = s
            .title
            .to_i18n(checks, &format!("{path}.title"), lang, true, 300);
        let country = s.country.as_deref().map(|c| c.trim().to_ascii_uppercase());
        let mut questions = Vec::new();
        for (j, q) in s.questions.iter().enumerate() {
            let qpath = format!("{path}.questions[{j}]");
            if q.recommendation.is_some() && country.is_none() {
                checks.add(
                    &format!("{qpath}.recommendation"),
                    "not_allowed",
                    "a recommendation is followed up in its country's section",
                );
            }
            if let Some(q) = question(checks, &qpath, q, lang, known_areas) {
                if code_ok(&q.code, 30) && !question_codes.insert(q.code.clone()) {
                    checks.add(
                        &format!("{qpath}.code"),
                        "duplicate",
                        format!("question '{}' appears twice", q.code),
                    );
                }
                questions.push(q);
            }
        }
        sections.push(Section {
            code,
            title,
            questions,
            country,
        });
    }
    Document {
        title,
        introduction,
        sections,
    }
}

/// What publishing needs beyond a valid structure.
pub fn check_publishable(doc: &Document) -> Result<(), Vec<String>> {
    if doc.question_count() == 0 {
        Err(vec![
            "a questionnaire needs at least one question to be published".into(),
        ])
    } else {
        Ok(())
    }
}

/// Only drafts change; published versions are frozen.
pub fn check_editable(status: QuestionnaireStatus) -> Result<(), String> {
    match status {
        QuestionnaireStatus::Draft => Ok(()),
        s => Err(format!(
            "a {} questionnaire is frozen; draft a new version with POST …/new-version",
            s.as_str()
        )),
    }
}

/// Whether an answer to a question of kind `from` can carry over to a question of kind `to`
/// in a new version. The value is still validated against the new question afterwards (its
/// options, range or length may have changed).
pub fn answer_carries_over(from: Kind, to: Kind) -> bool {
    use Kind::*;
    from == to
        || matches!(
            (from, to),
            (Text, LongText) | (LongText, Text) | (Integer, Decimal) | (SingleChoice, MultiChoice)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carry_over_rule() {
        use Kind::*;
        for k in Kind::ALL {
            assert!(answer_carries_over(k, k), "{k:?} to itself");
        }
        assert!(answer_carries_over(Text, LongText));
        assert!(answer_carries_over(LongText, Text));
        assert!(answer_carries_over(Integer, Decimal));
        assert!(answer_carries_over(SingleChoice, MultiChoice));
        assert!(
            !answer_carries_over(Decimal, Integer),
            "a fraction would be lost"
        );
        assert!(
            !answer_carries_over(MultiChoice, SingleChoice),
            "several choices cannot become one"
        );
        assert!(!answer_carries_over(Boolean, SingleChoice));
        assert!(!answer_carries_over(Text, Integer));
        assert!(!answer_carries_over(Date, Text));
        let compatible = Kind::ALL
            .iter()
            .flat_map(|a| Kind::ALL.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| answer_carries_over(*a, *b))
            .count();
        assert_eq!(compatible, 9 + 4);
    }

    #[test]
    fn only_drafts_are_editable() {
        assert!(check_editable(QuestionnaireStatus::Draft).is_ok());
        assert!(check_editable(QuestionnaireStatus::Published).is_err());
        assert!(check_editable(QuestionnaireStatus::Retired).is_err());
    }
}
