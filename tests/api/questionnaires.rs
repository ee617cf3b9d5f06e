use serde_json::{json, Value};

use crate::util::{questionnaire_sections, TestApp};

#[actix_web::test]
async fn drafts_are_the_secretariats_published_versions_are_public() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let q = app
        .create_questionnaire(&admin, round["id"].as_i64().unwrap())
        .await;
    let id = q["id"].as_i64().unwrap();
    assert_eq!(q["version"], 1);
    assert_eq!(q["status"], "draft");
    assert_eq!(q["question_count"], 9);
    assert_eq!(q["sections"][1]["questions"][2]["kind"], "single_choice");
    assert_eq!(
        q["sections"][1]["questions"][2]["options"][1]["label"],
        "Multi-annual"
    );

    for who in [None, Some(app.member("ARG")), Some(app.expert("ARG"))] {
        let mut r = app.get(&format!("/api/v1/questionnaires/{id}"));
        if let Some(u) = &who {
            r = r.auth(u);
        }
        r.send().await.assert_problem(404, "not-found");
        let list = app.get("/api/v1/questionnaires").send().await.json();
        assert!(
            list["data"].as_array().unwrap().is_empty(),
            "drafts are not listed"
        );
    }
    let listed = app
        .get("/api/v1/questionnaires")
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(
        listed["data"][0].get("sections").is_none(),
        "lists carry summaries"
    );

    let res = app
        .post(&format!("/api/v1/questionnaires/{id}/publish"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "published");
    assert!(res.json()["published_at"].is_string());
    let res = app
        .get(&format!("/api/v1/questionnaires/{id}?lang=es"))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let doc = res.json();
    assert_eq!(doc["title"], "Cuestionario de Autoevaluación");
    assert_eq!(doc["sections"][0]["title"], "Instituciones");
    assert_eq!(
        doc["sections"][1]["questions"][2]["options"][1]["label"],
        "Plurianual"
    );
    assert_eq!(
        doc["sections"][1]["title"], "Framework",
        "falls back to the original language"
    );
    let round = app
        .get(&format!("/api/v1/rounds/{}", round["id"]))
        .send()
        .await
        .json();
    assert_eq!(round["published_questionnaire"], id);
}

#[actix_web::test]
async fn put_requires_a_current_if_match_and_replaces_atomically() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let q = app
        .create_questionnaire(&admin, round["id"].as_i64().unwrap())
        .await;
    let id = q["id"].as_i64().unwrap();
    let url = format!("/api/v1/questionnaires/{id}");
    let body = json!({"title": "Shorter questionnaire", "sections": [
        {"code": "S1", "title": "Only section", "questions": [{"code": "Q1", "prompt": "Only question", "kind": "boolean", "required": true}]}
    ]});

    app.request(actix_web::http::Method::PUT, &url)
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .assert_problem(428, "precondition-required");
    let es = app
        .get(&url)
        .auth(&admin)
        .header("accept-language", "es")
        .send()
        .await;
    let etag = es.header("etag").unwrap().to_owned();
    let res = app
        .request(actix_web::http::Method::PUT, &url)
        .auth(&admin)
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await;
    assert_eq!(
        res.status, 200,
        "a tag read in any language identifies the revision"
    );
    assert_eq!(res.json()["question_count"], 1);
    assert_eq!(res.json()["revision"], q["revision"].as_i64().unwrap() + 1);
    let res = app
        .request(actix_web::http::Method::PUT, &url)
        .auth(&admin)
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");

    // A bad structure changes nothing.
    let now = app.get(&url).auth(&admin).send().await;
    let tag = now.header("etag").unwrap().to_owned();
    let bad = json!({"title": "x", "sections": [{"code": "S1", "title": "t", "questions": [{"code": "Q1", "prompt": "p", "kind": "colour"}]}]});
    app.request(actix_web::http::Method::PUT, &url)
        .auth(&admin)
        .header("if-match", &tag)
        .json(&bad)
        .send()
        .await
        .assert_problem(422, "validation");
    assert_eq!(
        app.get(&url).auth(&admin).send().await.json()["title"],
        "Shorter questionnaire"
    );
    assert_eq!(app.audit_rows("questionnaire.update").len(), 1);
}

