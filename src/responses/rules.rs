//! The response's state machine, deadlines and answer validation. No I/O.

use chrono::NaiveDate;
use serde_json::Value;

use crate::lifecycle::Lifecycle;
use crate::questionnaires::model::{Kind, Question};
use crate::questionnaires::rules::answer_carries_over;
pub use crate::statuses::ResponseStatus;

/// A response's status as the access policy reads it.
pub fn policy_state(status: ResponseStatus) -> crate::auth::policy::ResponseState {
    use crate::auth::policy::ResponseState as S;
    match status {
        ResponseStatus::Draft => S::Draft,
        ResponseStatus::Submitted => S::Submitted,
        ResponseStatus::Returned => S::Returned,
        ResponseStatus::Accepted => S::Accepted,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseAction {
    Submit,
    Return,
    Accept,
}

impl Lifecycle for ResponseAction {
    type Status = ResponseStatus;
    const ALL: &'static [ResponseAction] = &[
        ResponseAction::Submit,
        ResponseAction::Return,
        ResponseAction::Accept,
    ];

    fn event(self) -> &'static str {
        match self {
            ResponseAction::Submit => "submitted",
            ResponseAction::Return => "returned",
            ResponseAction::Accept => "accepted",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ResponseAction::Submit => "submit",
            ResponseAction::Return => "return",
            ResponseAction::Accept => "accept",
        }
    }

    fn from(self) -> &'static [ResponseStatus] {
        match self {
            ResponseAction::Submit => &[ResponseStatus::Draft, ResponseStatus::Returned],
            ResponseAction::Return | ResponseAction::Accept => &[ResponseStatus::Submitted],
        }
    }

    fn to(self) -> ResponseStatus {
        match self {
            ResponseAction::Submit => ResponseStatus::Submitted,
            ResponseAction::Return => ResponseStatus::Returned,
            ResponseAction::Accept => ResponseStatus::Accepted,
        }
    }

    fn status_name(status: ResponseStatus) -> &'static str {
        status.as_str()
    }
}

/// The due date for a country: its extension, else the round's.
pub fn due_on(round_due: NaiveDate, extension: Option<NaiveDate>) -> NaiveDate {
    extension.unwrap_or(round_due)
}

/// A first submission by a focal point after the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePassed;

/// Whether a submission on `today` may go through, and whether it is late. The due date itself
/// is still on time. A focal point cannot submit a first time after it; a response the
/// secretariat returned may be resubmitted (late), and the secretariat may submit on a
/// country's behalf (late) — every late submission is flagged.
pub fn check_deadline(
    today: NaiveDate,
    due: NaiveDate,
    status: ResponseStatus,
    by_secretariat: bool,
) -> Result<bool, DeadlinePassed> {
    let late = today > due;
    if late && status == ResponseStatus::Draft && !by_secretariat {
        Err(DeadlinePassed)
    } else {
        Ok(late)
    }
}

/// Longest text answers when the question sets no `max_length`.
pub const DEFAULT_TEXT_MAX: u32 = 1_000;
pub const DEFAULT_LONG_TEXT_MAX: u32 = 100_000;
pub const MAX_COMMENT: usize = 5_000;

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|f| f.is_finite())
}

