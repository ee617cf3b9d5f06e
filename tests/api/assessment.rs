//! Assessed follow-up: a country declares, the report's assigned experts or the secretariat
//! assess; the tracker and its export show both and filter on both.

use serde_json::{json, Value};

use crate::reports::{review, Review};
use crate::util::TestUser;

/// CHL's adopted and published country report with one recommendation; its path.
async fn adopted_recommendation(r: &Review) -> String {
    let id = r.country_report("CHL").await;
    let res = r
        .app
        .post(&format!("/api/v1/reports/{id}/recommendations"))
        .auth(&r.assigned)
        .json(&json!({"text": "Publish the results of competitions.", "thematic_area": "civil-service"}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let rec = format!("/api/v1/recommendations/{}", res.json()["id"]);
    r.act(&r.admin, id, "submit", json!({})).await;
    r.act(
        &r.admin,
        id,
        "adopt",
        json!({"decision_date": "2026-11-20"}),
    )
    .await;
    r.act(&r.admin, id, "publish", json!({})).await;
    rec
}

async fn declare(r: &Review, rec: &str, status: &str) -> Value {
    let res = r
        .app
        .patch(rec)
        .auth(&r.chile)
        .json(&json!({"status": status, "progress_note": format!("We say: {status}.")}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

fn latest(rec: &Value) -> i64 {
    rec["history"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn assess(r: &Review, who: &TestUser, rec: &str, body: Value) -> crate::util::Resp {
    r.app
        .post(&format!("{rec}/assessment"))
        .auth(who)
        .json(&body)
        .send()
        .await
}

#[actix_web::test]
async fn a_declaration_counts_once_the_reviewers_accept_it() {
    let r = review().await;
    let rec = adopted_recommendation(&r).await;
    let fresh = r.app.get(&rec).send().await.json();
    assert_eq!(fresh["assessment"], Value::Null, "nothing declared yet");
    assert_eq!(fresh["assessed_status"], "pending");

    let declared = declare(&r, &rec, "implemented").await;
    assert_eq!(declared["status"], "implemented");
    assert_eq!(declared["assessed_status"], "pending", "not at once");
    assert_eq!(declared["assessment"], "awaiting");
    let entry = latest(&declared);

    // The public tracker shows both, and filters on both.
    let awaiting = r
        .app
        .get("/api/v1/recommendations?assessment=awaiting&status=implemented")
        .send()
        .await
        .json();
    assert_eq!(awaiting["data"].as_array().unwrap().len(), 1);
    let confirmed = r
        .app
        .get("/api/v1/recommendations?assessed_status=implemented")
        .send()
        .await
        .json();
    assert!(confirmed["data"].as_array().unwrap().is_empty());

    // More information first: the assessed status stays; the reason is required and shown.
    let res = assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": entry, "assessment": "more_information_needed"}),
    )
    .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["reason"]);
    let res = assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": entry, "assessment": "more_information_needed",
               "reason": "Send the published results."}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let asked = res.json();
    assert_eq!(asked["assessment"], "more_information_needed");
    assert_eq!(asked["assessed_status"], "pending");
    let h = asked["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(h["assessment"], "more_information_needed");
    assert_eq!(h["assessment_reason"], "Send the published results.");
    assert_eq!(h["assessed_by"], r.assigned.id);
    assert!(h["assessed_at"].is_string());
    assess(
        &r,
        &r.admin,
        &rec,
        json!({"followup": entry, "assessment": "accepted"}),
    )
    .await
    .assert_problem(409, "already-assessed");

    // The country declares again; the older declaration can no longer be assessed.
    let again = declare(&r, &rec, "implemented").await;
    assert_eq!(again["assessment"], "awaiting");
    let newer = latest(&again);
    let res = assess(
        &r,
        &r.admin,
        &rec,
        json!({"followup": entry, "assessment": "accepted"}),
    )
    .await;
    res.assert_problem(409, "superseded-declaration");
    let etag = r
        .app
        .get(&rec)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = r
        .app
        .post(&format!("{rec}/assessment"))
        .auth(&r.admin)
        .header("if-match", &etag)
        .json(&json!({"followup": newer, "assessment": "accepted"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let accepted = res.json();
    assert_eq!(accepted["assessment"], "accepted");
    assert_eq!(accepted["assessed_status"], "implemented");
    assert_ne!(res.header("etag").unwrap(), etag, "a new revision");

    let confirmed = r
        .app
        .get("/api/v1/recommendations?assessed_status=implemented&assessment=accepted")
        .send()
        .await
        .json();
    assert_eq!(confirmed["data"].as_array().unwrap().len(), 1);

    // The export carries both, side by side.
    let csv = r
        .app
        .get("/api/v1/exports/recommendations?format=csv&assessment=accepted")
        .send()
        .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .contains("status,assessed_status,assessment,"),
        "{text}"
    );
    let row = lines.next().unwrap();
    assert!(row.contains("implemented,implemented,accepted"), "{row}");

    // Recorded, and told to subscribers.
    let audited = r.app.audit_rows("recommendation.assess");
    assert_eq!(audited.len(), 2);
    let feed = r
        .app
        .get("/api/v1/events")
        .auth(&r.admin)
        .send()
        .await
        .json();
    let assessed = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "recommendation.followup_assessed")
        .count();
    assert_eq!(assessed, 2, "{feed}");
}

#[actix_web::test]
async fn only_the_reports_assessors_assess() {
    let r = review().await;
    let rec = adopted_recommendation(&r).await;
    let entry = latest(&declare(&r, &rec, "in_progress").await);
    let body = json!({"followup": entry, "assessment": "accepted"});
    // The reviewed country does not assess itself; nor do experts not assigned to it, nor its
    // own nationals.
    for who in [&r.chile, &r.peru, &r.other_expert, &r.own_expert] {
        assess(&r, who, &rec, body.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    r.app
        .post(&format!("{rec}/assessment"))
        .json(&body)
        .send()
        .await
        .assert_problem(401, "authentication-required");

    // Bad input: every problem at once; unknown fields and values refused.
    let res = assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": 999999, "assessment": "not_accepted", "reason": "x".repeat(5001)}),
    )
    .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["followup", "reason"]);
    assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": entry, "assessment": "awaiting"}),
    )
    .await
    .assert_problem(422, "validation");
    r.app
        .post("/api/v1/recommendations/999999/assessment")
        .auth(&r.admin)
        .json(&body)
        .send()
        .await
        .assert_problem(404, "not-found");
    let res = r
        .app
        .get("/api/v1/recommendations?assessment=maybe&assessed_status=done")
        .send()
        .await;
    res.assert_problem(400, "invalid-query");

    let res = assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": entry, "assessment": "not_accepted", "reason": "No evidence of the bill."}),
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["assessment"], "not_accepted");
    assert_eq!(res.json()["assessed_status"], "pending");
    assert_eq!(
        res.json()["status"],
        "in_progress",
        "the declaration stays as made"
    );
}

fn sum(groups: &Value) -> i64 {
    groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_i64().unwrap())
        .sum()
}

#[actix_web::test]
async fn analysts_count_recommendations_across_rounds() {
    // The demo's review: some declarations accepted, others asked for more.
    let demo = crate::util::TestApp::new().await;
    demo.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    for assessment in ["accepted", "more_information_needed"] {
        let found = demo
            .get(&format!("/api/v1/recommendations?assessment={assessment}"))
            .send()
            .await
            .json();
        assert!(
            !found["data"].as_array().unwrap().is_empty(),
            "{assessment}"
        );
    }
    // And civil society's input, the accepted one public with the published reports.
    let inputs = demo.get("/api/v1/civil-society-inputs").send().await.json();
    let inputs = inputs["data"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    assert!(inputs[0]["reply"].is_string());

    let r = review().await;
    let app = &r.app;
    let rec = adopted_recommendation(&r).await;
    let entry = latest(&declare(&r, &rec, "implemented").await);
    let res = assess(
        &r,
        &r.assigned,
        &rec,
        json!({"followup": entry, "assessment": "accepted"}),
    )
    .await;
    assert_eq!(res.status, 200);
    // A draft report's recommendation: the secretariat counts it, the public does not.
    let draft = r.country_report("PER").await;
    let res = app
        .post(&format!("/api/v1/reports/{draft}/recommendations"))
        .auth(&r.admin)
        .json(&json!({"text": "Draft recommendation.", "thematic_area": "civil-service"}))
        .send()
        .await;
    assert_eq!(res.status, 201);

    let tracker_total = |body: Value| body["data"].as_array().unwrap().len() as i64;
    let public_all = tracker_total(
        app.get("/api/v1/recommendations?limit=200")
            .send()
            .await
            .json(),
    );
    let res = app
        .get("/api/v1/recommendation-stats?group_by=round,subregion,assessed_status,assessment")
        .send()
        .await;
    assert_eq!(res.status, 200);
    let stats = res.json();
    assert_eq!(
        stats["group_by"],
        json!(["round", "subregion", "assessed_status", "assessment"])
    );
    assert_eq!(stats["total"], public_all);
    assert_eq!(sum(&stats["groups"]), public_all);
    let groups = stats["groups"].as_array().unwrap();
    assert!(groups
        .iter()
        .all(|g| g["thematic_area"].is_null() && g["status"].is_null()));
    // The demo's accepted declarations show as confirmed, in their subregions.
    let confirmed: i64 = groups
        .iter()
        .filter(|g| g["assessment"] == "accepted")
        .map(|g| g["count"].as_i64().unwrap())
        .sum();
    let accepted = tracker_total(
        app.get("/api/v1/recommendations?assessment=accepted&limit=200")
            .send()
            .await
            .json(),
    );
    assert_eq!(accepted, 1);
    assert_eq!(confirmed, accepted);

    let secretariat = app
        .get("/api/v1/recommendation-stats?group_by=country&country=PER")
        .auth(&r.admin)
        .send()
        .await
        .json();
    let public = app
        .get("/api/v1/recommendation-stats?group_by=country&country=PER")
        .send()
        .await
        .json();
    assert_eq!(
        secretariat["total"].as_i64().unwrap(),
        public["total"].as_i64().unwrap() + 1,
        "the draft counts for those who may read it"
    );

    // A subregion filter keeps only its countries.
    let andean = app
        .get("/api/v1/recommendation-stats?group_by=subregion,country&subregion=andean")
        .send()
        .await
        .json();
    assert!(andean["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["subregion"] == "andean"));

    // The same as CSV: the grouped columns, then the count.
    let csv = app
        .get("/api/v1/exports/recommendation-stats?group_by=round,thematic_area,status&format=csv")
        .send()
        .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("round,thematic_area,status,count"));
    let counted: i64 = lines
        .map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(counted, public_all);

    let res = app
        .get("/api/v1/recommendation-stats?group_by=round,colour&subregion=moon&status=done")
        .send()
        .await;
    res.assert_problem(400, "invalid-query");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["group_by", "status", "subregion"]);
    app.get("/api/v1/exports/recommendation-stats?format=pdf")
        .send()
        .await
        .assert_problem(400, "invalid-query");
}
