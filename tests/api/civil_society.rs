//! Civil society's input on a country's review: the round's window, registration and screening
//! by the secretariat, who reads accepted inputs, the reviewed country's reply, publication.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::reports::{review, Review};

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

async fn register(r: &Review, body: Value) -> crate::util::Resp {
    r.app
        .post("/api/v1/civil-society-inputs")
        .auth(&r.admin)
        .json(&body)
        .send()
        .await
}

fn input(r: &Review, title: &str) -> Value {
    json!({"round": r.round, "country": "chl", "organisation": "Transparencia Ciudadana",
           "contact_email": "Info@Transparencia.example", "title": title,
           "body": "The civil service competitions' results are not published on time."})
}

async fn set_window(r: &Review, publish: bool) {
    let res = r
        .app
        .request(
            Method::PUT,
            &format!("/api/v1/rounds/{}/civil-society", r.round),
        )
        .auth(&r.admin)
        .json(&json!({"opens_on": day(-10), "closes_on": day(10), "publish_with_report": publish}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn the_secretariat_registers_and_screens_within_the_rounds_window() {
    let r = review().await;
    let app = &r.app;
    let window = format!("/api/v1/rounds/{}/civil-society", r.round);
    app.get(&window)
        .send()
        .await
        .assert_problem(404, "not-found");
    register(&r, input(&r, "Before the window"))
        .await
        .assert_problem(409, "no-civil-society-window");

    let put = |who: Option<&crate::util::TestUser>, body: Value| {
        let mut req = app.request(Method::PUT, &window).json(&body);
        if let Some(w) = who {
            req = req.auth(w);
        }
        req.send()
    };
    let body = json!({"opens_on": day(-10), "closes_on": day(10)});
    put(None, body.clone())
        .await
        .assert_problem(401, "authentication-required");
    for who in [&r.chile, &r.assigned] {
        put(Some(who), body.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    let res = put(
        Some(&r.admin),
        json!({"opens_on": day(5), "closes_on": day(1)}),
    )
    .await;
    assert_eq!(res.error_fields(), vec!["closes_on"]);
    set_window(&r, true).await;
    let w = app.get(&window).send().await.json();
    assert_eq!(w["opens_on"], day(-10));
    assert_eq!(w["publish_with_report"], true);

    // Registration: every problem at once; outside the window; the secretariat's only.
    let res = register(
        &r,
        json!({"round": r.round, "country": "MEX", "organisation": "", "title": "", "body": "x",
               "contact_email": "not an email"}),
    )
    .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["contact_email", "country", "organisation", "title"]
    );
    let mut late = input(&r, "Late");
    late["received_on"] = json!(day(11));
    assert_eq!(register(&r, late).await.error_fields(), vec!["received_on"]);
    app.post("/api/v1/civil-society-inputs")
        .auth(&r.chile)
        .json(&input(&r, "x"))
        .send()
        .await
        .assert_problem(403, "forbidden");

    let res = register(&r, input(&r, "Competitions")).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let first = res.json();
    let path = res.header("location").unwrap().to_owned();
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["country"], "CHL");
    assert_eq!(first["contact_email"], "info@transparencia.example");
    assert_eq!(first["allowed_actions"], json!(["accept", "reject"]));
    let second = register(&r, input(&r, "Off topic")).await.json();
    let second_path = format!("/api/v1/civil-society-inputs/{}", second["id"]);

    // Nobody but the secretariat reads an input before it is accepted.
    for who in [&r.chile, &r.assigned] {
        app.get(&path)
            .auth(who)
            .send()
            .await
            .assert_problem(404, "not-found");
    }

    let res = app
        .post(&format!("{second_path}/reject"))
        .auth(&r.admin)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.error_fields(), vec!["reason"]);
    let res = app
        .post(&format!("{second_path}/reject"))
        .auth(&r.admin)
        .json(&json!({"reason": "Not about the round's thematic areas."}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "rejected");
    app.post(&format!("{path}/accept"))
        .auth(&r.chile)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let etag = app
        .get(&path)
        .auth(&r.admin)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app
        .post(&format!("{path}/accept"))
        .auth(&r.admin)
        .header("if-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "accepted");
    let again = app
        .post(&format!("{path}/accept"))
        .auth(&r.admin)
        .send()
        .await;
    let problem = again.assert_problem(409, "invalid-transition");
    assert_eq!(problem["current_status"], "accepted");

    // Accepted: the reviewed country and the assigned experts read it; no contact details.
    for who in [&r.chile, &r.assigned] {
        let res = app.get(&path).auth(who).send().await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["contact_email"], Value::Null);
        assert_eq!(res.json()["allowed_actions"], json!([]));
    }
    for who in [&r.peru, &r.other_expert, &r.own_expert] {
        app.get(&path)
            .auth(who)
            .send()
            .await
            .assert_problem(404, "not-found");
    }
    app.get(&second_path)
        .auth(&r.chile)
        .send()
        .await
        .assert_problem(404, "not-found");
    let listed = app
        .get(&format!(
            "/api/v1/civil-society-inputs?round={}&country=CHL",
            r.round
        ))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let all = app
        .get("/api/v1/civil-society-inputs?status=rejected")
        .auth(&r.admin)
        .send()
        .await
        .json();
    assert_eq!(all["data"][0]["id"], second["id"]);
    app.get("/api/v1/civil-society-inputs?status=maybe&round=x")
        .send()
        .await
        .assert_problem(400, "invalid-query");

    // Audited and told.
    assert_eq!(app.audit_rows("civil_society_input.accept").len(), 1);
    assert_eq!(app.audit_rows("civil_society_input.reject").len(), 1);
    let feed = app.get("/api/v1/events").auth(&r.chile).send().await.json();
    let types: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"civil_society_input.accepted"), "{types:?}");
    assert!(
        !types.contains(&"civil_society_input.rejected"),
        "{types:?}"
    );
}

#[actix_web::test]
async fn the_reviewed_country_replies_and_both_are_published_with_the_report() {
    let r = review().await;
    let app = &r.app;
    set_window(&r, false).await;
    let res = register(&r, input(&r, "Competitions")).await;
    let path = res.header("location").unwrap().to_owned();
    let rejected = register(&r, input(&r, "Other")).await.json();
    let rejected_path = format!("/api/v1/civil-society-inputs/{}", rejected["id"]);
    app.post(&format!("{path}/accept"))
        .auth(&r.admin)
        .send()
        .await;
    app.post(&format!("{rejected_path}/reject"))
        .auth(&r.admin)
        .json(&json!({"reason": "Duplicate."}))
        .send()
        .await;

    let reply = |who: &crate::util::TestUser, p: &str, text: &str| {
        app.post(&format!("{p}/reply"))
            .auth(who)
            .json(&json!({"text": text}))
            .send()
    };
    reply(&r.assigned, &path, "x")
        .await
        .assert_problem(403, "forbidden");
    reply(&r.peru, &path, "x")
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        reply(&r.chile, &path, " ").await.error_fields(),
        vec!["text"]
    );
    reply(&r.admin, &rejected_path, "x")
        .await
        .assert_problem(409, "not-accepted");
    let res = reply(&r.chile, &path, "The results are published since March.").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["reply"],
        "The results are published since March."
    );
    assert!(res.json()["replied_at"].is_string());

    // The country report is published, but the round keeps civil society's input unpublished.
    let id = r.country_report("CHL").await;
    r.act(&r.admin, id, "submit", json!({})).await;
    r.act(
        &r.admin,
        id,
        "adopt",
        json!({"decision_date": "2026-11-20"}),
    )
    .await;
    r.act(&r.admin, id, "publish", json!({})).await;
    app.get(&path).send().await.assert_problem(404, "not-found");
    set_window(&r, true).await;
    let public = app.get(&path).send().await;
    assert_eq!(public.status, 200);
    assert_eq!(
        public.json()["reply"],
        "The results are published since March."
    );
    assert_eq!(public.json()["contact_email"], Value::Null);
    app.get(&rejected_path)
        .send()
        .await
        .assert_problem(404, "not-found");
    let listed = app
        .get(&format!("/api/v1/civil-society-inputs?round={}", r.round))
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
}
