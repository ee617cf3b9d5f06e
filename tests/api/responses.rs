use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::util::{questionnaire_sections, TestApp, TestUser};

/// Answers to every question of the fixture questionnaire.
fn full_answers() -> Value {
    json!([
        {"question": "A.1", "value": "Dirección Nacional de Presupuesto"},
        {"question": "A.2", "value": "It prepares the annual budget bill.", "comment": "from the 2024 decree"},
        {"question": "A.3", "value": 412},
        {"question": "A.4", "value": 2.5},
        {"question": "B.1", "value": true},
        {"question": "B.2", "value": "2004-09-15"},
        {"question": "B.3", "value": "multiannual"},
        {"question": "B.4", "value": ["mtef", "ptb"]},
        {"question": "B.5", "value": "https://example.gov/law"}
    ])
}

struct Setup {
    app: TestApp,
    admin: TestUser,
    member: TestUser,
    round: i64,
    questionnaire: i64,
}

async fn setup() -> Setup {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("ARG");
    let (round, q) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    Setup {
        round: round["id"].as_i64().unwrap(),
        questionnaire: q["id"].as_i64().unwrap(),
        app,
        admin,
        member,
    }
}

async fn create(s: &Setup, who: &TestUser, body: Option<Value>) -> crate::util::Resp {
    let mut r = s
        .app
        .post(&format!(
            "/api/v1/questionnaires/{}/responses",
            s.questionnaire
        ))
        .auth(who);
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await
}

async fn new_response(s: &Setup) -> i64 {
    let res = create(s, &s.member, None).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

/// The response as `who` reads it.
async fn read(s: &Setup, id: i64, who: &TestUser) -> Value {
    s.app
        .get(&format!("/api/v1/responses/{id}"))
        .auth(who)
        .send()
        .await
        .json()
}

async fn put_all(s: &Setup, id: i64, who: &TestUser, body: &Value) -> crate::util::Resp {
    s.app
        .request(Method::PUT, &format!("/api/v1/responses/{id}/answers"))
        .auth(who)
        .json(body)
        .send()
        .await
}

#[actix_web::test]
async fn a_focal_point_answers_and_submits() {
    let s = setup().await;
    let res = create(&s, &s.member, None).await;
    assert_eq!(res.status, 201);
    let r = res.json();
    let id = r["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/responses/{id}")
    );
    assert!(res.header("etag").unwrap().starts_with("\"1-"));
    assert_eq!(r["country"], "ARG");
    assert_eq!(r["status"], "draft");
    assert_eq!(r["questions"], 9);
    assert_eq!(r["required"], 4);
    assert_eq!(r["due_on"], "2027-04-30");

    let again = create(&s, &s.member, None).await;
    let p = again.assert_problem(409, "response-exists");
    assert_eq!(
        again.header("location").unwrap(),
        format!("/api/v1/responses/{id}")
    );
    assert_eq!(p["location"], format!("/api/v1/responses/{id}"));

    let res = put_all(&s, id, &s.member, &full_answers()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let r = res.json();
    assert_eq!(r["answered"], 9);
    assert_eq!(r["required_answered"], 4);
    assert_eq!(r["sections"][1]["answered"], 5);
    assert_eq!(
        r["answers"][7]["value"],
        json!(["ptb", "mtef"]),
        "stored in option order"
    );
    assert_eq!(r["answers"][1]["comment"], "from the 2024 decree");

    let res = s
        .app
        .post(&format!("/api/v1/responses/{id}/submit"))
        .auth(&s.member)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let r = res.json();
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["submitted_by"], s.member.id);
    assert_eq!(r["late"], false);
    assert!(r["submitted_at"].is_string());
    assert_eq!(r["allowed_actions"], json!(["return", "accept"]));

    put_all(&s, id, &s.member, &full_answers())
        .await
        .assert_problem(409, "response-not-editable");
    let p = s
        .app
        .post(&format!("/api/v1/responses/{id}/submit"))
        .auth(&s.member)
        .send()
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!(["return", "accept"]));
    for action in ["response.create", "response.answers", "response.submit"] {
        assert_eq!(s.app.audit_rows(action).len(), 1, "{action}");
    }
}

