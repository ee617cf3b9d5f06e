use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::{round_body, TestApp};

#[actix_web::test]
async fn secretariat_creates_a_round_everyone_reads_it() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut body = round_body(1);
    body.as_object_mut().unwrap().remove("number");
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201);
    let r = res.json();
    let id = r["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/rounds/{id}")
    );
    assert!(res.header("etag").is_some());
    assert_eq!(r["number"], 1, "numbered automatically");
    assert_eq!(r["status"], "planned");
    assert_eq!(r["allowed_actions"], json!(["open", "cancel"]));
    assert_eq!(
        r["thematic_areas"],
        json!(["public-budget", "civil-service"]),
        "in the Guide's order"
    );
    assert_eq!(r["reviewers_per_country"], 2);
    assert_eq!(r["participant_count"], 0);
    assert_eq!(r["published_questionnaire"], Value::Null);
    assert_eq!(r["title"], "Round 1");

    let res = app
        .get(&format!("/api/v1/rounds/{id}?lang=es"))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["title"], "Ronda 1");
    assert_eq!(
        res.json()["description"],
        "Exchange on budgeting and the civil service.",
        "falls back to en"
    );
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .get(&format!("/api/v1/rounds/{id}?lang=es"))
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 304);

    let second = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .json();
    assert_eq!(second["number"], 2);
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&round_body(2))
        .send()
        .await;
    res.assert_problem(409, "number-taken");
    assert_eq!(app.audit_rows("round.create").len(), 2);
}

#[actix_web::test]
async fn round_validation_lists_every_problem() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&json!({
            "title": {"es": "Sin inglés", "de": "Deutsch"},
            "thematic_areas": ["budget"],
            "starts_on": "2027-05-01", "responses_due_on": "2027-04-01", "ends_on": "2027-03-01",
            "reviewers_per_country": 5, "number": 0
        }))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "ends_on",
            "number",
            "responses_due_on",
            "reviewers_per_country",
            "thematic_areas",
            "title",
            "title.de"
        ]
    );
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&json!({"title": "x", "thematic_areas": [], "starts_on": "2027-01-01", "responses_due_on": "2027-01-01", "ends_on": "2027-01-01"}))
        .send()
        .await;
    assert_eq!(res.error_fields(), ["thematic_areas"]);
    let mut extra = round_body(3);
    extra["status"] = json!("open");
    app.post("/api/v1/rounds")
        .auth(&admin)
        .json(&extra)
        .send()
        .await
        .assert_problem(422, "validation");
    let mut bad_date = round_body(3);
    bad_date["starts_on"] = json!("2027-02-30");
    app.post("/api/v1/rounds")
        .auth(&admin)
        .json(&bad_date)
        .send()
        .await
        .assert_problem(422, "validation");
}

