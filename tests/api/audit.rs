use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::util::{TestApp, PASSWORD};

#[actix_web::test]
async fn secretariat_reads_the_audit_log_with_filters() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("ARG");
    app.login(&member.email, PASSWORD).await;
    app.login(&member.email, "wrong password here").await;
    let res = app
        .post("/api/v1/me/clients")
        .auth(&member)
        .header("x-action-notes", "for the national statistics system")
        .json(&json!({"name": "stats"}))
        .send()
        .await;
    assert_eq!(res.status, 201);

    let res = app.get("/api/v1/audit-log").auth(&admin).send().await;
    assert_eq!(res.status, 200);
    let all = res.json();
    let actions: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["client.create", "auth.login_failed", "auth.login"],
        "newest first"
    );
    let client = &all["data"][0];
    assert_eq!(client["actor_id"], member.id);
    assert_eq!(client["actor_role"], "member_country");
    assert_eq!(client["actor_country"], "ARG");
    assert_eq!(client["note"], "for the national statistics system");
    assert_eq!(client["entity_type"], "machine_client");
    assert!(client["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(client["summary"]["name"], "stats");

    let by_action = app
        .get("/api/v1/audit-log?action=auth.login")
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(by_action["data"].as_array().unwrap().len(), 1);
    let by_actor = app
        .get(&format!("/api/v1/audit-log?actor={}", member.id))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(by_actor["data"].as_array().unwrap().len(), 2);
    let by_entity = app
        .get(&format!(
            "/api/v1/audit-log?entity_type=user&entity_id={}",
            member.id
        ))
        .auth(&admin)
        .send()
        .await
        .json();
    assert!(by_entity["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["entity_id"].as_str() == Some(member.id.to_string().as_str())));
    let future = app
        .get("/api/v1/audit-log?since=2999-01-01T00:00:00Z")
        .auth(&admin)
        .send()
        .await
        .json();
    assert!(future["data"].as_array().unwrap().is_empty());
    let past = app
        .get("/api/v1/audit-log?until=2000-01-01T00:00:00Z")
        .auth(&admin)
        .send()
        .await
        .json();
    assert!(past["data"].as_array().unwrap().is_empty());
    let page = app
        .get("/api/v1/audit-log?limit=2")
        .auth(&admin)
        .send()
        .await
        .json();
    let next = app
        .get(&format!(
            "/api/v1/audit-log?limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ))
        .auth(&admin)
        .send()
        .await
        .json();
    assert!(next["data"][0]["id"].as_i64().unwrap() < page["data"][1]["id"].as_i64().unwrap());

    let res = app
        .get("/api/v1/audit-log?since=yesterday&actor=me")
        .auth(&admin)
        .send()
        .await;
    res.assert_problem(400, "invalid-query");
    let mut f = res.error_fields();
    f.sort();
    assert_eq!(f, ["actor", "since"]);
}

#[actix_web::test]
async fn only_the_secretariat_reads_it_and_nobody_rewrites_it() {
    let app = TestApp::new().await;
    for who in [app.member("ARG"), app.expert("ARG")] {
        app.get("/api/v1/audit-log")
            .auth(&who)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/audit-log")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.request(actix_web::http::Method::DELETE, "/api/v1/audit-log")
        .send()
        .await
        .assert_problem(405, "method-not-allowed");
    app.secretariat();
    app.with_conn(|conn| {
        assert!(
            conn.batch_execute("UPDATE audit_log SET action = 'x'")
                .is_err(),
            "append-only"
        );
        assert!(
            conn.batch_execute("DELETE FROM audit_log").is_err(),
            "append-only"
        );
    });
}

#[actix_web::test]
async fn overlong_action_notes_are_refused() {
    let app = TestApp::new().await;
    let member = app.member("ARG");
    let res = app
        .post("/api/v1/me/clients")
        .auth(&member)
        .header("x-action-notes", &"n".repeat(1001))
        .json(&json!({"name": "x"}))
        .send()
        .await;
    res.assert_problem(400, "invalid-header");
}