/// A system that keeps its own copy asks for the minimal answer: counts and ETag, no echo.
#[actix_web::test]
async fn prefer_return_minimal_leaves_the_answers_out() {
    let s = setup().await;
    let id = new_response(&s).await;
    let url = format!("/api/v1/responses/{id}/answers");
    let res = s
        .app
        .request(Method::PUT, &url)
        .auth(&s.member)
        .header("Prefer", "return=minimal")
        .json(&full_answers())
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("preference-applied"), Some("return=minimal"));
    let r = res.json();
    assert!(r.get("answers").is_none(), "{r}");
    assert_eq!(r["answered"], 9);
    assert_eq!(r["required_answered"], 4);
    assert_eq!(r["sections"][1]["answered"], 5);
    assert_eq!(r["revision"], 2);
    let etag = res.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("\"2-"), "{etag}");

    // Everything was saved, at the revision its ETag names (the tag of another representation
    // of the same revision: If-Match takes either).
    let read = s
        .app
        .get(&format!("/api/v1/responses/{id}"))
        .auth(&s.member)
        .send()
        .await;
    assert!(read.header("etag").unwrap().starts_with("\"2-"));
    let saved = read.json();
    assert_eq!(saved["answers"].as_array().unwrap().len(), 9);
    assert_eq!(saved["answers"][7]["value"], json!(["ptb", "mtef"]));

    // One answer, minimal, with that ETag; then the full answer when not asked otherwise.
    let res = s
        .app
        .request(Method::PUT, &format!("{url}/A.3"))
        .auth(&s.member)
        .header("Prefer", "handling=strict, return=minimal")
        .header("If-Match", &etag)
        .json(&json!({"value": 500}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert!(res.json().get("answers").is_none());
    let res = s
        .app
        .request(Method::DELETE, &format!("{url}/A.3"))
        .auth(&s.member)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("preference-applied"), None);
    let r = res.json();
    assert_eq!(r["answers"].as_array().unwrap().len(), 8);
    assert_eq!(r["answered"], 8);
    assert_eq!(r["revision"], 4);
}

#[actix_web::test]
async fn one_bad_answer_saves_nothing_and_every_bad_one_is_listed() {
    let s = setup().await;
    let id = new_response(&s).await;
    let mut answers = full_answers();
    answers[2]["value"] = json!(-1);
    answers[6]["value"] = json!("weekly");
    answers
        .as_array_mut()
        .unwrap()
        .push(json!({"question": "Z.9", "value": 1}));
    answers
        .as_array_mut()
        .unwrap()
        .push(json!({"question": "B.1", "value": false}));
    let res = put_all(&s, id, &s.member, &answers).await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["A.3", "B.1", "B.3", "Z.9"]);
    let r = read(&s, id, &s.member).await;
    assert_eq!(r["answered"], 0, "atomic: nothing saved");
    assert_eq!(r["revision"], 1);
    let res = put_all(&s, id, &s.member, &json!({"A.1": "x"})).await;
    res.assert_problem(422, "validation");
    let res = put_all(
        &s,
        id,
        &s.member,
        &json!([{"question": "A.1", "value": "x", "extra": 1}]),
    )
    .await;
    res.assert_problem(422, "validation");
}

