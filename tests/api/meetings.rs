//! Sessions of the mechanism's bodies: scheduling, the agenda, decisions (a report's adoption
//! taken by its session), attendance, minutes, every role's access; and the calendar.

use chrono::{Duration, Utc};
use icalendar::Component;
use serde_json::{json, Value};

use crate::reports::{review, Review};
use crate::util::{Resp, TestApp, TestUser};

fn at(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339()
}

fn session(body: &str, from_hours: i64) -> Value {
    json!({"body": body, "title": "Fourth meeting", "starts_at": at(from_hours),
           "ends_at": at(from_hours + 8), "mode": "hybrid", "place": "OAS headquarters, Washington",
           "online_url": "https://meet.example.org/mecigep-4"})
}

async fn schedule(app: &TestApp, admin: &TestUser, body: Value) -> Value {
    let res = app
        .post("/api/v1/meetings")
        .auth(admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn add_item(app: &TestApp, admin: &TestUser, meeting: i64, item: Value) -> Resp {
    app.post(&format!("/api/v1/meetings/{meeting}/agenda-items"))
        .auth(admin)
        .json(&item)
        .send()
        .await
}

async fn decide(app: &TestApp, who: &TestUser, meeting: i64, item: i64, body: Value) -> Resp {
    app.post(&format!(
        "/api/v1/meetings/{meeting}/agenda-items/{item}/decision"
    ))
    .auth(who)
    .json(&body)
    .send()
    .await
}

fn last_item(m: &Value) -> i64 {
    m["agenda"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn minutes(app: &TestApp, admin: &TestUser, kind: &str) -> i64 {
    let file = app
        .upload_text(admin, "Minutes of the fourth meeting.", "minutes.txt")
        .await;
    let res = app
        .post("/api/v1/documents")
        .auth(admin)
        .json(
            &json!({"kind": kind, "language": "en", "title": {"en": "Minutes"},
                      "summary": {"en": "What the Committee decided."}, "files": {"en": file}}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn the_secretariat_schedules_sessions_that_everyone_reads() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let expert = app.expert("BRA");
    let body = session("group_of_member_countries", 72);
    app.post("/api/v1/meetings")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    for who in [&arg, &expert] {
        app.post("/api/v1/meetings")
            .auth(who)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    let res = app
        .post("/api/v1/meetings")
        .auth(&admin)
        .json(&json!({"body": "committee_of_experts", "title": "", "starts_at": at(10),
                      "ends_at": at(9), "mode": "hybrid", "online_url": "not a link", "round": 999}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["ends_at", "online_url", "place", "round", "title"]);
    let res = app
        .post("/api/v1/meetings")
        .auth(&admin)
        .json(&json!({"body": "plenary", "title": "x", "starts_at": "tomorrow", "ends_at": at(2), "mode": "virtual"}))
        .send()
        .await;
    res.assert_problem(422, "validation");

    let res = app
        .post("/api/v1/meetings")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let m = res.json();
    let id = m["id"].as_i64().unwrap();
    let path = format!("/api/v1/meetings/{id}");
    assert_eq!(res.header("location").unwrap(), path);
    assert_eq!(m["status"], "scheduled");
    assert_eq!(m["allowed_actions"], json!(["hold", "cancel"]));
    let virtual_one = schedule(
        &app,
        &admin,
        json!({"body": "committee_of_experts", "title": "Preparatory call", "starts_at": at(24),
               "ends_at": at(26), "mode": "virtual", "online_url": "https://meet.example.org/prep"}),
    )
    .await;

    // Everyone reads sessions; the link to join is for signed-in callers.
    let public = app.get(&path).send().await.json();
    assert_eq!(public["place"], "OAS headquarters, Washington");
    assert_eq!(public["online_url"], Value::Null);
    assert_eq!(public["allowed_actions"], json!([]));
    let seen = app.get(&path).auth(&arg).send().await.json();
    assert_eq!(seen["online_url"], "https://meet.example.org/mecigep-4");

    // The list runs in the order sessions start, filtered and paged.
    let list = app.get("/api/v1/meetings").send().await.json();
    let ids: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [virtual_one["id"].as_i64().unwrap(), id]);
    let page = app.get("/api/v1/meetings?limit=1").send().await;
    let first = page.json();
    assert_eq!(first["data"].as_array().unwrap().len(), 1);
    let next = app
        .get(&format!(
            "/api/v1/meetings?limit=1&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert_eq!(next["data"][0]["id"], id);
    let groups = app
        .get("/api/v1/meetings?body=group_of_member_countries")
        .send()
        .await
        .json();
    assert_eq!(groups["data"].as_array().unwrap().len(), 1);
    let tomorrow = (Utc::now() + Duration::days(1)).date_naive();
    let early = app
        .get(&format!("/api/v1/meetings?to={tomorrow}"))
        .send()
        .await
        .json();
    assert_eq!(early["data"][0]["id"], virtual_one["id"]);
    assert_eq!(early["data"].as_array().unwrap().len(), 1);
    let res = app
        .get("/api/v1/meetings?body=plenary&from=soon&status=over")
        .send()
        .await;
    res.assert_problem(400, "invalid-query");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["body", "from", "status"]);

    // Changes honour If-Match and the venue rules.
    let etag = app
        .get(&path)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app
        .patch(&path)
        .auth(&admin)
        .header("if-match", "\"stale\"")
        .json(&json!({"title": "Fourth regular meeting"}))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");
    let res = app
        .patch(&path)
        .auth(&admin)
        .json(&json!({"mode": "in_person", "place": null}))
        .send()
        .await;
    assert_eq!(res.error_fields(), ["place"]);
    app.patch(&path)
        .auth(&arg)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .patch(&path)
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"title": "Fourth regular meeting", "mode": "in_person", "online_url": null}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let changed = res.json();
    assert_eq!(changed["title"], "Fourth regular meeting");
    assert_eq!(changed["online_url"], Value::Null);
    assert_eq!(changed["revision"], 2);

    // A session that has not begun is not held; a cancelled one no longer changes.
    app.post(&format!("{path}/hold"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "meeting-not-started");
    let res = app
        .post(&format!("{path}/cancel"))
        .auth(&admin)
        .json(&json!({"reason": ""}))
        .send()
        .await;
    assert_eq!(res.error_fields(), ["reason"]);
    app.post(&format!("{path}/cancel"))
        .auth(&expert)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .post(&format!("{path}/cancel"))
        .auth(&admin)
        .json(&json!({"reason": "No quorum could be reached."}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "cancelled");
    assert_eq!(res.json()["cancel_reason"], "No quorum could be reached.");
    app.patch(&path)
        .auth(&admin)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .assert_problem(409, "meeting-cancelled");
    app.post(&format!("{path}/hold"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "invalid-transition");
    app.get("/api/v1/meetings/999999")
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.audit_rows("meeting.cancel").len(), 1);
}

async fn under_review(r: &Review, country: &str) -> i64 {
    let report = r.country_report(country).await;
    let res = r.act(&r.admin, report, "submit", json!({})).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    report
}

#[actix_web::test]
async fn a_committee_session_adopts_reports_by_its_decisions() {
    let r = review().await;
    let app = &r.app;
    let admin = &r.admin;
    let report = under_review(&r, "CHL").await;
    let draft = r.country_report("PER").await;
    let m = schedule(app, admin, session("committee_of_experts", -2)).await;
    let id = m["id"].as_i64().unwrap();
    let path = format!("/api/v1/meetings/{id}");
    let group = schedule(app, admin, session("group_of_member_countries", -2)).await;
    let later = schedule(app, admin, session("committee_of_experts", 48)).await;

    // Each item names exactly what its kind takes, and it exists.
    let res = add_item(
        app,
        admin,
        id,
        json!({"kind": "report_adoption", "title": "", "questionnaire": 1}),
    )
    .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["questionnaire", "report", "title"]);
    let res = add_item(
        app,
        admin,
        id,
        json!({"kind": "document", "title": "Study", "document": 999999}),
    )
    .await;
    assert_eq!(res.error_fields(), ["document"]);
    let res = add_item(
        app,
        admin,
        group["id"].as_i64().unwrap(),
        json!({"kind": "report_adoption", "title": "Chile", "report": report}),
    )
    .await;
    assert_eq!(res.error_fields(), ["kind"]);
    add_item(app, &r.chile, id, json!({"kind": "other", "title": "x"}))
        .await
        .assert_problem(403, "forbidden");

    let res = add_item(
        app,
        admin,
        id,
        json!({"kind": "report_adoption", "title": "Country report: Chile", "report": report}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let chile_item = last_item(&res.json());
    assert_eq!(
        res.json()["agenda"][0]["outcomes"],
        json!(["adopted", "deferred"])
    );
    let peru_item = last_item(
        &add_item(
            app,
            admin,
            id,
            json!({"kind": "report_adoption", "title": "Country report: Peru", "report": draft}),
        )
        .await
        .json(),
    );
    let other = last_item(
        &add_item(
            app,
            admin,
            id,
            json!({"kind": "other", "title": "Dates of the next meeting"}),
        )
        .await
        .json(),
    );
    let removed = last_item(
        &add_item(
            app,
            admin,
            id,
            json!({"kind": "other", "title": "Withdrawn item"}),
        )
        .await
        .json(),
    );
    let res = app
        .delete(&format!("{path}/agenda-items/{removed}"))
        .auth(admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let positions: Vec<i64> = res.json()["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3]);

    // Decisions: the secretariat's, once the session has begun, one per item, of the item's kind.
    decide(
        app,
        &r.assigned,
        id,
        chile_item,
        json!({"outcome": "adopted"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = decide(app, admin, id, chile_item, json!({"outcome": "approved"})).await;
    assert_eq!(res.error_fields(), ["outcome"]);
    let later_id = later["id"].as_i64().unwrap();
    let later_item = last_item(
        &add_item(app, admin, later_id, json!({"kind": "other", "title": "x"}))
            .await
            .json(),
    );
    decide(
        app,
        admin,
        later_id,
        later_item,
        json!({"outcome": "noted"}),
    )
    .await
    .assert_problem(409, "meeting-not-started");
    decide(app, admin, id, 999999, json!({"outcome": "noted"}))
        .await
        .assert_problem(404, "not-found");

    let res = decide(
        app,
        admin,
        id,
        chile_item,
        json!({"outcome": "adopted", "text": "Adopted by consensus."}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let decided = res.json();
    assert_eq!(decided["agenda"][0]["decision"]["outcome"], "adopted");
    assert_eq!(
        decided["agenda"][0]["decision"]["text"],
        "Adopted by consensus."
    );
    let adopted = app
        .get(&format!("/api/v1/reports/{report}"))
        .auth(admin)
        .send()
        .await
        .json();
    assert_eq!(adopted["status"], "adopted");
    assert_eq!(adopted["meeting"], id);
    assert_eq!(adopted["decision_note"], "Adopted by consensus.");
    let day = m["starts_at"].as_str().unwrap()[..10].to_owned();
    assert_eq!(adopted["decision_date"], day);
    assert_eq!(app.audit_rows("report.adopt").len(), 1);
    decide(app, admin, id, chile_item, json!({"outcome": "deferred"}))
        .await
        .assert_problem(409, "item-decided");
    app.delete(&format!("{path}/agenda-items/{chile_item}"))
        .auth(admin)
        .send()
        .await
        .assert_problem(409, "item-decided");

    // A draft report is not adopted, and nothing is recorded of the attempt.
    decide(app, admin, id, peru_item, json!({"outcome": "adopted"}))
        .await
        .assert_problem(409, "report-not-under-review");
    let now = app.get(&path).send().await.json();
    assert_eq!(now["agenda"][1]["decision"], Value::Null);
    let res = decide(
        app,
        admin,
        id,
        peru_item,
        json!({"outcome": "deferred", "text": "Back at the next meeting."}),
    )
    .await;
    assert_eq!(res.status, 201);
    let peru = app
        .get(&format!("/api/v1/reports/{draft}"))
        .auth(admin)
        .send()
        .await
        .json();
    assert_eq!(peru["status"], "draft");
    assert_eq!(peru["meeting"], Value::Null);
    decide(app, admin, id, other, json!({"outcome": "noted"})).await;
    let decisions = app.get(&format!("{path}/decisions")).send().await.json();
    let decided: Vec<(i64, &str)> = decisions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["agenda_item"].as_i64().unwrap(),
                d["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        decided,
        [
            (chile_item, "adopted"),
            (peru_item, "deferred"),
            (other, "noted")
        ]
    );
    let agenda = app.get(&format!("{path}/agenda-items")).send().await.json();
    assert_eq!(agenda["data"].as_array().unwrap().len(), 3);
    app.get("/api/v1/meetings/999999/decisions")
        .send()
        .await
        .assert_problem(404, "not-found");

    // Attendance, by country: every problem at once, then replaced whole.
    let att = format!("{path}/attendance");
    let res = app
        .request(actix_web::http::Method::PUT, &att)
        .auth(admin)
        .json(
            &json!({"countries": [{"country": "XXX", "status": "present"},
                                     {"country": "CHL", "status": "present", "delegates": 300},
                                     {"country": "chl", "status": "absent"}]}),
        )
        .send()
        .await;
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "countries[0].country",
            "countries[1].delegates",
            "countries[2].country"
        ]
    );
    let res = app
        .request(actix_web::http::Method::PUT, &att)
        .auth(admin)
        .json(
            &json!({"countries": [{"country": "CHL", "status": "present", "delegates": 3},
                                     {"country": "per", "status": "excused"}]}),
        )
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let public = app.get(&path).send().await.json();
    assert_eq!(
        public["attendance"],
        json!([{"country": "CHL", "status": "present", "delegates": 3},
               {"country": "PER", "status": "excused", "delegates": null}])
    );
    app.request(actix_web::http::Method::PUT, &att)
        .auth(&r.chile)
        .json(&json!({"countries": []}))
        .send()
        .await
        .assert_problem(403, "forbidden");

    // With decisions it was held: not cancelled; held, it keeps its schedule, takes its minutes.
    app.post(&format!("{path}/cancel"))
        .auth(admin)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .assert_problem(409, "meeting-has-decisions");
    let res = app.post(&format!("{path}/hold")).auth(admin).send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "held");
    add_item(app, admin, id, json!({"kind": "other", "title": "Late"}))
        .await
        .assert_problem(409, "meeting-not-scheduled");
    app.patch(&path)
        .auth(admin)
        .json(&json!({"title": "Renamed"}))
        .send()
        .await
        .assert_problem(409, "meeting-held");
    let study = minutes(app, admin, "study").await;
    let res = app
        .patch(&path)
        .auth(admin)
        .json(&json!({"minutes_document": study}))
        .send()
        .await;
    assert_eq!(res.error_fields(), ["minutes_document"]);
    let doc = minutes(app, admin, "meeting_minutes").await;
    let res = app
        .patch(&path)
        .auth(admin)
        .json(&json!({"minutes_document": doc}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["minutes_document"], doc);

    // Every step is in the feed, public.
    let feed = app
        .get("/api/v1/events?types=meeting.*")
        .auth(&r.chile)
        .send()
        .await
        .json();
    let types: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"].as_str() == Some(id.to_string().as_str()))
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in [
        "meeting.scheduled",
        "meeting.agenda_changed",
        "meeting.decision_recorded",
        "meeting.attendance_recorded",
        "meeting.held",
        "meeting.updated",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
}

fn parse(res: &Resp) -> icalendar::Calendar {
    let text = std::str::from_utf8(&res.body).unwrap();
    let unfolded = icalendar::parser::unfold(text);
    icalendar::parser::read_calendar(&unfolded)
        .map(icalendar::Calendar::from)
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{text}"))
}

fn summaries(cal: &icalendar::Calendar) -> Vec<String> {
    cal.events()
        .map(|e| e.get_summary().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_calendar_carries_sessions_milestones_and_a_focal_points_due_dates() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app.open_round(&admin, 1, &["ARG", "CHL"]).await;
    let rid = round["id"].as_i64().unwrap();
    let res = app
        .request(
            actix_web::http::Method::PUT,
            &format!("/api/v1/rounds/{rid}/participants/CHL"),
        )
        .auth(&admin)
        .json(&json!({"due_on_extension": "2027-05-15", "reason": "national elections"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let m = schedule(&app, &admin, session("committee_of_experts", 30)).await;
    let id = m["id"].as_i64().unwrap();
    let gone = schedule(&app, &admin, session("group_of_member_countries", 60)).await;
    app.post(&format!("/api/v1/meetings/{}/cancel", gone["id"]))
        .auth(&admin)
        .json(&json!({"reason": "Postponed."}))
        .send()
        .await;
    let chile = app.member("CHL");
    let arg = app.member("ARG");

    let res = app.get("/api/v1/calendar.ics").send().await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    assert!(
        res.body.windows(2).any(|w| w == b"\r\n"),
        "lines end in CRLF"
    );
    let cal = parse(&res);
    let session_uid = format!("meeting-{id}@mecigep.oas.org");
    let ev = cal
        .events()
        .find(|e| e.get_uid() == Some(session_uid.as_str()))
        .expect("the session is in the calendar");
    assert_eq!(
        ev.get_summary(),
        Some("Committee of Experts: Fourth meeting")
    );
    assert_eq!(
        ev.property_value("LOCATION"),
        Some("OAS headquarters, Washington")
    );
    assert_eq!(ev.get_url(), None, "the link is for signed-in callers");
    assert_eq!(ev.get_sequence(), Some(1));
    let cancelled = cal
        .events()
        .find(|e| e.get_uid() == Some(format!("meeting-{}@mecigep.oas.org", gone["id"]).as_str()))
        .unwrap();
    assert_eq!(
        cancelled.get_status(),
        Some(icalendar::EventStatus::Cancelled)
    );
    let all = summaries(&cal);
    for s in [
        "MECIGEP round 1: Round 1 — opens",
        "MECIGEP round 1: Round 1 — questionnaire responses due",
        "MECIGEP round 1: Round 1 — ends",
    ] {
        assert!(all.iter().any(|x| x == s), "{s} missing from {all:?}");
    }
    let due = cal
        .events()
        .find(|e| {
            e.get_uid() == Some(format!("round-{rid}-responses-due@mecigep.oas.org").as_str())
        })
        .unwrap();
    assert_eq!(due.property_value("DTSTART"), Some("20270430"));
    assert_eq!(due.property_value("DTEND"), Some("20270501"));
    assert!(!all.iter().any(|s| s.contains("'s responses due")));

    // A focal point sees its own country's deadline, with its extension, and the link.
    let mine = parse(&app.get("/api/v1/calendar.ics").auth(&chile).send().await);
    let own = mine
        .events()
        .find(|e| {
            e.get_summary()
                .is_some_and(|s| s.contains("CHL's responses due"))
        })
        .expect("Chile's deadline");
    assert_eq!(
        own.get_summary(),
        Some("MECIGEP round 1: Round 1 — CHL's responses due (extended)")
    );
    assert_eq!(own.property_value("DTSTART"), Some("20270515"));
    assert!(!summaries(&mine).iter().any(|s| s.contains("ARG's")));
    let linked = mine
        .events()
        .find(|e| e.get_uid() == Some(session_uid.as_str()))
        .unwrap();
    assert_eq!(linked.get_url(), Some("https://meet.example.org/mecigep-4"));
    let theirs = parse(&app.get("/api/v1/calendar.ics").auth(&arg).send().await);
    let arg_due = theirs
        .events()
        .find(|e| {
            e.get_summary()
                .is_some_and(|s| s.contains("ARG's responses due"))
        })
        .unwrap();
    assert_eq!(arg_due.property_value("DTSTART"), Some("20270430"));

    // Calendars poll: the same calendar is a 304; a change moves the session's SEQUENCE.
    let etag = res.header("etag").unwrap().to_owned();
    let again = app
        .get("/api/v1/calendar.ics")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    app.patch(&format!("/api/v1/meetings/{id}"))
        .auth(&admin)
        .json(&json!({"place": "Santiago"}))
        .send()
        .await;
    let res = app
        .get("/api/v1/calendar.ics")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let cal = parse(&res);
    let ev = cal
        .events()
        .find(|e| e.get_uid() == Some(session_uid.as_str()))
        .unwrap();
    assert_eq!(ev.get_sequence(), Some(2));
    assert_eq!(ev.property_value("LOCATION"), Some("Santiago"));

    // Only sessions and milestones from `from` on.
    let res = app.get("/api/v1/calendar.ics?from=2027-06-01").send().await;
    let late = summaries(&parse(&res));
    assert!(late.iter().any(|s| s.ends_with("— ends")));
    assert!(!late.iter().any(|s| s.ends_with("— opens")));
    app.get("/api/v1/calendar.ics?from=soon")
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn demo_sessions_show_the_plenary_that_adopted_the_first_round() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let list = app.get("/api/v1/meetings").send().await.json();
    let list = list["data"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let plenary = &list[0];
    assert_eq!(plenary["status"], "held");
    assert_eq!(plenary["body"], "committee_of_experts");
    let agenda = plenary["agenda"].as_array().unwrap();
    assert_eq!(
        agenda.len(),
        9,
        "the eight country reports and the hemispheric one"
    );
    assert!(agenda.iter().all(|i| i["decision"]["outcome"] == "adopted"));
    let report = app
        .get(&format!("/api/v1/reports/{}", agenda[0]["report"]))
        .send()
        .await
        .json();
    assert_eq!(report["meeting"], plenary["id"]);
    assert_eq!(plenary["attendance"].as_array().unwrap().len(), 8);
    assert!(list[1..].iter().all(|m| m["status"] == "scheduled"));
    assert_eq!(list[2]["agenda"][0]["kind"], "questionnaire_approval");
    let cal = parse(&app.get("/api/v1/calendar.ics?from=2025-01-01").send().await);
    let sessions = cal
        .events()
        .filter(|e| e.get_uid().is_some_and(|u| u.starts_with("meeting-")))
        .count();
    assert_eq!(sessions, 3);
}