#[actix_web::test]
async fn publish_freezes_and_new_version_is_a_deep_independent_copy() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let rid = round["id"].as_i64().unwrap();
    let v1 = app.create_questionnaire(&admin, rid).await;
    let v1id = v1["id"].as_i64().unwrap();
    let v1url = format!("/api/v1/questionnaires/{v1id}");
    app.post(&format!("{v1url}/publish"))
        .auth(&admin)
        .send()
        .await;

    let tag = app
        .get(&v1url)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let body = json!({"title": "x", "sections": []});
    app.request(actix_web::http::Method::PUT, &v1url)
        .auth(&admin)
        .header("if-match", &tag)
        .json(&body)
        .send()
        .await
        .assert_problem(409, "questionnaire-frozen");
    app.delete(&v1url)
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "questionnaire-frozen");
    let p = app
        .post(&format!("{v1url}/publish"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!(["new-version"]));

    let res = app
        .post(&format!("{v1url}/new-version"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 201);
    let v2 = res.json();
    let v2id = v2["id"].as_i64().unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["status"], "draft");
    assert_eq!(v2["sections"], v1["sections"], "a full copy");
    // The draft's event is the secretariat's; the publication before it is everyone's.
    let seen = |who: Option<&crate::util::TestUser>| {
        let mut req = app.get("/api/v1/events?types=questionnaire.*");
        if let Some(u) = who {
            req = req.auth(u);
        }
        req.send()
    };
    let admin_types: Vec<Value> = seen(Some(&admin)).await.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(
        admin_types,
        ["questionnaire.published", "questionnaire.new_version"]
    );
    let public = seen(None).await.json();
    assert_eq!(public["data"].as_array().unwrap().len(), 1);
    assert_eq!(public["data"][0]["type"], "questionnaire.published");
    app.post(&format!("{v1url}/new-version"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "draft-exists");

    // Changing the copy leaves the published version alone.
    let mut sections = questionnaire_sections();
    sections[0]["questions"][2]["kind"] = json!("decimal");
    sections[1]["questions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "B.6", "prompt": "New question", "kind": "text"}));
    let tag2 = app
        .get(&format!("/api/v1/questionnaires/{v2id}"))
        .auth(&admin)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app
        .request(
            actix_web::http::Method::PUT,
            &format!("/api/v1/questionnaires/{v2id}"),
        )
        .auth(&admin)
        .header("if-match", &tag2)
        .json(&json!({"title": "Version 2", "sections": sections}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let v1_now = app.get(&v1url).send().await.json();
    assert_eq!(v1_now["sections"], v1["sections"]);
    assert_eq!(v1_now["question_count"], 9);

    let res = app
        .post(&format!("/api/v1/questionnaires/{v2id}/publish"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.json()["status"], "published");
    assert_eq!(app.get(&v1url).send().await.json()["status"], "retired");
    let published = app
        .get(&format!(
            "/api/v1/questionnaires?round={rid}&status=published"
        ))
        .send()
        .await
        .json();
    assert_eq!(
        published["data"].as_array().unwrap().len(),
        1,
        "one published version per round"
    );
    assert_eq!(published["data"][0]["id"], v2id);
    let all = app
        .get(&format!("/api/v1/questionnaires?round={rid}"))
        .send()
        .await
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    let p = app
        .post(&format!("{v1url}/new-version"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!([]));
    assert_eq!(app.audit_rows("questionnaire.retire").len(), 1);
    assert_eq!(app.audit_rows("questionnaire.new_version").len(), 1);
}

#[actix_web::test]
async fn drafts_and_deletion() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let rid = round["id"].as_i64().unwrap();
    let q = app.create_questionnaire(&admin, rid).await;
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&json!({"round": rid, "title": "again", "sections": []}))
        .send()
        .await;
    res.assert_problem(409, "questionnaire-exists");
    let res = app
        .delete(&format!("/api/v1/questionnaires/{}", q["id"]))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.get(&format!("/api/v1/questionnaires/{}", q["id"]))
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");
    let empty = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&json!({"round": rid, "title": "empty", "sections": []}))
        .send()
        .await
        .json();
    app.post(&format!("/api/v1/questionnaires/{}/publish", empty["id"]))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "questionnaire-empty");
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&json!({"round": 999, "title": "x", "sections": []}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), ["round"]);
}

#[actix_web::test]
async fn the_draft_stops_changing_once_the_round_is_under_review() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, q) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let res = app
        .post(&format!("/api/v1/questionnaires/{}/new-version", q["id"]))
        .auth(&admin)
        .send()
        .await;
    let v2 = res.json();
    app.post(&format!("/api/v1/rounds/{}/review", round["id"]))
        .auth(&admin)
        .send()
        .await;
    let tag = app
        .get(&format!("/api/v1/questionnaires/{}", v2["id"]))
        .auth(&admin)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    app.request(
        actix_web::http::Method::PUT,
        &format!("/api/v1/questionnaires/{}", v2["id"]),
    )
    .auth(&admin)
    .header("if-match", &tag)
    .json(&json!({"title": "late", "sections": questionnaire_sections()}))
    .send()
    .await
    .assert_problem(409, "round-closed");
    app.post(&format!("/api/v1/questionnaires/{}/publish", v2["id"]))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "round-closed");
}

fn doc(sections: Value) -> Value {
    json!({"title": "T", "sections": sections})
}