fn in_range(q: &Question, n: f64) -> Result<(), (&'static str, String)> {
    if q.min.is_some_and(|min| n < min) || q.max.is_some_and(|max| n > max) {
        let range = match (q.min, q.max) {
            (Some(a), Some(b)) => format!("from {a} to {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => String::new(),
        };
        return Err(("range", format!("must be {range}")));
    }
    Ok(())
}

/// Checks `value` against its question; returns the value as stored, or (code, message).
pub fn validate_value(q: &Question, value: &Value) -> Result<Value, (&'static str, String)> {
    // Long: one arm per question kind, each with its own checks; the kinds read best side by side.
    let text = |max: u32| -> Result<Value, (&'static str, String)> {
        let s = value
            .as_str()
            .ok_or(("type", "must be a string".to_owned()))?;
        if s.trim().is_empty() {
            return Err((
                "empty",
                "must not be empty; DELETE the answer to clear it".into(),
            ));
        }
        if s.chars().count() > max as usize {
            return Err(("length", format!("must have at most {max} characters")));
        }
        Ok(Value::from(s))
    };
    match q.kind {
        Kind::Text => text(q.max_length.unwrap_or(DEFAULT_TEXT_MAX)),
        Kind::LongText => text(q.max_length.unwrap_or(DEFAULT_LONG_TEXT_MAX)),
        Kind::Integer => {
            let n = value
                .as_i64()
                .or_else(|| {
                    value
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .ok_or(("type", "must be a whole number".to_owned()))?;
            in_range(q, n as f64)?;
            Ok(Value::from(n))
        }
        Kind::Decimal => {
            let n = number(value).ok_or(("type", "must be a number".to_owned()))?;
            in_range(q, n)?;
            Ok(value.clone())
        }
        Kind::Boolean => value
            .as_bool()
            .map(Value::from)
            .ok_or(("type", "must be true or false".to_owned())),
        Kind::Date => {
            let s = value
                .as_str()
                .ok_or(("type", "must be a date string".to_owned()))?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10)
                .map(|d| Value::from(d.format("%Y-%m-%d").to_string()))
                .ok_or(("date", "must be a date as YYYY-MM-DD".to_owned()))
        }
        Kind::SingleChoice => {
            let s = value
                .as_str()
                .ok_or(("type", "must be one option value (a string)".to_owned()))?;
            if q.options.iter().any(|o| o.value == s) {
                Ok(Value::from(s))
            } else {
                Err((
                    "option",
                    format!("'{s}' is not an option; options: {}", option_list(q)),
                ))
            }
        }
        Kind::MultiChoice => {
            let items = value
                .as_array()
                .ok_or(("type", "must be an array of option values".to_owned()))?;
            if items.is_empty() {
                return Err((
                    "empty",
                    "must choose at least one option; DELETE the answer to clear it".into(),
                ));
            }
            let mut chosen: Vec<&str> = Vec::new();
            for item in items {
                let s = item
                    .as_str()
                    .ok_or(("type", "must be an array of strings".to_owned()))?;
                if !q.options.iter().any(|o| o.value == s) {
                    return Err((
                        "option",
                        format!("'{s}' is not an option; options: {}", option_list(q)),
                    ));
                }
                if chosen.contains(&s) {
                    return Err(("duplicate", format!("'{s}' is chosen twice")));
                }
                chosen.push(s);
            }
            // Stored in the questionnaire's option order, so equal answers compare equal.
            let ordered: Vec<Value> = q
                .options
                .iter()
                .filter(|o| chosen.contains(&o.value.as_str()))
                .map(|o| Value::from(o.value.clone()))
                .collect();
            Ok(Value::from(ordered))
        }
        Kind::Url => {
            let s = value
                .as_str()
                .ok_or(("type", "must be a URL string".to_owned()))?;
            let mut checks = crate::http::validate::Checks::new();
            let url = checks.url("value", s);
            if checks.is_ok() {
                Ok(Value::from(url))
            } else {
                Err(("url", "must be an absolute http or https URL".into()))
            }
        }
    }
}

fn option_list(q: &Question) -> String {
    q.options
        .iter()
        .map(|o| o.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The answer to `from`-kind question as the new version's question `to` takes it, or why not.
pub fn carry_over(from: Kind, to: &Question, value: &Value) -> Result<Value, String> {
    if !answer_carries_over(from, to.kind) {
        return Err(format!(
            "the question changed from {} to {}",
            from.as_str(),
            to.kind.as_str()
        ));
    }
    let converted = match (from, to.kind) {
        (Kind::SingleChoice, Kind::MultiChoice) => Value::from(vec![value.clone()]),
        _ => value.clone(),
    };
    validate_value(to, &converted).map_err(|(_, m)| format!("the answer no longer fits: {m}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaires::model::ChoiceOption;
    use serde_json::json;

    fn q(kind: Kind) -> Question {
        Question {
            code: "Q".into(),
            prompt: Default::default(),
            help: Default::default(),
            kind,
            required: false,
            options: ["a", "b", "c"]
                .iter()
                .map(|v| ChoiceOption {
                    value: (*v).into(),
                    label: Default::default(),
                })
                .collect(),
            min: Some(0.0),
            max: Some(10.0),
            max_length: Some(5),
            thematic_area: None,
            recommendation: None,
            evidence: Default::default(),
        }
    }

    #[test]
    fn each_kind_valid_and_invalid() {
        let cases: Vec<(Kind, Value, bool)> = vec![
            (Kind::Text, json!("hello"), true),
            (Kind::Text, json!("too long!"), false),
            (Kind::Text, json!(""), false),
            (Kind::Text, json!(5), false),
            (Kind::LongText, json!("ok"), true),
            (Kind::Integer, json!(7), true),
            (Kind::Integer, json!(7.0), true),
            (Kind::Integer, json!(7.5), false),
            (Kind::Integer, json!(11), false),
            (Kind::Integer, json!("7"), false),
            (Kind::Decimal, json!(2.5), true),
            (Kind::Decimal, json!(-0.1), false),
            (Kind::Boolean, json!(false), true),
            (Kind::Boolean, json!("true"), false),
            (Kind::Date, json!("2026-02-28"), true),
            (Kind::Date, json!("2026-02-30"), false),
            (Kind::Date, json!("2026-2-1"), false),
            (Kind::SingleChoice, json!("b"), true),
            (Kind::SingleChoice, json!("z"), false),
            (Kind::SingleChoice, json!(["a"]), false),
            (Kind::MultiChoice, json!(["c", "a"]), true),
            (Kind::MultiChoice, json!([]), false),
            (Kind::MultiChoice, json!(["a", "a"]), false),
            (Kind::MultiChoice, json!(["z"]), false),
            (Kind::Url, json!("https://example.org/a"), true),
            (Kind::Url, json!("ftp://example.org"), false),
            (Kind::Url, json!("not a url"), false),
        ];
        for (kind, value, ok) in cases {
            assert_eq!(
                validate_value(&q(kind), &value).is_ok(),
                ok,
                "{kind:?} {value}"
            );
        }
        assert_eq!(
            validate_value(&q(Kind::MultiChoice), &json!(["c", "a"])).unwrap(),
            json!(["a", "c"])
        );
    }

    #[test]
    fn deadlines() {
        let due = NaiveDate::from_ymd_opt(2027, 4, 30).unwrap();
        let on = due;
        let after = due.succ_opt().unwrap();
        assert_eq!(
            check_deadline(on, due, ResponseStatus::Draft, false),
            Ok(false)
        );
        assert_eq!(
            check_deadline(after, due, ResponseStatus::Draft, false),
            Err(DeadlinePassed)
        );
        assert_eq!(
            check_deadline(after, due, ResponseStatus::Returned, false),
            Ok(true)
        );
        assert_eq!(
            check_deadline(after, due, ResponseStatus::Draft, true),
            Ok(true)
        );
        let ext = NaiveDate::from_ymd_opt(2027, 5, 15).unwrap();
        assert_eq!(
            check_deadline(after, due_on(due, Some(ext)), ResponseStatus::Draft, false),
            Ok(false)
        );
    }

    #[test]
    fn every_transition() {
        use crate::lifecycle::{allowed, transition};
        use ResponseAction as A;
        use ResponseStatus as S;
        assert_eq!(transition(S::Draft, A::Submit).unwrap(), S::Submitted);
        assert_eq!(transition(S::Returned, A::Submit).unwrap(), S::Submitted);
        assert_eq!(transition(S::Submitted, A::Return).unwrap(), S::Returned);
        assert_eq!(transition(S::Submitted, A::Accept).unwrap(), S::Accepted);
        for (s, a) in [
            (S::Draft, A::Accept),
            (S::Submitted, A::Submit),
            (S::Accepted, A::Return),
            (S::Returned, A::Accept),
        ] {
            assert!(transition(s, a).is_err(), "{s:?} {a:?}");
        }
        assert_eq!(allowed::<A>(S::Draft), vec!["submit"]);
        assert_eq!(allowed::<A>(S::Submitted), vec!["return", "accept"]);
        assert!(allowed::<A>(S::Accepted).is_empty());
        assert_eq!(allowed::<A>(S::Returned), vec!["submit"]);
    }

    #[test]
    fn carry_over_converts_and_revalidates() {
        assert_eq!(
            carry_over(Kind::SingleChoice, &q(Kind::MultiChoice), &json!("a")).unwrap(),
            json!(["a"])
        );
        assert_eq!(
            carry_over(Kind::Integer, &q(Kind::Decimal), &json!(3)).unwrap(),
            json!(3)
        );
        assert!(
            carry_over(Kind::Integer, &q(Kind::Decimal), &json!(30)).is_err(),
            "out of the new range"
        );
        assert!(carry_over(Kind::Boolean, &q(Kind::Text), &json!(true)).is_err());
    }
}
