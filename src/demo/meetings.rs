//! Demo sessions: the Committee of Experts' plenary that adopted the first round's reports
//! (held, with its decisions and attendance), and two sessions ahead for the open round.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::db::schema::{meetings, questionnaires, reports, rounds};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::meetings::store::{
    self, AttendanceRow, DecisionRow, MeetingChanges, NewItemRow, NewMeetingRow,
};
use crate::meetings::{
    AgendaItemKind, AttendanceStatus, DecisionOutcome, MeetingBody, MeetingMode, MeetingStatus,
};
use crate::statuses::{QuestionnaireStatus, RoundStatus};

fn round_of(conn: &mut DbConn, status: RoundStatus) -> QueryResult<Option<i64>> {
    rounds::table
        .filter(rounds::status.eq(status))
        .order(rounds::number)
        .select(rounds::id)
        .first(conn)
        .optional()
}

/// Loads the demo sessions unless there are sessions already; returns how many it added.
pub fn load(conn: &mut DbConn) -> ApiResult<usize> {
    let any: i64 = meetings::table.count().get_result(conn)?;
    if any > 0 {
        return Ok(0);
    }
    let mut added = 0;
    if let Some(round) = round_of(conn, RoundStatus::Concluded)? {
        plenary(conn, round)?;
        added += 1;
    }
    if let Some(round) = round_of(conn, RoundStatus::Open)? {
        ahead(conn, round)?;
        added += 2;
    }
    Ok(added)
}

/// The plenary that adopted the concluded round's reports, on their decision date.
fn plenary(conn: &mut DbConn, round: i64) -> ApiResult<()> {
    let country_reports: Vec<(i64, Option<String>, Option<NaiveDate>)> = reports::table
        .filter(reports::round_id.eq(round))
        .order(reports::id)
        .select((reports::id, reports::country, reports::decision_date))
        .load(conn)?;
    let day = country_reports
        .iter()
        .find_map(|r| r.2)
        .unwrap_or_else(|| crate::time::today() - Duration::days(30));
    let starts = day.and_hms_opt(14, 0, 0).unwrap_or_default();
    let id = store::insert(
        conn,
        &NewMeetingRow {
            body: MeetingBody::CommitteeOfExperts,
            round_id: Some(round),
            title: "Plenary session of the Committee of Experts".into(),
            starts_at: starts,
            ends_at: starts + Duration::hours(8),
            mode: MeetingMode::Hybrid,
            place: Some("OAS headquarters, Washington, D.C.".into()),
            online_url: Some("https://meet.example.org/mecigep-plenary".into()),
            created_by: None,
            created_at: starts - Duration::days(30),
            updated_at: starts + Duration::hours(8),
        },
    )?;
    for (n, (report, country, _)) in country_reports.iter().enumerate() {
        let item = store::insert_item(
            conn,
            &NewItemRow {
                meeting_id: id,
                position: n as i32 + 1,
                kind: AgendaItemKind::ReportAdoption,
                title: match country {
                    Some(c) => format!("Country report: {c}"),
                    None => "Hemispheric report".into(),
                },
                report_id: Some(*report),
                questionnaire_id: None,
                document_id: None,
                created_at: starts - Duration::days(30),
            },
        )?;
        store::insert_decision(
            conn,
            &DecisionRow {
                id: 0,
                meeting_id: id,
                agenda_item_id: item,
                outcome: DecisionOutcome::Adopted,
                text: "Adopted by consensus.".into(),
                recorded_by: None,
                recorded_at: starts + Duration::hours(6),
            },
        )?;
        diesel::update(reports::table.find(*report))
            .set(reports::meeting_id.eq(id))
            .execute(conn)?;
    }
    let attendance: Vec<AttendanceRow> = country_reports
        .iter()
        .filter_map(|r| r.1.clone())
        .enumerate()
        .map(|(i, country)| AttendanceRow {
            meeting_id: id,
            country,
            status: if i == 3 {
                AttendanceStatus::Excused
            } else {
                AttendanceStatus::Present
            },
            delegates: Some(if i == 3 { 0 } else { 2 }),
        })
        .collect();
    store::replace_attendance(conn, id, &attendance)?;
    store::update(
        conn,
        id,
        1,
        &MeetingChanges {
            status: Some(MeetingStatus::Held),
            revision: Some(2),
            ..MeetingChanges::default()
        },
    )?;
    Ok(())
}

/// A virtual Committee session in three weeks and the Group's meeting in seven, for the open
/// round (the Group approves the round's questionnaire).
fn ahead(conn: &mut DbConn, round: i64) -> ApiResult<()> {
    let now = crate::time::now();
    let at = |days: i64, hour: u32| {
        (now.date() + Duration::days(days))
            .and_hms_opt(hour, 0, 0)
            .unwrap_or(now)
    };
    let committee = store::insert(
        conn,
        &NewMeetingRow {
            body: MeetingBody::CommitteeOfExperts,
            round_id: Some(round),
            title: "Methodology of the second round".into(),
            starts_at: at(21, 14),
            ends_at: at(21, 17),
            mode: MeetingMode::Virtual,
            place: None,
            online_url: Some("https://meet.example.org/mecigep-committee".into()),
            created_by: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    store::insert_item(
        conn,
        &NewItemRow {
            meeting_id: committee,
            position: 1,
            kind: AgendaItemKind::Other,
            title: "Calendar of the on-site visits".into(),
            report_id: None,
            questionnaire_id: None,
            document_id: None,
            created_at: now,
        },
    )?;
    let group = store::insert(
        conn,
        &NewMeetingRow {
            body: MeetingBody::GroupOfMemberCountries,
            round_id: Some(round),
            title: "Regular meeting of the Group of Member Countries".into(),
            starts_at: at(49, 13),
            ends_at: at(50, 21),
            mode: MeetingMode::InPerson,
            place: Some("OAS headquarters, Washington, D.C.".into()),
            online_url: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    let questionnaire: Option<i64> = questionnaires::table
        .filter(questionnaires::round_id.eq(round))
        .filter(questionnaires::status.eq(QuestionnaireStatus::Published))
        .select(questionnaires::id)
        .first(conn)
        .optional()?;
    let mut position = 1;
    if let Some(q) = questionnaire {
        store::insert_item(
            conn,
            &NewItemRow {
                meeting_id: group,
                position,
                kind: AgendaItemKind::QuestionnaireApproval,
                title: "Questionnaire of the second round".into(),
                report_id: None,
                questionnaire_id: Some(q),
                document_id: None,
                created_at: now,
            },
        )?;
        position += 1;
    }
    store::insert_item(
        conn,
        &NewItemRow {
            meeting_id: group,
            position,
            kind: AgendaItemKind::Other,
            title: "Work plan and budget of the Mechanism".into(),
            report_id: None,
            questionnaire_id: None,
            document_id: None,
            created_at: now,
        },
    )?;
    Ok(())
}
