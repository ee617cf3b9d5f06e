//! One guarded update: twenty writers holding the same `If-Match` race for one resource;
//! exactly one write lands, every other one is told 412, and one audit row records it. One
//! test per resource that honours `If-Match`.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::{TestApp, TestUser};

const WRITERS: usize = 20;

/// Sends `WRITERS` writes at once, each with `if_match` and its own body; returns the ETag of
/// the one that landed after checking that exactly one did and the others were refused 412.
async fn race(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &TestUser,
    if_match: &str,
    body: impl Fn(usize) -> Value,
) -> Value {
    let sends = (0..WRITERS).map(|i| {
        app.request(method.clone(), path)
            .auth(who)
            .header("if-match", if_match)
            .json(&body(i))
            .send()
    });
    let results = futures_util::future::join_all(sends).await;
    let won: Vec<_> = results.iter().filter(|r| r.status.is_success()).collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one writer wins: {:?}",
        results
            .iter()
            .map(|r| r.status.as_u16())
            .collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| !r.status.is_success()) {
        r.assert_problem(412, "precondition-failed");
    }
    won[0].json()
}

/// Audit rows of `action` about `entity_id`.
fn audited(app: &TestApp, action: &str, entity_id: impl ToString) -> usize {
    let id = entity_id.to_string();
    app.audit_rows(action).iter().filter(|r| r.1 == id).count()
}

async fn etag_of(app: &TestApp, path: &str, who: &TestUser) -> String {
    let res = app.get(path).auth(who).send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.header("etag").unwrap().to_owned()
}

#[actix_web::test]
async fn rounds() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let id = app.create_round(&admin, 1).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/rounds/{id}");
    let tag = etag_of(&app, &path, &admin).await;
    let won = race(
        &app,
        Method::PATCH,
        &path,
        &admin,
        &tag,
        |i| json!({"title": format!("Round title {i}")}),
    )
    .await;
    assert_eq!(audited(&app, "round.update", id), 1);
    let now = app.get(&path).send().await.json();
    assert_eq!(
        now["title"], won["title"],
        "the winner's write is what stands"
    );
}

#[actix_web::test]
async fn questionnaires() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await["id"].as_i64().unwrap();
    let q = app.create_questionnaire(&admin, round).await;
    let id = q["id"].as_i64().unwrap();
    let path = format!("/api/v1/questionnaires/{id}");
    let tag = etag_of(&app, &path, &admin).await;
    race(&app, Method::PUT, &path, &admin, &tag, |i| {
        json!({
            "title": {"en": format!("Questionnaire {i}")},
            "introduction": "Answer for the central government.",
            "sections": crate::util::questionnaire_sections()
        })
    })
    .await;
    assert_eq!(audited(&app, "questionnaire.update", id), 1);
}

#[actix_web::test]
async fn reports_and_recommendations() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let round = round["id"].as_i64().unwrap();
    let res = app
        .post("/api/v1/reports")
        .auth(&admin)
        .json(&json!({"round": round, "kind": "hemispheric", "title": "Hemispheric Report"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/reports/{id}");
    let tag = etag_of(&app, &path, &admin).await;
    race(
        &app,
        Method::PATCH,
        &path,
        &admin,
        &tag,
        |i| json!({"body": format!("Findings, draft {i}.")}),
    )
    .await;
    assert_eq!(audited(&app, "report.update", id), 1);

    let res = app
        .post(&format!("{path}/recommendations"))
        .auth(&admin)
        .json(&json!({"text": "Evaluate programs every year."}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let rec = res.json()["id"].as_i64().unwrap();
    for (action, body) in [
        ("submit", json!({})),
        ("adopt", json!({"decision_date": "2026-01-15"})),
    ] {
        let res = app
            .post(&format!("{path}/{action}"))
            .auth(&admin)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
    let rec_path = format!("/api/v1/recommendations/{rec}");
    let tag = etag_of(&app, &rec_path, &admin).await;
    race(
        &app,
        Method::PATCH,
        &rec_path,
        &admin,
        &tag,
        |i| json!({"status": "in_progress", "progress_note": format!("Step {i} taken.")}),
    )
    .await;
    assert_eq!(audited(&app, "recommendation.followup", rec), 1);
}

#[actix_web::test]
async fn experiences() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .post("/api/v1/experiences")
        .auth(&admin)
        .json(&json!({
            "country": "CHL", "thematic_area": "public-budget", "language": "es",
            "snapshot_date": "2025-06-30", "title": {"es": "Presupuesto por resultados"},
            "introduction": "Introducción.", "strategies": "Estrategias."
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/experiences/{id}");
    let tag = etag_of(&app, &path, &admin).await;
    race(
        &app,
        Method::PATCH,
        &path,
        &admin,
        &tag,
        |i| json!({"strategies": format!("Estrategias, versión {i}.")}),
    )
    .await;
    assert_eq!(audited(&app, "experience.update", id), 1);
}

#[actix_web::test]
async fn responses() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("ARG");
    let (_, q) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let res = app
        .post(&format!("/api/v1/questionnaires/{}/responses", q["id"]))
        .auth(&member)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/responses/{id}/answers");
    let tag = etag_of(&app, &format!("/api/v1/responses/{id}"), &member).await;
    race(
        &app,
        Method::PUT,
        &path,
        &member,
        &tag,
        |i| json!([{"question": "A.2", "value": format!("It prepares budget bill {i}.")}]),
    )
    .await;
    assert_eq!(audited(&app, "response.answers", id), 1);
}

#[actix_web::test]
async fn countries_thematic_areas_and_users() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let path = "/api/v1/countries/CHL";
    let tag = etag_of(&app, path, &admin).await;
    race(
        &app,
        Method::PATCH,
        path,
        &admin,
        &tag,
        |i| json!({"name": {"en": format!("Chile {i}")}}),
    )
    .await;
    assert_eq!(audited(&app, "country.update", "CHL"), 1);

    let path = "/api/v1/thematic-areas/ict";
    let tag = etag_of(&app, path, &admin).await;
    race(
        &app,
        Method::PATCH,
        path,
        &admin,
        &tag,
        |i| json!({"name": {"en": format!("Digital Government {i}")}}),
    )
    .await;
    assert_eq!(audited(&app, "thematic_area.update", "ict"), 1);

    let member = app.member("URY");
    let path = format!("/api/v1/users/{}", member.id);
    let tag = etag_of(&app, &path, &admin).await;
    race(
        &app,
        Method::PATCH,
        &path,
        &admin,
        &tag,
        |i| json!({"display_name": format!("Focal point {i}")}),
    )
    .await;
    assert_eq!(audited(&app, "user.update", member.id), 1);
}
