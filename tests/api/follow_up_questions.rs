//! Open recommendations into the next questionnaire: the generated follow-up section of each
//! participant, asked of it alone, whose answers become follow-up declarations on acceptance.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::reports::{review, Review};
use crate::util::questionnaire_sections;

/// CHL's adopted report in round 1 with two recommendations; their ids.
async fn adopted_pair(r: &Review) -> (i64, i64) {
    let id = r.country_report("CHL").await;
    let mut recs = Vec::new();
    for text in [
        "Publish the results of competitions.",
        "Create a career civil service.",
    ] {
        let res = r
            .app
            .post(&format!("/api/v1/reports/{id}/recommendations"))
            .auth(&r.assigned)
            .json(&json!({"text": text, "thematic_area": "civil-service"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        recs.push(res.json()["id"].as_i64().unwrap());
    }
    r.act(&r.admin, id, "submit", json!({})).await;
    let res = r
        .act(
            &r.admin,
            id,
            "adopt",
            json!({"decision_date": "2026-11-20"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    (recs[0], recs[1])
}

/// Chile declares `status` on `rec` and the assigned expert accepts the declaration.
async fn declared_and_accepted(r: &Review, rec: i64, status: &str, note: &str) {
    let res = r
        .app
        .patch(&format!("/api/v1/recommendations/{rec}"))
        .auth(&r.chile)
        .json(&json!({"status": status, "progress_note": note}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let entry = res.json()["history"].as_array().unwrap().last().unwrap()["id"].clone();
    let res = r
        .app
        .post(&format!("/api/v1/recommendations/{rec}/assessment"))
        .auth(&r.assigned)
        .json(&json!({"followup": entry, "assessment": "accepted"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

/// Round 2 with CHL and PER, and its draft questionnaire's id.
async fn next_round(r: &Review) -> (i64, i64) {
    let round = r.app.create_round(&r.admin, 2).await["id"]
        .as_i64()
        .unwrap();
    for c in ["CHL", "PER"] {
        let res = r
            .app
            .request(
                Method::PUT,
                &format!("/api/v1/rounds/{round}/participants/{c}"),
            )
            .auth(&r.admin)
            .send()
            .await;
        assert_eq!(res.status, 201);
    }
    let q = r.app.create_questionnaire(&r.admin, round).await;
    (round, q["id"].as_i64().unwrap())
}

fn section<'a>(q: &'a Value, code: &str) -> Option<&'a Value> {
    q["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
}

#[actix_web::test]
async fn open_recommendations_are_asked_again_and_answers_become_declarations() {
    let r = review().await;
    let app = &r.app;
    let (open, settled) = adopted_pair(&r).await;
    // The second is settled: declared implemented, and the reviewers accepted it.
    declared_and_accepted(&r, settled, "implemented", "Done.").await;
    let (round, q) = next_round(&r).await;
    let generate = format!("/api/v1/questionnaires/{q}/follow-up");

    app.post(&generate)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    for who in [&r.chile, &r.assigned] {
        app.post(&generate)
            .auth(who)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post(&generate)
        .auth(&r.admin)
        .header("if-match", "\"stale\"")
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    let res = app.post(&generate).auth(&r.admin).send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    // Twice gives the same sections, not two of them.
    let doc = app.post(&generate).auth(&r.admin).send().await.json();
    let codes: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["A", "B", "FU-CHL"], "PER has no earlier report");
    let fu = section(&doc, "FU-CHL").unwrap();
    assert_eq!(fu["country"], "CHL");
    let questions = fu["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 1, "the settled one is not asked");
    let question = &questions[0];
    let code = format!("FU-CHL-{open}");
    assert_eq!(question["code"], code);
    assert_eq!(question["recommendation"], open);
    assert_eq!(question["kind"], "single_choice");
    assert_eq!(question["required"], true);
    assert!(question["prompt"]
        .as_str()
        .unwrap()
        .ends_with("Publish the results of competitions."));
    assert_eq!(section(&doc, "A").unwrap()["country"], Value::Null);

    // A structure sent whole says the same things, checked against the database.
    let etag = app
        .get(&format!("/api/v1/questionnaires/{q}"))
        .auth(&r.admin)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let mut sections = questionnaire_sections();
    sections.as_array_mut().unwrap().push(json!(
        {"code": "FU-MEX", "title": "x", "country": "MEX", "questions": [
            {"code": "FU-MEX-1", "prompt": "x", "kind": "text", "recommendation": open}]}));
    sections.as_array_mut().unwrap().push(json!(
        {"code": "C", "title": "y", "questions": [
            {"code": "C.1", "prompt": "y", "kind": "text", "recommendation": open}]}));
    let res = app
        .request(Method::PUT, &format!("/api/v1/questionnaires/{q}"))
        .auth(&r.admin)
        .header("if-match", &etag)
        .json(&json!({"title": "Second round", "sections": sections}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "sections[2].country",
            "sections[2].questions[0].kind",
            "sections[2].questions[0].recommendation",
            "sections[3].questions[0].recommendation",
        ]
    );

    // Published and open: each country's response holds its own section only.
    let res = app
        .post(&format!("/api/v1/questionnaires/{q}/publish"))
        .auth(&r.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .post(&format!("/api/v1/rounds/{round}/open"))
        .auth(&r.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let start = |who| {
        app.post(&format!("/api/v1/questionnaires/{q}/responses"))
            .auth(who)
            .send()
    };
    let chile = start(&r.chile).await.json();
    let peru = start(&r.peru).await.json();
    let progress = |resp: &Value| -> Vec<String> {
        resp["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(progress(&chile), ["A", "B", "FU-CHL"]);
    assert_eq!(progress(&peru), ["A", "B"]);
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/responses/{}/answers", peru["id"]),
        )
        .auth(&r.peru)
        .json(&json!([{"question": code, "value": "implemented"}]))
        .send()
        .await;
    res.assert_problem(422, "validation");

    // Chile answers, with a narrative and a file; it must answer the follow-up to submit.
    let rid = chile["id"].as_i64().unwrap();
    let answers = format!("/api/v1/responses/{rid}/answers");
    let res = app
        .request(Method::PUT, &answers)
        .auth(&r.chile)
        .json(
            &json!([{"question": "A.1", "value": "DIPRES"}, {"question": "A.3", "value": 120},
                      {"question": "B.1", "value": true}, {"question": "B.3", "value": "annual"}]),
        )
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .post(&format!("/api/v1/responses/{rid}/submit"))
        .auth(&r.chile)
        .send()
        .await;
    assert_eq!(res.error_fields(), std::slice::from_ref(&code));
    let res = app
        .request(Method::PUT, &answers)
        .auth(&r.chile)
        .json(&json!([{"question": code, "value": "in_progress",
                       "comment": "The competitions' results are published since March."}]))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let file = app
        .upload_text(
            &r.chile,
            "Resolution 12/2027 on publishing results.",
            "resolution.txt",
        )
        .await;
    let res = app
        .post("/api/v1/attachments")
        .auth(&r.chile)
        .json(
            &json!({"file": file, "parent_type": "answer", "parent_id": rid,
                      "question": code, "caption": "Resolution 12/2027"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .post(&format!("/api/v1/responses/{rid}/submit"))
        .auth(&r.chile)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let before = app
        .get(&format!("/api/v1/recommendations/{open}"))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(
        before["status"], "pending",
        "not before the response is accepted"
    );

    let res = app
        .post(&format!("/api/v1/responses/{rid}/accept"))
        .auth(&r.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let rec = app
        .get(&format!("/api/v1/recommendations/{open}"))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(rec["status"], "in_progress");
    assert_eq!(
        rec["progress_note"],
        "The competitions' results are published since March."
    );
    assert_eq!(
        rec["assessment"], "awaiting",
        "the reviewers assess it next"
    );
    let entry = rec["history"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let annexes = app
        .get(&format!(
            "/api/v1/attachments?parent_type=followup&parent_id={entry}"
        ))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(annexes["data"][0]["file"]["id"], file);
    assert_eq!(annexes["data"][0]["caption"], "Resolution 12/2027");
    let settled_now = app
        .get(&format!("/api/v1/recommendations/{settled}"))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(settled_now["assessed_status"], "implemented", "untouched");
    let audit = app.audit_rows("recommendation.followup");
    assert!(audit
        .iter()
        .any(|(_, id, summary, _)| *id == open.to_string()
            && summary.contains(&format!("\"response\":{rid}"))));
    assert!(!app.audit_rows("response.accept").is_empty());
}

#[actix_web::test]
async fn a_follow_up_report_shows_earlier_recommendations_as_they_stood_at_adoption() {
    let r = review().await;
    let app = &r.app;
    let (first, second) = adopted_pair(&r).await;
    declared_and_accepted(&r, first, "in_progress", "A bill is in Congress.").await;
    let (round, q) = next_round(&r).await;
    app.post(&format!("/api/v1/questionnaires/{q}/publish"))
        .auth(&r.admin)
        .send()
        .await;
    let res = app
        .post(&format!("/api/v1/rounds/{round}/open"))
        .auth(&r.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));

    let create = |body: Value| {
        app.post("/api/v1/reports")
            .auth(&r.admin)
            .json(&body)
            .send()
    };
    let res = create(json!({"round": round, "kind": "follow_up", "title": {"en": "x"}})).await;
    assert_eq!(res.error_fields(), ["country"]);
    let res = create(
        json!({"round": round, "kind": "follow_up", "country": "PER", "title": {"en": "x"}}),
    )
    .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.json()["errors"][0]["code"], "nothing_to_follow_up");
    app.post("/api/v1/reports")
        .auth(&r.chile)
        .json(&json!({"round": round, "kind": "follow_up", "country": "CHL", "title": {"en": "x"}}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let body = json!({"round": round, "kind": "follow_up", "country": "CHL",
                      "title": {"en": "Follow-up report: Chile"}, "body": "## Progress\n\nSteady."});
    let res = create(body.clone()).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(res.json()["kind"], "follow_up");
    create(body).await.assert_problem(409, "report-exists");

    let path = format!("/api/v1/reports/{id}");
    let report = app.get(&path).auth(&r.chile).send().await.json();
    let items = report["follow_up"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["recommendation"], first);
    assert_eq!(items[0]["round"], 1);
    assert_eq!(items[0]["status"], "in_progress");
    assert_eq!(items[0]["assessed_status"], "in_progress");
    assert_eq!(items[0]["declarations"][0]["assessment"], "accepted");
    assert_eq!(items[1]["recommendation"], second);
    assert_eq!(items[1]["status"], "pending");
    assert_eq!(items[1]["declarations"], json!([]));
    // Another country does not read Chile's draft; the public, once it is published.
    app.get(&path)
        .auth(&r.peru)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.get(&path).send().await.assert_problem(404, "not-found");

    // The country report's cycle; after adoption the report keeps what stood then.
    assert_eq!(r.act(&r.admin, id, "submit", json!({})).await.status, 200);
    let today = chrono::Utc::now().date_naive().to_string();
    let res = r
        .act(&r.admin, id, "adopt", json!({"decision_date": today}))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .patch(&format!("/api/v1/recommendations/{second}"))
        .auth(&r.chile)
        .json(&json!({"status": "implemented", "progress_note": "Done after the session."}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(r.act(&r.admin, id, "publish", json!({})).await.status, 200);
    let public = app.get(&path).send().await.json();
    let items = public["follow_up"].as_array().unwrap();
    assert_eq!(items[1]["status"], "pending", "as it stood at adoption");
    assert_eq!(items[1]["declarations"], json!([]));
    let listed = app
        .get(&format!("/api/v1/reports?round={round}&kind=follow_up"))
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["data"][0].get("follow_up"),
        None,
        "single reads only"
    );
}

#[actix_web::test]
async fn the_demo_drafts_a_follow_up_report_for_the_open_round() {
    let app = crate::util::TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let admin = app.secretariat();
    let list = app
        .get("/api/v1/reports?kind=follow_up")
        .auth(&admin)
        .send()
        .await
        .json();
    let list = list["data"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["country"], "ARG");
    assert_eq!(list[0]["status"], "draft");
    let one = app
        .get(&format!("/api/v1/reports/{}", list[0]["id"]))
        .auth(&admin)
        .send()
        .await
        .json();
    let items = one["follow_up"].as_array().unwrap();
    assert_eq!(
        items.len(),
        3,
        "Argentina's three first-round recommendations"
    );
    assert!(items.iter().any(|i| i["assessed_status"] == "implemented"));
}