#[actix_web::test]
async fn only_the_secretariat_writes_rounds() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let id = round["id"].as_i64().unwrap();
    for who in [app.member("ARG"), app.expert("BRA")] {
        app.post("/api/v1/rounds")
            .auth(&who)
            .json(&round_body(2))
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.patch(&format!("/api/v1/rounds/{id}"))
            .auth(&who)
            .json(&json!({"title": "x"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/rounds/{id}/cancel"))
            .auth(&who)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.request(
            Method::PUT,
            &format!("/api/v1/rounds/{id}/participants/ARG"),
        )
        .auth(&who)
        .send()
        .await
        .assert_problem(403, "forbidden");
        assert_eq!(
            app.get(&format!("/api/v1/rounds/{id}"))
                .auth(&who)
                .send()
                .await
                .status,
            200
        );
    }
    app.post("/api/v1/rounds")
        .json(&round_body(2))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.post(&format!("/api/v1/rounds/{id}/open"))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    assert_eq!(app.get("/api/v1/rounds").send().await.status, 200);
    app.get("/api/v1/rounds/999")
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn every_round_transition_legal_and_illegal() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let id = round["id"].as_i64().unwrap();
    let act = |a: &str| {
        let path = format!("/api/v1/rounds/{id}/{a}");
        let app = &app;
        let admin = admin.clone();
        async move { app.post(&path).auth(&admin).send().await }
    };

    // Opening needs a published questionnaire and two participants: both reasons reported.
    let res = act("open").await;
    let p = res.assert_problem(409, "round-not-ready");
    assert_eq!(p["reasons"].as_array().unwrap().len(), 2);
    for bad in ["review", "conclude"] {
        let p = act(bad).await.assert_problem(409, "invalid-transition");
        assert_eq!(p["current_status"], "planned");
        assert_eq!(p["allowed"], json!(["open", "cancel"]));
    }
    let q = app.create_questionnaire(&admin, id).await;
    app.post(&format!("/api/v1/questionnaires/{}/publish", q["id"]))
        .auth(&admin)
        .send()
        .await;
    app.request(
        Method::PUT,
        &format!("/api/v1/rounds/{id}/participants/ARG"),
    )
    .auth(&admin)
    .send()
    .await;
    let p = act("open").await.assert_problem(409, "round-not-ready");
    assert_eq!(
        p["reasons"].as_array().unwrap().len(),
        1,
        "one participant is not enough"
    );
    app.request(
        Method::PUT,
        &format!("/api/v1/rounds/{id}/participants/BRA"),
    )
    .auth(&admin)
    .send()
    .await;

    let res = act("open").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "open");
    assert_eq!(res.json()["allowed_actions"], json!(["review"]));
    for bad in ["open", "conclude", "cancel"] {
        assert_eq!(
            act(bad).await.assert_problem(409, "invalid-transition")["allowed"],
            json!(["review"])
        );
    }
    assert_eq!(act("review").await.json()["status"], "in_review");
    for bad in ["open", "review", "cancel"] {
        assert_eq!(
            act(bad).await.assert_problem(409, "invalid-transition")["allowed"],
            json!(["conclude"])
        );
    }
    // Concluding needs the hemispheric report adopted.
    let p = act("conclude").await.assert_problem(409, "round-not-ready");
    assert!(p["reasons"][0].as_str().unwrap().contains("hemispheric"));
    app.adopt_hemispheric_report(&admin, id).await;
    assert_eq!(act("conclude").await.json()["status"], "concluded");
    for bad in ["open", "review", "conclude", "cancel"] {
        assert_eq!(
            act(bad).await.assert_problem(409, "invalid-transition")["allowed"],
            json!([])
        );
    }

    let other = app.create_round(&admin, 2).await;
    let res = app
        .post(&format!("/api/v1/rounds/{}/cancel", other["id"]))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.json()["status"], "cancelled");
    let p = app
        .post(&format!("/api/v1/rounds/{}/open", other["id"]))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!([]));

    for action in [
        "round.open",
        "round.review",
        "round.conclude",
        "round.cancel",
    ] {
        assert_eq!(app.audit_rows(action).len(), 1, "{action}");
    }
}