#[actix_web::test]
async fn each_kind_valid_and_invalid_over_http() {
    let s = setup().await;
    let id = new_response(&s).await;
    let cases = [
        ("A.1", json!("ok"), json!(42)),
        ("A.1", json!("x".repeat(200)), json!("x".repeat(201))),
        ("A.2", json!("long\ntext"), json!("")),
        ("A.3", json!(100000), json!(3.5)),
        ("A.4", json!(99.9), json!("12")),
        ("B.1", json!(false), json!("no")),
        ("B.2", json!("2024-02-29"), json!("2023-02-29")),
        ("B.3", json!("annual"), json!(["annual"])),
        ("B.4", json!(["gb"]), json!(["gb", "zz"])),
        (
            "B.5",
            json!("http://example.org"),
            json!("javascript:alert(1)"),
        ),
    ];
    for (code, good, bad) in cases {
        let url = format!("/api/v1/responses/{id}/answers/{code}");
        let res = s
            .app
            .request(Method::PUT, &url)
            .auth(&s.member)
            .json(&json!({"value": bad}))
            .send()
            .await;
        res.assert_problem(422, "validation");
        assert_eq!(res.error_fields(), [code], "{code} {bad}");
        let res = s
            .app
            .request(Method::PUT, &url)
            .auth(&s.member)
            .json(&json!({"value": good}))
            .send()
            .await;
        assert_eq!(
            res.status,
            200,
            "{code} {good}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    let res = s
        .app
        .request(Method::PUT, &format!("/api/v1/responses/{id}/answers/NOPE"))
        .auth(&s.member)
        .json(&json!({"value": 1}))
        .send()
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "unknown_question");
    // There is no answer to a question that does not exist: 404, as for any missing resource.
    s.app
        .request(
            Method::DELETE,
            &format!("/api/v1/responses/{id}/answers/NOPE"),
        )
        .auth(&s.member)
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn submit_lists_every_missing_required_code() {
    let s = setup().await;
    let id = new_response(&s).await;
    put_all(
        &s,
        id,
        &s.member,
        &json!([{"question": "A.1", "value": "Office"}]),
    )
    .await;
    let res = s
        .app
        .post(&format!("/api/v1/responses/{id}/submit"))
        .auth(&s.member)
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut missing = res.error_fields();
    missing.sort();
    assert_eq!(missing, ["A.3", "B.1", "B.3"]);
    assert_eq!(
        s.app
            .get(&format!("/api/v1/responses/{id}"))
            .auth(&s.member)
            .send()
            .await
            .json()["status"],
        "draft"
    );
}

#[actix_web::test]
async fn every_workflow_transition() {
    let s = setup().await;
    let id = new_response(&s).await;
    let act = |a: &str, who: &TestUser, body: Option<Value>| {
        let mut r = s.app.post(&format!("/api/v1/responses/{id}/{a}")).auth(who);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send()
    };
    assert_eq!(
        act("accept", &s.admin, None)
            .await
            .assert_problem(409, "invalid-transition")["allowed"],
        json!(["submit"])
    );
    assert_eq!(
        act("return", &s.admin, None)
            .await
            .assert_problem(409, "invalid-transition")["allowed"],
        json!(["submit"])
    );
    put_all(&s, id, &s.member, &full_answers()).await;
    assert_eq!(act("submit", &s.member, None).await.status, 200);

    act("return", &s.member, Some(json!({"reason": "x"})))
        .await
        .assert_problem(403, "forbidden");
    act("accept", &s.member, None)
        .await
        .assert_problem(403, "forbidden");
    act("return", &s.admin, None)
        .await
        .assert_problem(422, "validation");
    let res = act(
        "return",
        &s.admin,
        Some(json!({"reason": "B.2 cites the wrong law"})),
    )
    .await;
    assert_eq!(res.json()["status"], "returned");
    assert_eq!(res.json()["return_reason"], "B.2 cites the wrong law");

    let res = s
        .app
        .request(Method::PUT, &format!("/api/v1/responses/{id}/answers/B.2"))
        .auth(&s.member)
        .json(&json!({"value": "2005-01-10"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "returned responses are editable again");
    assert_eq!(
        act("submit", &s.member, None).await.json()["status"],
        "submitted"
    );
    let res = act("accept", &s.admin, None).await;
    assert_eq!(res.json()["status"], "accepted");
    for a in ["submit", "return", "accept"] {
        assert_eq!(
            act(a, &s.admin, Some(json!({"reason": "r"})))
                .await
                .assert_problem(409, "invalid-transition")["allowed"],
            json!([])
        );
    }
    for action in ["response.return", "response.accept"] {
        assert_eq!(s.app.audit_rows(action).len(), 1);
    }
    assert_eq!(s.app.audit_rows("response.submit").len(), 2);
}

#[actix_web::test]
async fn deadline_extension_and_late_flag() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let today = Utc::now().date_naive();
    let mut body = crate::util::round_body(1);
    body["starts_on"] = json!((today - Duration::days(30)).to_string());
    body["responses_due_on"] = json!((today - Duration::days(1)).to_string());
    body["ends_on"] = json!((today + Duration::days(60)).to_string());
    let round = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .json();
    let rid = round["id"].as_i64().unwrap();
    let q = app.create_questionnaire(&admin, rid).await;
    app.post(&format!("/api/v1/questionnaires/{}/publish", q["id"]))
        .auth(&admin)
        .send()
        .await;
    for c in ["ARG", "BRA", "CHL"] {
        app.request(
            Method::PUT,
            &format!("/api/v1/rounds/{rid}/participants/{c}"),
        )
        .auth(&admin)
        .send()
        .await;
    }
    app.post(&format!("/api/v1/rounds/{rid}/open"))
        .auth(&admin)
        .send()
        .await;
    let mut ids = Vec::new();
    for c in ["ARG", "BRA", "CHL"] {
        let fp = app.member(c);
        let r = app
            .post(&format!("/api/v1/questionnaires/{}/responses", q["id"]))
            .auth(&fp)
            .send()
            .await
            .json();
        let id = r["id"].as_i64().unwrap();
        app.request(Method::PUT, &format!("/api/v1/responses/{id}/answers"))
            .auth(&fp)
            .json(&full_answers())
            .send()
            .await;
        ids.push((id, fp));
    }
    let (arg, arg_fp) = &ids[0];
    let p = app
        .post(&format!("/api/v1/responses/{arg}/submit"))
        .auth(arg_fp)
        .send()
        .await
        .assert_problem(409, "deadline-passed");
    assert_eq!(p["due_on"], (today - Duration::days(1)).to_string());

    let ext = (today + Duration::days(5)).to_string();
    let (bra, bra_fp) = &ids[1];
    app.request(
        Method::PUT,
        &format!("/api/v1/rounds/{rid}/participants/BRA"),
    )
    .auth(&admin)
    .json(&json!({"due_on_extension": ext, "reason": "national elections"}))
    .send()
    .await;
    let res = app
        .post(&format!("/api/v1/responses/{bra}/submit"))
        .auth(bra_fp)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["late"], false);
    assert_eq!(res.json()["due_on"], ext);

    let (chl, _) = &ids[2];
    let res = app
        .post(&format!("/api/v1/responses/{chl}/submit"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(
        res.status, 200,
        "the secretariat may submit late on a country's behalf"
    );
    assert_eq!(res.json()["late"], true);
    assert_eq!(res.json()["submitted_by"], admin.id);

    let progress = app
        .get(&format!("/api/v1/rounds/{rid}/progress"))
        .auth(&admin)
        .send()
        .await
        .json();
    let rows = progress["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["country"], "ARG");
    assert_eq!(rows[0]["status"], "draft");
    assert_eq!(rows[0]["answered"], 9);
    assert_eq!(rows[0]["required_answered"], 4);
    assert_eq!(rows[1]["due_on"], ext);
    assert_eq!(rows[1]["status"], "submitted");
    assert_eq!(rows[2]["late"], true);
    let mine = app
        .get(&format!("/api/v1/rounds/{rid}/progress"))
        .auth(arg_fp)
        .send()
        .await
        .json();
    assert_eq!(
        mine["data"].as_array().unwrap().len(),
        1,
        "a focal point sees its own row"
    );
    // An expert sees every participant, but of ARG's draft (which it may not read) nothing.
    let expert = app.expert("MEX");
    let seen = app
        .get(&format!("/api/v1/rounds/{rid}/progress"))
        .auth(&expert)
        .send()
        .await
        .json();
    let rows = seen["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["country"], "ARG");
    assert_eq!(rows[0]["status"], Value::Null);
    assert_eq!(rows[0]["response"], Value::Null);
    assert_eq!(rows[0]["answered"], 0);
    app.get(&format!("/api/v1/responses/{arg}"))
        .auth(&expert)
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(rows[1]["status"], "submitted");
    assert_eq!(rows[2]["status"], "submitted");
}

#[actix_web::test]
async fn stale_if_match_never_overwrites() {
    let s = setup().await;
    let id = new_response(&s).await;
    let url = format!("/api/v1/responses/{id}/answers");
    let first = s
        .app
        .get(&format!("/api/v1/responses/{id}"))
        .auth(&s.member)
        .send()
        .await;
    let etag = first.header("etag").unwrap().to_owned();
    let res = s
        .app
        .request(Method::PUT, &url)
        .auth(&s.member)
        .header("if-match", &etag)
        .json(&json!([{"question": "A.1", "value": "first"}]))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let res = s
        .app
        .request(Method::PUT, &url)
        .auth(&s.member)
        .header("if-match", &etag)
        .json(&json!([{"question": "A.1", "value": "stale"}]))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");
    let r = read(&s, id, &s.member).await;
    assert_eq!(r["answers"][0]["value"], "first");
    let res = s
        .app
        .request(Method::PUT, &url)
        .auth(&s.member)
        .json(&json!([{"question": "A.1", "value": "no precondition"}]))
        .send()
        .await;
    assert_eq!(
        res.status, 200,
        "without If-Match the save goes through (and is in the history)"
    );
    let history = s
        .app
        .get(&format!("/api/v1/responses/{id}/history"))
        .auth(&s.member)
        .send()
        .await
        .json();
    let changes = history["data"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1]["old_value"], "first");
    assert_eq!(changes[1]["new_value"], "no precondition");
    assert_eq!(changes[1]["changed_by"], s.member.id);
}

#[actix_web::test]
async fn history_keeps_every_change() {
    let s = setup().await;
    let id = new_response(&s).await;
    let one = format!("/api/v1/responses/{id}/answers/A.3");
    for v in [1, 2, 2] {
        s.app
            .request(Method::PUT, &one)
            .auth(&s.member)
            .json(&json!({"value": v}))
            .send()
            .await;
    }
    s.app
        .request(Method::DELETE, &one)
        .auth(&s.member)
        .send()
        .await;
    let h = s
        .app
        .get(&format!("/api/v1/responses/{id}/history"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    let rows = h["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "an unchanged save is not a change");
    assert_eq!(
        (rows[0]["old_value"].clone(), rows[0]["new_value"].clone()),
        (Value::Null, json!(1))
    );
    assert_eq!(
        (rows[1]["old_value"].clone(), rows[1]["new_value"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(rows[2]["via"], "delete");
    let page1 = s
        .app
        .get(&format!("/api/v1/responses/{id}/history?limit=2"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(page1["data"].as_array().unwrap().len(), 2);
    let next = page1["next_cursor"].as_str().unwrap();
    let page2 = s
        .app
        .get(&format!(
            "/api/v1/responses/{id}/history?limit=2&cursor={next}"
        ))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_eq!(page2["data"][0]["via"], "delete");
    assert_eq!(page2["next_cursor"], Value::Null);
    assert_eq!(rows[2]["new_value"], Value::Null);
    let other = s.app.member("BRA");
    s.app
        .get(&format!("/api/v1/responses/{id}/history"))
        .auth(&other)
        .send()
        .await
        .assert_problem(404, "not-found");
}

/// Saves of one response sent at the same moment each land whole, one after another: every
/// change in the history starts from the value the save before it left (no save compares with
/// answers older than those it overwrites, though each checks its answers before its turn to
/// write), and the answer read back is the last change's.
#[actix_web::test]
async fn simultaneous_saves_of_one_response_follow_each_other_in_the_history() {
    let s = setup().await;
    let id = new_response(&s).await;
    let url = format!("/api/v1/responses/{id}/answers");
    let saves = 12;
    let sends = (0..saves).map(|i| {
        s.app
            .request(Method::PUT, &url)
            .auth(&s.member)
            .json(&json!([
                {"question": "A.3", "value": i + 1},
                {"question": "A.1", "value": format!("office {i}")}
            ]))
            .send()
    });
    let mut revisions = Vec::new();
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        revisions.push(r.json()["revision"].as_i64().unwrap());
    }
    revisions.sort_unstable();
    revisions.dedup();
    assert_eq!(revisions.len(), saves, "each save is a revision of its own");
    let history = s
        .app
        .get(&format!("/api/v1/responses/{id}/history?limit=100"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    let rows = history["data"].as_array().unwrap();
    for code in ["A.3", "A.1"] {
        let changes: Vec<&Value> = rows.iter().filter(|c| c["question"] == code).collect();
        assert_eq!(changes.len(), saves, "{code}: {rows:?}");
        assert_eq!(changes[0]["old_value"], Value::Null, "{code}");
        for pair in changes.windows(2) {
            assert_eq!(
                pair[1]["old_value"], pair[0]["new_value"],
                "{code}: {rows:?}"
            );
        }
        let stored = read(&s, id, &s.member).await;
        let answer = stored["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["question"] == code)
            .unwrap()
            .clone();
        assert_eq!(answer["value"], changes[saves - 1]["new_value"], "{code}");
    }
}

/// A save over earlier answers replaces each value, comment and author in place; what is read
/// back is what was sent (quotes, backslashes, line breaks, non-Latin text), and the answers
/// the save left out keep their value and author.
#[actix_web::test]
async fn a_second_save_overwrites_values_comments_and_authors_in_place() {
    let s = setup().await;
    let id = new_response(&s).await;
    assert_eq!(
        put_all(&s, id, &s.member, &full_answers()).await.status,
        200
    );
    let text = "Ley \"N.º 24.156\" — art. 2 \\ inciso b\nΣ 中文 😀 '; DROP TABLE answers; --";
    let comment = "cita: \"texto\" \\ fin\t[1, {\"a\": null}]";
    let second = json!([
        {"question": "A.1", "value": text, "comment": comment},
        {"question": "A.2", "value": "It prepares the annual budget bill."},
        {"question": "A.3", "value": 99999},
        {"question": "B.4", "value": ["ptb"]}
    ]);
    let res = put_all(&s, id, &s.admin, &second).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let saved = res.json();
    let stored = read(&s, id, &s.member).await;
    for r in [&saved, &stored] {
        let answer = |code: &str| {
            r["answers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["question"] == code)
                .unwrap_or_else(|| panic!("no answer {code}: {r}"))
                .clone()
        };
        assert_eq!(r["answered"], 9);
        assert_eq!(answer("A.1")["value"], text);
        assert_eq!(answer("A.1")["comment"], comment);
        assert_eq!(
            answer("A.2")["comment"],
            Value::Null,
            "a comment left out is cleared"
        );
        assert_eq!(answer("A.3")["value"], 99999);
        assert_eq!(answer("B.4")["value"], json!(["ptb"]));
        for code in ["A.1", "A.2", "A.3", "B.4"] {
            assert_eq!(answer(code)["updated_by"], s.admin.id, "{code}");
        }
        for code in ["A.4", "B.1", "B.2", "B.3", "B.5"] {
            assert_eq!(answer(code)["updated_by"], s.member.id, "{code}");
        }
        assert_eq!(answer("B.2")["value"], "2004-09-15");
    }
    let history = s
        .app
        .get(&format!("/api/v1/responses/{id}/history?limit=100"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    let changes = history["data"].as_array().unwrap();
    assert_eq!(changes.len(), 9 + 4);
    let a1 = changes
        .iter()
        .rev()
        .find(|c| c["question"] == "A.1")
        .unwrap();
    assert_eq!(a1["old_value"], "Dirección Nacional de Presupuesto");
    assert_eq!(a1["new_value"], text);
    assert_eq!(a1["new_comment"], comment);
}

#[actix_web::test]
async fn idempotent_retries_replay_and_conflicts() {
    let s = setup().await;
    let url = format!("/api/v1/questionnaires/{}/responses", s.questionnaire);
    let first = s
        .app
        .post(&url)
        .auth(&s.member)
        .header("idempotency-key", "create-arg-1")
        .send()
        .await;
    assert_eq!(first.status, 201);
    let again = s
        .app
        .post(&url)
        .auth(&s.member)
        .header("idempotency-key", "create-arg-1")
        .send()
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "replayed byte for byte");
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    let other_body = s
        .app
        .post(&url)
        .auth(&s.member)
        .header("idempotency-key", "create-arg-1")
        .json(&json!({"country": "ARG"}))
        .send()
        .await;
    let p = other_body.assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    // Keys are scoped to the caller.
    let admin_try = s
        .app
        .post(&url)
        .auth(&s.admin)
        .header("idempotency-key", "create-arg-1")
        .json(&json!({"country": "BRA"}))
        .send()
        .await;
    assert_eq!(admin_try.status, 201);
    let bad = s
        .app
        .post(&url)
        .auth(&s.member)
        .header("idempotency-key", "has space")
        .send()
        .await;
    bad.assert_problem(400, "invalid-header");

    // Submit replays too, instead of failing as a second submission would.
    let id = first.json()["id"].as_i64().unwrap();
    put_all(&s, id, &s.member, &full_answers()).await;
    let submit = format!("/api/v1/responses/{id}/submit");
    let a = s
        .app
        .post(&submit)
        .auth(&s.member)
        .header("idempotency-key", "submit-1")
        .send()
        .await;
    let b = s
        .app
        .post(&submit)
        .auth(&s.member)
        .header("idempotency-key", "submit-1")
        .send()
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(b.status, 200);
    assert_eq!(a.body, b.body);
    // A failed request releases its key.
    let bra = s.app.member("BRA");
    // (The secretariat created BRA's response above.)
    let bid = admin_try.json()["id"].as_i64().unwrap();
    let fail = s
        .app
        .post(&format!("/api/v1/responses/{bid}/submit"))
        .auth(&bra)
        .header("idempotency-key", "bra-submit")
        .send()
        .await;
    fail.assert_problem(422, "validation");
    put_all(&s, bid, &bra, &full_answers()).await;
    let ok = s
        .app
        .post(&format!("/api/v1/responses/{bid}/submit"))
        .auth(&bra)
        .header("idempotency-key", "bra-submit")
        .send()
        .await;
    assert_eq!(ok.status, 200);
}

#[actix_web::test]
async fn twenty_parallel_posts_with_one_key_create_one_record() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let sends = (0..20).map(|_| {
        app.post("/api/v1/rounds")
            .auth(&admin)
            .header("idempotency-key", "one-round")
            .json(&crate::util::round_body(7))
            .send()
    });
    let results = futures_util::future::join_all(sends).await;
    let created: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty());
    for r in &results {
        assert!(
            r.status == 201 || r.status == 409,
            "{}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        if r.status == 201 {
            assert_eq!(r.body, created[0].body);
        }
    }
    let rounds = app.get("/api/v1/rounds").send().await.json();
    assert_eq!(
        rounds["data"].as_array().unwrap().len(),
        1,
        "exactly one record"
    );
    assert_eq!(app.audit_rows("round.create").len(), 1);
}

#[actix_web::test]
async fn confidentiality_for_each_role_and_anonymous() {
    let s = setup().await;
    let id = new_response(&s).await;
    let url = format!("/api/v1/responses/{id}");
    let other = s.app.member("BRA");
    let expert = s.app.expert("CHL");
    assert_eq!(s.app.get(&url).auth(&s.member).send().await.status, 200);
    assert_eq!(s.app.get(&url).auth(&s.admin).send().await.status, 200);
    for who in [&other, &expert] {
        s.app
            .get(&url)
            .auth(who)
            .send()
            .await
            .assert_problem(404, "not-found");
    }
    s.app
        .get(&url)
        .send()
        .await
        .assert_problem(404, "not-found");
    put_all(&s, id, &other, &full_answers())
        .await
        .assert_problem(404, "not-found");
    put_all(&s, id, &expert, &full_answers())
        .await
        .assert_problem(404, "not-found");
    let count = |v: Value| v["data"].as_array().unwrap().len();
    assert_eq!(
        count(
            s.app
                .get("/api/v1/responses")
                .auth(&other)
                .send()
                .await
                .json()
        ),
        0
    );
    assert_eq!(
        count(
            s.app
                .get("/api/v1/responses")
                .auth(&s.member)
                .send()
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            s.app
                .get("/api/v1/responses")
                .auth(&expert)
                .send()
                .await
                .json()
        ),
        0,
        "experts see no drafts"
    );

    put_all(&s, id, &s.member, &full_answers()).await;
    s.app
        .post(&format!("{url}/submit"))
        .auth(&s.member)
        .send()
        .await;
    assert_eq!(s.app.get(&url).auth(&expert).send().await.status, 200);
    assert_eq!(
        count(
            s.app
                .get("/api/v1/responses")
                .auth(&expert)
                .send()
                .await
                .json()
        ),
        1
    );
    put_all(&s, id, &expert, &full_answers())
        .await
        .assert_problem(403, "forbidden");
    s.app
        .post(&format!("{url}/accept"))
        .auth(&expert)
        .send()
        .await
        .assert_problem(403, "forbidden");
    s.app
        .post(&format!("{url}/accept"))
        .auth(&s.admin)
        .send()
        .await;
    s.app
        .get(&url)
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(count(s.app.get("/api/v1/responses").send().await.json()), 0);

    // Public once the round concludes, because its policy publishes accepted responses.
    s.app.adopt_hemispheric_report(&s.admin, s.round).await;
    for a in ["review", "conclude"] {
        s.app
            .post(&format!("/api/v1/rounds/{}/{a}", s.round))
            .auth(&s.admin)
            .send()
            .await;
    }
    assert_eq!(s.app.get(&url).send().await.status, 200);
    assert_eq!(s.app.get(&url).auth(&other).send().await.status, 200);
    assert_eq!(count(s.app.get("/api/v1/responses").send().await.json()), 1);
    s.app
        .post(&format!(
            "/api/v1/questionnaires/{}/responses",
            s.questionnaire
        ))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    create(&s, &expert, None)
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn creating_needs_a_participant_an_open_round_and_the_current_version() {
    let s = setup().await;
    let mex = s.app.member("MEX");
    create(&s, &mex, None)
        .await
        .assert_problem(422, "validation");
    create(&s, &s.admin, None)
        .await
        .assert_problem(422, "validation");
    create(&s, &s.member, Some(json!({"country": "BRA"})))
        .await
        .assert_problem(403, "forbidden");
    let res = create(&s, &s.admin, Some(json!({"country": "BRA"}))).await;
    assert_eq!(res.status, 201, "the secretariat answers on behalf");
    assert_eq!(res.json()["country"], "BRA");
    let planned = s.app.create_round(&s.admin, 2).await;
    let q2 = s
        .app
        .create_questionnaire(&s.admin, planned["id"].as_i64().unwrap())
        .await;
    s.app
        .post(&format!("/api/v1/questionnaires/{}/publish", q2["id"]))
        .auth(&s.admin)
        .send()
        .await;
    let res = s
        .app
        .post(&format!("/api/v1/questionnaires/{}/responses", q2["id"]))
        .auth(&s.member)
        .send()
        .await;
    res.assert_problem(409, "round-not-open");
    let res = s
        .app
        .post("/api/v1/questionnaires/999/responses")
        .auth(&s.member)
        .send()
        .await;
    res.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn summary_and_list_filters_count_what_the_caller_sees() {
    let s = setup().await;
    let mut ids = Vec::new();
    for (c, staff, horizon) in [("ARG", 100, "annual"), ("BRA", 300, "multiannual")] {
        let fp = s.app.member(c);
        let r = s
            .app
            .post(&format!(
                "/api/v1/questionnaires/{}/responses",
                s.questionnaire
            ))
            .auth(&fp)
            .send()
            .await
            .json();
        let id = r["id"].as_i64().unwrap();
        let mut answers = full_answers();
        answers[2]["value"] = json!(staff);
        answers[6]["value"] = json!(horizon);
        put_all(&s, id, &fp, &answers).await;
        s.app
            .post(&format!("/api/v1/responses/{id}/submit"))
            .auth(&fp)
            .send()
            .await;
        ids.push(id);
    }
    let summary = |code: &str| {
        format!(
            "/api/v1/questionnaires/{}/questions/{code}/summary",
            s.questionnaire
        )
    };
    let n = s
        .app
        .get(&summary("A.3"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(
        (n["responses"].clone(), n["answered"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(
        (
            n["min"].clone(),
            n["max"].clone(),
            n["mean"].clone(),
            n["median"].clone()
        ),
        (json!(100.0), json!(300.0), json!(200.0), json!(200.0))
    );
    let c = s
        .app
        .get(&summary("B.3"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(c["counts"], json!({"annual": 1, "multiannual": 1}));
    let m = s
        .app
        .get(&summary("B.4"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(m["counts"], json!({"gb": 0, "mtef": 2, "ptb": 2}));
    let b = s
        .app
        .get(&summary("B.1"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(
        (b["true_count"].clone(), b["false_count"].clone()),
        (json!(2), json!(0))
    );
    let t = s
        .app
        .get(&summary("A.1"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(t["answered"], 2);
    let anon = s.app.get(&summary("A.3")).send().await.json();
    assert_eq!(
        anon["responses"], 0,
        "the public sees nothing of a running round"
    );
    s.app
        .get(&summary("NOPE"))
        .send()
        .await
        .assert_problem(404, "not-found");

    let list = |q: &str| format!("/api/v1/responses?{q}");
    let count = |v: Value| v["data"].as_array().unwrap().len();
    assert_eq!(
        count(
            s.app
                .get(&list("country=bra"))
                .auth(&s.admin)
                .send()
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            s.app
                .get(&list(&format!("round={}&status=submitted", s.round)))
                .auth(&s.admin)
                .send()
                .await
                .json()
        ),
        2
    );
    assert_eq!(
        count(
            s.app
                .get(&list("updated_since=2999-01-01T00:00:00Z"))
                .auth(&s.admin)
                .send()
                .await
                .json()
        ),
        0
    );
    s.app
        .get(&list("status=done&round=x"))
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn a_new_version_carries_answers_over_by_code() {
    let s = setup().await;
    let id = new_response(&s).await;
    put_all(&s, id, &s.member, &full_answers()).await;
    let submitted_fp = s.app.member("BRA");
    let bra = s
        .app
        .post(&format!(
            "/api/v1/questionnaires/{}/responses",
            s.questionnaire
        ))
        .auth(&submitted_fp)
        .send()
        .await
        .json();
    let bid = bra["id"].as_i64().unwrap();
    put_all(&s, bid, &submitted_fp, &full_answers()).await;
    s.app
        .post(&format!("/api/v1/responses/{bid}/submit"))
        .auth(&submitted_fp)
        .send()
        .await;

    let v2 = s
        .app
        .post(&format!(
            "/api/v1/questionnaires/{}/new-version",
            s.questionnaire
        ))
        .auth(&s.admin)
        .send()
        .await
        .json();
    let v2id = v2["id"].as_i64().unwrap();
    let mut sections = questionnaire_sections();
    sections[0]["questions"][2]["kind"] = json!("decimal"); // A.3 integer → decimal: kept
    sections[0]["questions"][3]["kind"] = json!("boolean"); // A.4 decimal → boolean: dropped
    sections[0]["questions"][3]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k != "min" && k != "max");
    sections[1]["questions"][2]["kind"] = json!("multi_choice"); // B.3 single → multi: wrapped
    sections[1]["questions"].as_array_mut().unwrap().remove(4); // B.5 gone: dropped
    let tag = s
        .app
        .get(&format!("/api/v1/questionnaires/{v2id}"))
        .auth(&s.admin)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = s
        .app
        .request(Method::PUT, &format!("/api/v1/questionnaires/{v2id}"))
        .auth(&s.admin)
        .header("if-match", &tag)
        .json(&json!({"title": "v2", "sections": sections}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    s.app
        .post(&format!("/api/v1/questionnaires/{v2id}/publish"))
        .auth(&s.admin)
        .send()
        .await;

    let r = read(&s, id, &s.member).await;
    assert_eq!(
        r["questionnaire"], v2id,
        "the draft moved to the new version"
    );
    let by_code = |code: &str| {
        r["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["question"] == code)
            .map(|a| a["value"].clone())
    };
    assert_eq!(by_code("A.3"), Some(json!(412)));
    assert_eq!(by_code("B.3"), Some(json!(["multiannual"])));
    assert_eq!(by_code("A.4"), None);
    assert_eq!(by_code("B.5"), None);
    let mut dropped: Vec<&str> = r["carry_over_report"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["question"].as_str().unwrap())
        .collect();
    dropped.sort();
    assert_eq!(dropped, ["A.4", "B.5"]);
    assert_eq!(r["carry_over_report"][0]["value"], json!(2.5));
    let b = s
        .app
        .get(&format!("/api/v1/responses/{bid}"))
        .auth(&s.admin)
        .send()
        .await
        .json();
    assert_eq!(
        b["questionnaire"], s.questionnaire,
        "submitted responses stay on their version"
    );
    let h = s
        .app
        .get(&format!("/api/v1/responses/{id}/history"))
        .auth(&s.member)
        .send()
        .await
        .json();
    assert!(h["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["via"] == "carry_over" && e["question"] == "B.5"));
    assert_eq!(s.app.audit_rows("response.carry_over").len(), 1);
}

#[actix_web::test]
async fn a_stored_answer_that_does_not_parse_is_a_500_never_a_null_answer() {
    use diesel::prelude::*;
    use mecigep::db::schema::answers as a;
    let s = setup().await;
    let id = new_response(&s).await;
    let res = put_all(
        &s,
        id,
        &s.member,
        &json!([{"question": "A.2", "value": "It prepares the annual budget bill."}]),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    s.app.with_conn(|conn| {
        diesel::update(a::table.filter(a::response_id.eq(id)))
            .set(a::value.eq("\"cut sho"))
            .execute(conn)
            .unwrap()
    });
    s.app
        .get(&format!("/api/v1/responses/{id}"))
        .auth(&s.member)
        .send()
        .await
        .assert_problem(500, "internal");
}
