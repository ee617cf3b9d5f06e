//! Reminders of due dates: `response.due_soon` seven days and one day before a country's due
//! date (its extension included) and `response.overdue` after it, each once per due date, for
//! participants of open rounds that have not submitted. Run by the jobs under a lease.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::AuditCtx;
use crate::db::schema::{reminders_sent, responses, round_participants as rp, rounds};
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiResult;
use crate::events::{self, Event, Scope};
use crate::statuses::{ResponseStatus, RoundStatus};

/// Which reminder is due `days_left` days before the due date, if any; the more urgent one
/// replaces those it overtakes (a country that joins two days before is told once).
fn reminder(days_left: i64) -> Option<(&'static str, &'static str, &'static [&'static str])> {
    match days_left {
        d if d < 0 => Some((
            "overdue",
            "response.overdue",
            &["due_in_7_days", "due_in_1_day"],
        )),
        0..=1 => Some(("due_in_1_day", "response.due_soon", &["due_in_7_days"])),
        2..=7 => Some(("due_in_7_days", "response.due_soon", &[])),
        _ => None,
    }
}

fn already_sent(
    conn: &mut DbConn,
    round: i64,
    country: &str,
    kind: &str,
    due: NaiveDate,
) -> QueryResult<bool> {
    let n: i64 = reminders_sent::table
        .filter(reminders_sent::round_id.eq(round))
        .filter(reminders_sent::country.eq(country))
        .filter(reminders_sent::kind.eq(kind))
        .filter(reminders_sent::due_on.eq(due))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn mark(
    conn: &mut DbConn,
    round: i64,
    country: &str,
    kind: &str,
    due: NaiveDate,
) -> QueryResult<()> {
    if !already_sent(conn, round, country, kind, due)? {
        diesel::insert_into(reminders_sent::table)
            .values((
                reminders_sent::round_id.eq(round),
                reminders_sent::country.eq(country),
                reminders_sent::kind.eq(kind),
                reminders_sent::due_on.eq(due),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Emits the reminders due on `today`; returns how many.
pub fn emit_due(pool: &DbPool, today: NaiveDate) -> ApiResult<usize> {
    db::write_here(pool, |conn| {
        let rows: Vec<(i64, NaiveDate, String, Option<NaiveDate>)> = rounds::table
            .inner_join(rp::table.on(rp::round_id.eq(rounds::id)))
            .filter(rounds::status.eq(RoundStatus::Open))
            .select((
                rounds::id,
                rounds::responses_due_on,
                rp::country,
                rp::due_on_extension,
            ))
            .load(conn)?;
        let mut sent = 0;
        for (round, round_due, country, extension) in rows {
            let due = extension.unwrap_or(round_due);
            let Some((kind, event_type, overtaken)) = reminder((due - today).num_days()) else {
                continue;
            };
            if already_sent(conn, round, &country, kind, due)? {
                continue;
            }
            let response: Option<(i64, ResponseStatus)> = responses::table
                .filter(responses::round_id.eq(round))
                .filter(responses::country.eq(&country))
                .order(responses::id.desc())
                .select((responses::id, responses::status))
                .first(conn)
                .optional()?;
            if response.is_some_and(|(_, s)| {
                matches!(s, ResponseStatus::Submitted | ResponseStatus::Accepted)
            }) {
                continue;
            }
            mark(conn, round, &country, kind, due)?;
            for k in overtaken {
                mark(conn, round, &country, k, due)?;
            }
            events::emit(
                conn,
                &AuditCtx::default(),
                Event {
                    event_type,
                    entity_type: "round",
                    entity_id: round.to_string(),
                    scope: Scope::country(&country).in_round(round),
                    payload: json!({
                        "country": country,
                        "due_on": due,
                        "days_left": (due - today).num_days(),
                        "reminder": kind,
                        "response": response.map(|(id, _)| id),
                    }),
                },
            )?;
            sent += 1;
        }
        Ok(sent)
    })
}

#[cfg(test)]
mod tests {
    use super::reminder;

    #[test]
    fn reminders_fall_seven_days_one_day_and_after() {
        assert_eq!(reminder(8), None);
        assert_eq!(reminder(7).map(|r| r.0), Some("due_in_7_days"));
        assert_eq!(reminder(2).map(|r| r.0), Some("due_in_7_days"));
        assert_eq!(reminder(1).map(|r| r.0), Some("due_in_1_day"));
        assert_eq!(reminder(0).map(|r| r.0), Some("due_in_1_day"));
        assert_eq!(reminder(-1).map(|r| r.0), Some("overdue"));
    }
}
