//! Demo responses of the concluded first round: every participant's accepted response, an
//! answer to every question, so that analysts' exports and summaries have rows to show.

use chrono::{Duration, NaiveDate, NaiveTime};
use serde_json::{json, Value};

use crate::countries::data::COUNTRIES;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::questionnaires::model::{Document, Kind, Question};
use crate::responses::rules::{validate_value, ResponseStatus};
use crate::responses::store::{self, Change};

/// A number from 0 to `n - 1` that depends on the country and the question, the same at
/// every load.
fn pick(country: &str, code: &str, n: usize) -> usize {
    let mix = country
        .bytes()
        .chain(code.bytes())
        .fold(2166136261u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16777619)
        });
    mix as usize % n.max(1)
}

/// A plausible answer of `country` to `q`.
fn answer(country: &str, name: &str, q: &Question, snapshot: NaiveDate) -> Value {
    let n = |k| pick(country, &q.code, k);
    match q.kind {
        Kind::Text => json!(format!(
            "{name}: {}",
            q.prompt.values().next().map_or("", |p| p)
        )),
        Kind::LongText => json!(format!(
            "{name} describes its framework as of {snapshot}: the rules in force, the bodies that \
             apply them and how their results are published."
        )),
        Kind::Integer => {
            let (min, max) = (q.min.unwrap_or(0.0), q.max.unwrap_or(1000.0).min(250_000.0));
            json!((min + (max - min) * (n(97) as f64 / 96.0)).round() as i64)
        }
        Kind::Decimal => {
            let (min, max) = (q.min.unwrap_or(0.0), q.max.unwrap_or(100.0));
            json!(((min + (max - min) * (n(1000) as f64 / 999.0)) * 10.0).round() / 10.0)
        }
        Kind::Boolean => json!(n(4) != 0),
        Kind::Date => json!((snapshot - Duration::days(365 * (1 + n(20)) as i64)).to_string()),
        Kind::SingleChoice => json!(q.options[n(q.options.len())].value),
        Kind::MultiChoice => {
            let chosen: Vec<&str> = q
                .options
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    *i == n(q.options.len()) || pick(country, &format!("{}{i}", q.code), 2) == 0
                })
                .map(|(_, o)| o.value.as_str())
                .collect();
            json!(chosen)
        }
        Kind::Url => json!(format!(
            "https://www.{}.gov.example/",
            country.to_ascii_lowercase()
        )),
    }
}

/// Accepted responses of `participants` to questionnaire `qid` of round `round`, submitted
/// before `due_on`.
pub fn load(
    conn: &mut DbConn,
    round: i64,
    qid: i64,
    doc: &Document,
    participants: &[&str],
    due_on: NaiveDate,
) -> ApiResult<()> {
    for (i, country) in participants.iter().enumerate() {
        let name = COUNTRIES
            .iter()
            .find(|c| c.code == *country)
            .map_or(*country, |c| c.names[0]);
        let snapshot = due_on - Duration::days(30);
        let changes: Vec<Change> = doc
            .questions()
            .map(|(_, q)| {
                let value = validate_value(q, &answer(country, name, q, snapshot)).map_err(
                    |(code, why)| {
                        crate::error::ApiError::internal(format!(
                            "demo answer {} of {country}: {code} {why}",
                            q.code
                        ))
                    },
                )?;
                Ok(Change {
                    code: q.code.clone(),
                    value: Some(value.to_string()),
                    comment: None,
                })
            })
            .collect::<ApiResult<_>>()?;
        let id = store::insert(conn, qid, round, country, None)?;
        store::save(conn, id, &changes, None, "put")?;
        let submitted = (due_on - Duration::days(3 + i as i64)).and_time(NaiveTime::MIN);
        store::set_status(
            conn,
            id,
            ResponseStatus::Accepted,
            3,
            Some((submitted, None, false)),
            None,
        )?;
    }
    Ok(())
}