#[actix_web::test]
async fn every_validation_rule_reported_at_once() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let rid = round["id"].as_i64().unwrap();
    let mut body = doc(json!([
        {"code": "A", "title": "One", "questions": [
            {"code": "Q1", "prompt": "p", "kind": "text"},
            {"code": "Q1", "prompt": "duplicate code", "kind": "text"},
            {"code": "Q2", "prompt": "no options", "kind": "single_choice", "options": []},
            {"code": "Q3", "prompt": "dup options", "kind": "multi_choice", "options": [{"value": "a", "label": "A"}, {"value": "a", "label": "A again"}]},
            {"code": "Q4", "prompt": "min > max", "kind": "integer", "min": 10, "max": 1},
            {"code": "Q5", "prompt": "p", "kind": "colour"},
            {"code": "Q6", "prompt": "p", "kind": "text", "thematic_area": "astrology"},
            {"code": "Q7", "prompt": "p", "kind": "boolean", "options": [{"value": "y", "label": "Y"}]},
            {"code": "Q8", "prompt": "p", "kind": "integer", "max_length": 5},
            {"code": "Q9 bad", "prompt": "", "kind": "text"},
            {"code": "Q10", "prompt": "p", "kind": "integer", "min": 0.5}
        ]},
        {"code": "A", "title": "", "questions": []}
    ]));
    body["round"] = json!(rid);
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    let mut expected = vec![
        "sections[0].questions[1].code",
        "sections[0].questions[2].options",
        "sections[0].questions[3].options[1].value",
        "sections[0].questions[4].min",
        "sections[0].questions[5].kind",
        "sections[0].questions[6].thematic_area",
        "sections[0].questions[7].options",
        "sections[0].questions[8].max_length",
        "sections[0].questions[9].code",
        "sections[0].questions[9].prompt",
        "sections[0].questions[10].min",
        "sections[1].code",
        "sections[1].title",
    ];
    expected.sort();
    assert_eq!(fields, expected);

    // Unknown fields are refused, at any depth.
    let mut extra = doc(
        json!([{"code": "A", "title": "t", "questions": [{"code": "Q", "prompt": "p", "kind": "text", "weight": 3}]}]),
    );
    extra["round"] = json!(rid);
    app.post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&extra)
        .send()
        .await
        .assert_problem(422, "validation");

    // More than 2,000 questions are refused.
    let many: Vec<Value> = (0..2001)
        .map(|i| json!({"code": format!("Q{i}"), "prompt": "p", "kind": "boolean"}))
        .collect();
    let mut big = doc(json!([{"code": "A", "title": "t", "questions": many}]));
    big["round"] = json!(rid);
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&big)
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.json()["errors"][0]["code"], "too_many_questions");

    // Exactly 2,000 are fine, and indexed for answers.
    let max: Vec<Value> = (0..2000)
        .map(|i| json!({"code": format!("Q{i}"), "prompt": "p", "kind": "boolean"}))
        .collect();
    let mut ok = doc(json!([{"code": "A", "title": "t", "questions": max}]));
    ok["round"] = json!(rid);
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&ok)
        .send()
        .await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["question_count"], 2000);
    let indexed: i64 = app.with_conn(|conn| {
        use diesel::prelude::*;
        use mecigep::db::schema::questionnaire_questions as qq;
        qq::table.count().get_result(conn).unwrap()
    });
    assert_eq!(indexed, 2000);
}

#[actix_web::test]
async fn only_the_secretariat_writes_questionnaires() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let q = app
        .create_questionnaire(&admin, round["id"].as_i64().unwrap())
        .await;
    let body = json!({"round": round["id"], "title": "x", "sections": []});
    for who in [app.member("ARG"), app.expert("ARG")] {
        app.post("/api/v1/questionnaires")
            .auth(&who)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.post(&format!("/api/v1/questionnaires/{}/publish", q["id"]))
            .auth(&who)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.delete(&format!("/api/v1/questionnaires/{}", q["id"]))
            .auth(&who)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/api/v1/questionnaires")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.get("/api/v1/questionnaires?round=abc")
        .send()
        .await
        .assert_problem(400, "invalid-query");
    assert_eq!(app.audit_rows("questionnaire.create").len(), 1);
}

#[actix_web::test]
async fn a_stored_document_that_does_not_parse_is_a_500_never_an_empty_questionnaire() {
    use diesel::prelude::*;
    use mecigep::db::schema::questionnaires as q;
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let round = app.create_round(&admin, 1).await;
    let id = app
        .create_questionnaire(&admin, round["id"].as_i64().unwrap())
        .await["id"]
        .as_i64()
        .unwrap();
    app.with_conn(|conn| {
        diesel::update(q::table.find(id))
            .set(q::document.eq("{\"title\": {\"en\": \"cut short"))
            .execute(conn)
            .unwrap()
    });
    let res = app
        .get(&format!("/api/v1/questionnaires/{id}"))
        .auth(&admin)
        .send()
        .await;
    let p = res.assert_problem(500, "internal");
    assert!(
        !p["detail"].as_str().unwrap().contains("cut short"),
        "the cause is logged, not answered: {p}"
    );
    let list = app.get("/api/v1/questionnaires").auth(&admin).send().await;
    list.assert_problem(500, "internal");
}