#[actix_web::test]
async fn patch_honours_if_match_status_and_languages() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let id = round["id"].as_i64().unwrap();
    let res = app.get(&format!("/api/v1/rounds/{id}")).send().await;
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .patch(&format!("/api/v1/rounds/{id}"))
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"reviewers_per_country": 3, "thematic_areas": ["ict"]}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["reviewers_per_country"], 3);
    assert_eq!(res.json()["thematic_areas"], json!(["ict"]));
    let res = app
        .patch(&format!("/api/v1/rounds/{id}"))
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"reviewers_per_country": 4}))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");

    // A translation is a PATCH with ?lang=: the English title stays.
    let res = app
        .patch(&format!("/api/v1/rounds/{id}?lang=fr"))
        .auth(&admin)
        .json(&json!({"title": "Premier cycle"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let all = app
        .get(&format!("/api/v1/rounds/{id}?lang=all"))
        .send()
        .await
        .json();
    assert_eq!(
        all["title"],
        json!({"en": "Round 1", "es": "Ronda 1", "fr": "Premier cycle"})
    );
    let res = app
        .patch(&format!("/api/v1/rounds/{id}"))
        .auth(&admin)
        .json(&json!({"ends_on": "2026-01-01", "reviewers_per_country": 1}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut f = res.error_fields();
    f.sort();
    assert_eq!(f, ["ends_on", "reviewers_per_country"]);

    // Once open, the subject is fixed but the schedule may move.
    let (open, _) = app.open_round(&admin, 2, &["ARG", "BRA"]).await;
    let oid = open["id"].as_i64().unwrap();
    let p = app
        .patch(&format!("/api/v1/rounds/{oid}"))
        .auth(&admin)
        .json(&json!({"thematic_areas": ["ict"], "reviewers_per_country": 3}))
        .send()
        .await
        .assert_problem(409, "round-frozen");
    assert_eq!(p["reasons"].as_array().unwrap().len(), 2);
    let res = app
        .patch(&format!("/api/v1/rounds/{oid}"))
        .auth(&admin)
        .json(&json!({"responses_due_on": "2027-05-31"}))
        .send()
        .await;
    assert_eq!(res.json()["responses_due_on"], "2027-05-31");
}

#[actix_web::test]
async fn participants_rules() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let id = round["id"].as_i64().unwrap();
    let put = |code: &str, body: Option<Value>| {
        let path = format!("/api/v1/rounds/{id}/participants/{code}");
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut r = app.request(Method::PUT, &path).auth(&admin);
            if let Some(b) = body {
                r = r.json(&b);
            }
            r.send().await
        }
    };
    let res = put("arg", None).await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["country"], "ARG");
    assert_eq!(res.json()["due_on"], "2027-04-30");
    assert_eq!(put("ARG", Some(json!({}))).await.status, 200, "idempotent");
    assert_eq!(put("URY", None).await.status, 201);

    let res = put("ARG", Some(json!({"due_on_extension": "2027-05-15"}))).await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), ["reason"]);
    let res = put(
        "ARG",
        Some(json!({"due_on_extension": "2027-04-01", "reason": "x"})),
    )
    .await;
    assert_eq!(res.error_fields(), ["due_on_extension"]);
    let res = put(
        "ARG",
        Some(json!({"due_on_extension": "2028-01-01", "reason": "x"})),
    )
    .await;
    assert_eq!(res.error_fields(), ["due_on_extension"]);
    let res = put(
        "ARG",
        Some(json!({"due_on_extension": "2027-05-15", "reason": "general elections in April"})),
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["due_on"], "2027-05-15");
    assert_eq!(res.json()["extension_reason"], "general elections in April");
    let rows = app.audit_rows("round.participant_update");
    let summary: Value = serde_json::from_str(&rows.last().unwrap().2).unwrap();
    assert_eq!(summary["reason"], "general elections in April");

    put("XYZ", None).await.assert_problem(404, "not-found");
    for (code, why) in [("NIC", "inactive"), ("CUB", "inactive")] {
        let res = put(code, None).await;
        res.assert_problem(422, "validation");
        assert_eq!(res.json()["errors"][0]["code"], why, "{code}");
    }
    let list = app
        .get(&format!("/api/v1/rounds/{id}/participants"))
        .send()
        .await
        .json();
    let codes: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["country"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["ARG", "URY"]);
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{id}")).send().await.json()["participant_count"],
        2
    );

    let res = app
        .delete(&format!("/api/v1/rounds/{id}/participants/URY"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.delete(&format!("/api/v1/rounds/{id}/participants/URY"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/rounds/999/participants")
        .send()
        .await
        .assert_problem(404, "not-found");

    let (open, _) = app.open_round(&admin, 2, &["CHL", "PER"]).await;
    let oid = open["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/rounds/{oid}/participants/CHL"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "round-not-planned");
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/rounds/{oid}/participants/COL"),
        )
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 201, "a country may still join an open round");
    app.post(&format!("/api/v1/rounds/{oid}/review"))
        .auth(&admin)
        .send()
        .await;
    app.request(
        Method::PUT,
        &format!("/api/v1/rounds/{oid}/participants/ECU"),
    )
    .auth(&admin)
    .send()
    .await
    .assert_problem(409, "round-closed");
}

#[actix_web::test]
async fn list_filters_and_pages() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    app.create_round(&admin, 1).await;
    let mut ict = round_body(2);
    ict["thematic_areas"] = json!(["ict"]);
    app.post("/api/v1/rounds")
        .auth(&admin)
        .json(&ict)
        .send()
        .await;
    app.open_round(&admin, 3, &["ARG", "MEX"]).await;
    let numbers = |v: Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        numbers(app.get("/api/v1/rounds").send().await.json()),
        [1, 2, 3]
    );
    assert_eq!(
        numbers(app.get("/api/v1/rounds?status=open").send().await.json()),
        [3]
    );
    assert_eq!(
        numbers(
            app.get("/api/v1/rounds?thematic_area=ict")
                .send()
                .await
                .json()
        ),
        [2]
    );
    assert_eq!(
        numbers(app.get("/api/v1/rounds?country=mex").send().await.json()),
        [3]
    );
    let page = app.get("/api/v1/rounds?limit=2").send().await.json();
    assert_eq!(numbers(page.clone()), [1, 2]);
    let next = app
        .get(&format!(
            "/api/v1/rounds?limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert_eq!(numbers(next), [3]);
    app.get("/api/v1/rounds?status=finished")
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn demo_content_loads_once_and_is_served() {
    let app = TestApp::new().await;
    let added = app
        .with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    assert_eq!(
        added.len(),
        6,
        "rounds 1 and 2, the Guide, cooperation, the library, sessions: {added:?}"
    );
    let library = app.get("/api/v1/documents").send().await.json();
    assert_eq!(library["data"].as_array().unwrap().len(), 4);
    let found = app
        .get("/api/v1/documents?q=metodologia")
        .send()
        .await
        .json();
    assert_eq!(found["data"][0]["kind"], "methodology");
    let tor = library["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "terms_of_reference")
        .unwrap();
    assert_eq!(tor["version"], 2);
    let file = &tor["files"]["es"];
    let res = app.get(file["download"].as_str().unwrap()).send().await;
    assert_eq!(res.status, 200);
    assert!(String::from_utf8_lossy(&res.body).starts_with("TÉRMINOS DE REFERENCIA"));
    let v1 = app
        .get(&format!("/api/v1/documents/{}/versions/1", tor["id"]))
        .send()
        .await
        .json();
    assert_eq!(v1["status"], "superseded");
    assert!(
        app.with_conn(
            |conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap()
        )
        .is_empty(),
        "idempotent"
    );
    let rounds = app.get("/api/v1/rounds?lang=es").send().await.json();
    let rounds = rounds["data"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0]["status"], "concluded");
    assert_eq!(rounds[1]["status"], "open");
    assert!(rounds[1]["title"]
        .as_str()
        .unwrap()
        .starts_with("Segunda Ronda"));
    assert_eq!(rounds[1]["participant_count"], 16);
    let q = app
        .get(&format!(
            "/api/v1/questionnaires/{}?lang=es",
            rounds[1]["published_questionnaire"]
        ))
        .send()
        .await
        .json();
    assert!(q["question_count"].as_u64().unwrap() >= 30);
    let sections = q["sections"].as_array().unwrap();
    assert!(sections.len() >= 5);
    let kinds: std::collections::BTreeSet<&str> = sections
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 9, "every kind is used: {kinds:?}");
    assert_eq!(sections[0]["title"], "Información general");
}

#[actix_web::test]
async fn a_stored_title_that_does_not_parse_is_a_500_never_a_round_without_title() {
    use diesel::prelude::*;
    use mecigep::db::schema::rounds as r;
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let id = app.create_round(&admin, 1).await["id"].as_i64().unwrap();
    app.with_conn(|conn| {
        diesel::update(r::table.find(id))
            .set(r::title.eq("{\"en\": \"First Ro"))
            .execute(conn)
            .unwrap()
    });
    app.get(&format!("/api/v1/rounds/{id}"))
        .send()
        .await
        .assert_problem(500, "internal");
    app.get("/api/v1/rounds")
        .send()
        .await
        .assert_problem(500, "internal");
}

#[actix_web::test]
async fn round_numbers_stay_in_range_and_the_next_one_follows_the_highest() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    for bad in [0, 10_000, i32::MAX] {
        let mut body = crate::util::round_body(bad);
        body["number"] = serde_json::json!(bad);
        app.post("/api/v1/rounds")
            .auth(&admin)
            .json(&body)
            .send()
            .await
            .assert_problem(422, "validation");
    }
    let mut body = crate::util::round_body(9999);
    body["number"] = serde_json::json!(9999);
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let mut next = crate::util::round_body(1);
    next.as_object_mut().unwrap().remove("number");
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&next)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["number"], 10_000);
}
