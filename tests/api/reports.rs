use std::collections::{BTreeMap, HashSet};

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::{TestApp, TestUser};

/// Reviewers of each country in a draw answer.
pub(crate) fn reviewers(draw: &Value) -> BTreeMap<String, Vec<String>> {
    draw["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["country"].as_str().unwrap().to_owned(),
                a["reviewers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

pub(crate) async fn draw(app: &TestApp, admin: &TestUser, round: i64, seed: i64) -> Value {
    let res = app
        .post(&format!("/api/v1/rounds/{round}/draws"))
        .auth(admin)
        .json(&json!({"seed": seed}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

#[actix_web::test]
async fn a_draw_has_the_fewest_mutual_reviews_possible() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    // 4 countries with 2 reviewers each: 8 reviews over 6 pairs of countries, so 2 pairs must
    // review each other, and never more, whatever the seed.
    let (round, _) = app
        .open_round(&admin, 1, &["ARG", "BRA", "CHL", "PER"])
        .await;
    let round = round["id"].as_i64().unwrap();
    for seed in [1, 2, 3, 4, 5, 6, 7, 8] {
        let d = draw(&app, &admin, round, seed).await;
        assert_eq!(d["mutual_pairs"], 2, "seed {seed}");
        let by_country = reviewers(&d);
        let mutual = by_country
            .iter()
            .flat_map(|(c, rs)| rs.iter().map(move |r| (c.clone(), r.clone())))
            .filter(|(c, r)| c < r && by_country[r].contains(c))
            .count();
        assert_eq!(mutual, 2, "seed {seed}: {by_country:?}");
    }
    let current = app
        .get(&format!("/api/v1/rounds/{round}/assignments"))
        .send()
        .await
        .json();
    assert_eq!(current["mutual_pairs"], 2);
}

#[actix_web::test]
async fn reviewers_are_drawn_by_lot() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let countries = ["ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY"];
    let (round, _) = app.open_round(&admin, 1, &countries).await;
    let round = round["id"].as_i64().unwrap();
    let path = format!("/api/v1/rounds/{round}/draws");

    app.post(&path)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.post(&path)
        .auth(&app.member("ARG"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.post(&path)
        .auth(&app.expert("ARG"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .post(&path)
        .auth(&admin)
        .json(&json!({"seed": -1}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["seed"]);
    app.get(&format!("/api/v1/rounds/{round}/assignments"))
        .send()
        .await
        .assert_problem(404, "not-found");

    let first = draw(&app, &admin, round, 42).await;
    assert_eq!(first["seed"], 42);
    assert!(first["supersedes"].is_null());
    assert_eq!(
        first["mutual_pairs"], 0,
        "7 countries, 2 reviewers each: none needed"
    );
    let by_country = reviewers(&first);
    assert_eq!(by_country.len(), countries.len());
    let pairs: HashSet<(String, String)> = by_country
        .iter()
        .flat_map(|(c, rs)| rs.iter().map(move |r| (c.clone(), r.clone())))
        .collect();
    for (c, rs) in &by_country {
        assert_eq!(rs.len(), 2, "reviewers_per_country");
        assert!(!rs.contains(c), "never itself");
        for r in rs {
            assert!(!pairs.contains(&(r.clone(), c.clone())), "no reciprocity");
        }
    }
    for a in first["assignments"].as_array().unwrap() {
        assert_eq!(a["reviews"].as_array().unwrap().len(), 2, "balanced");
    }
    // The draw is the library's, whatever the backend.
    let expected = mecigep::reports::draw::draw(
        &countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        2,
        42,
    )
    .unwrap();
    let mut got: Vec<(String, String)> = pairs.into_iter().collect();
    got.sort();
    assert_eq!(got, expected);

    // Same seed, same draw; the new one supersedes the old, both kept and audited.
    let second = draw(&app, &admin, round, 42).await;
    assert_eq!(reviewers(&second), by_country);
    assert_eq!(second["supersedes"], first["id"]);
    let third = draw(&app, &admin, round, 7).await;
    let current = app
        .get(&format!("/api/v1/rounds/{round}/assignments"))
        .send()
        .await
        .json();
    assert_eq!(current["id"], third["id"]);
    assert_eq!(current["seed"], 7);
    let audit = app.audit_rows("round.draw");
    assert_eq!(audit.len(), 3);
    assert!(audit[0].2.contains("\"seed\":42"));
    assert!(audit[2].2.contains("\"seed\":7"));
    // Without a seed, one is drawn and recorded.
    let res = app.post(&path).auth(&admin).send().await;
    assert_eq!(res.status, 201);
    assert!(res.json()["seed"].as_i64().unwrap() >= 0);

    // Impossible: two participants cannot each have three reviewers.
    let mut body = crate::util::round_body(2);
    body["reviewers_per_country"] = json!(3);
    let r2 = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .json();
    let r2 = r2["id"].as_i64().unwrap();
    let q = app.create_questionnaire(&admin, r2).await;
    app.post(&format!("/api/v1/questionnaires/{}/publish", q["id"]))
        .auth(&admin)
        .send()
        .await;
    for c in ["ARG", "BRA"] {
        app.request(
            Method::PUT,
            &format!("/api/v1/rounds/{r2}/participants/{c}"),
        )
        .auth(&admin)
        .send()
        .await;
    }
    let res = app
        .post(&format!("/api/v1/rounds/{r2}/draws"))
        .auth(&admin)
        .send()
        .await;
    res.assert_problem(409, "round-not-ready");
    app.post(&format!("/api/v1/rounds/{r2}/open"))
        .auth(&admin)
        .send()
        .await;
    let res = app
        .post(&format!("/api/v1/rounds/{r2}/draws"))
        .auth(&admin)
        .send()
        .await;
    let p = res.assert_problem(422, "validation");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 4 participants"),
        "{p}"
    );
    let res = app
        .post(&path)
        .auth(&admin)
        .json(&json!({"seed": 7.5}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    // A whole number written with a fraction is that number.
    let res = app
        .post(&path)
        .auth(&admin)
        .json(&json!({"seed": 79542557859.0}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["seed"], 79542557859i64);
}

/// An open round with five participants, its draw, and users around CHL's country report.
pub(crate) struct Review {
    pub(crate) app: TestApp,
    pub(crate) admin: TestUser,
    pub(crate) round: i64,
    /// An expert of a country drawn to review CHL.
    pub(crate) assigned: TestUser,
    /// An expert of a participant that does not review CHL.
    pub(crate) other_expert: TestUser,
    /// An expert of CHL itself.
    pub(crate) own_expert: TestUser,
    pub(crate) chile: TestUser,
    pub(crate) peru: TestUser,
}

pub(crate) async fn review() -> Review {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let countries = ["ARG", "BRA", "CHL", "PER", "URY"];
    let (round, _) = app.open_round(&admin, 1, &countries).await;
    let round = round["id"].as_i64().unwrap();
    let d = draw(&app, &admin, round, 1234).await;
    let chl = reviewers(&d)["CHL"].clone();
    let outsider = countries
        .iter()
        .find(|c| **c != "CHL" && !chl.contains(&c.to_string()))
        .unwrap();
    Review {
        assigned: app.expert(&chl[0]),
        other_expert: app.expert(outsider),
        own_expert: app.expert("CHL"),
        chile: app.member("CHL"),
        peru: app.member(if chl[0] == "PER" { "ARG" } else { "PER" }),
        app,
        admin,
        round,
    }
}

impl Review {
    pub(crate) async fn country_report(&self, country: &str) -> i64 {
        let res = self
            .app
            .post("/api/v1/reports")
            .auth(&self.admin)
            .json(
                &json!({"round": self.round, "kind": "country", "country": country,
                          "title": {"en": format!("Country Report: {country}")},
                          "body": "## Summary\n\nDraft."}),
            )
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()["id"].as_i64().unwrap()
    }

    pub(crate) async fn act(
        &self,
        who: &TestUser,
        id: i64,
        action: &str,
        body: Value,
    ) -> crate::util::Resp {
        self.app
            .post(&format!("/api/v1/reports/{id}/{action}"))
            .auth(who)
            .json(&body)
            .send()
            .await
    }
}

#[actix_web::test]
async fn reports_workflow_and_confidentiality() {
    let r = review().await;
    let app = &r.app;
    let id = r.country_report("CHL").await;
    let path = format!("/api/v1/reports/{id}");

    // Creating: the secretariat only; one per country; participants only.
    let body = json!({"round": r.round, "kind": "country", "country": "CHL", "title": "x"});
    app.post("/api/v1/reports")
        .auth(&r.assigned)
        .json(&body)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .post("/api/v1/reports")
        .auth(&r.admin)
        .json(&body)
        .send()
        .await;
    res.assert_problem(409, "report-exists");
    assert_eq!(res.header("location").unwrap(), path);
    let res = app
        .post("/api/v1/reports")
        .auth(&r.admin)
        .json(&json!({"round": r.round, "kind": "country", "country": "JAM", "title": ""}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["country", "title"]);

    // Before publication: the secretariat, the assigned experts and the reviewed country.
    let report = app.get(&path).auth(&r.admin).send().await.json();
    assert_eq!(report["status"], "draft");
    assert_eq!(report["reviewers"].as_array().unwrap().len(), 2);
    assert_eq!(
        report["assigned_experts"],
        json!([r.assigned.id]),
        "the experts of the reviewers"
    );
    for (who, status) in [
        (Some(&r.admin), 200),
        (Some(&r.assigned), 200),
        (Some(&r.chile), 200),
        (Some(&r.other_expert), 404),
        (Some(&r.own_expert), 404),
        (Some(&r.peru), 404),
        (None, 404),
    ] {
        let mut req = app.get(&path);
        if let Some(u) = who {
            req = req.auth(u);
        }
        assert_eq!(req.send().await.status, status);
    }
    let listed = |who: Option<&TestUser>| {
        let mut req = app.get("/api/v1/reports");
        if let Some(u) = who {
            req = req.auth(u);
        }
        async move { req.send().await.json()["data"].as_array().unwrap().len() }
    };
    assert_eq!(listed(Some(&r.assigned)).await, 1);
    assert_eq!(listed(Some(&r.chile)).await, 1);
    assert_eq!(listed(Some(&r.other_expert)).await, 0);
    assert_eq!(listed(None).await, 0);

    // Drafting: the secretariat and the assigned experts; If-Match honoured.
    let patch = json!({"body": "## Summary\n\nReviewed by the experts."});
    app.patch(&path)
        .auth(&r.chile)
        .json(&patch)
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.patch(&path)
        .auth(&r.other_expert)
        .json(&patch)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.patch(&path)
        .auth(&r.own_expert)
        .json(&patch)
        .send()
        .await
        .assert_problem(404, "not-found");
    let res = app.patch(&path).auth(&r.assigned).json(&patch).send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["revision"], 2);
    app.patch(&path)
        .auth(&r.admin)
        .header("if-match", "\"1-00\"")
        .json(&patch)
        .send()
        .await
        .assert_problem(412, "precondition-failed");

    // Every transition.
    let p = r
        .act(&r.admin, id, "publish", json!({}))
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!(["submit"]));
    r.act(&r.chile, id, "submit", json!({}))
        .await
        .assert_problem(403, "forbidden");
    let res = r.act(&r.assigned, id, "submit", json!({})).await;
    assert_eq!(res.json()["status"], "under_review");
    r.act(
        &r.assigned,
        id,
        "adopt",
        json!({"decision_date": "2026-11-01"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = r
        .act(
            &r.admin,
            id,
            "return",
            json!({"reason": "Add the findings."}),
        )
        .await;
    assert_eq!(res.json()["status"], "draft");
    assert_eq!(res.json()["version"], 2);
    r.act(&r.admin, id, "submit", json!({})).await;
    let res = r.act(&r.admin, id, "adopt", json!({})).await;
    res.assert_problem(422, "validation");
    let res = r
        .act(
            &r.admin,
            id,
            "adopt",
            json!({"decision_date": "2999-01-01"}),
        )
        .await;
    assert_eq!(res.error_fields(), vec!["decision_date"]);
    let res = r
        .act(
            &r.admin,
            id,
            "adopt",
            json!({"decision_date": "2026-11-20", "note": "Plenary session"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "adopted");
    assert_eq!(res.json()["decision_date"], "2026-11-20");
    assert_eq!(res.json()["allowed_actions"], json!(["publish"]));

    // Adopted reports are frozen.
    app.patch(&path)
        .auth(&r.admin)
        .json(&patch)
        .send()
        .await
        .assert_problem(409, "report-frozen");
    app.post(&format!("{path}/recommendations"))
        .auth(&r.admin)
        .json(&json!({"text": "x"}))
        .send()
        .await
        .assert_problem(409, "report-frozen");
    assert_eq!(
        app.get(&path).send().await.status,
        404,
        "not public before publication"
    );
    let res = r.act(&r.admin, id, "publish", json!({})).await;
    assert_eq!(res.json()["status"], "published");
    assert_eq!(app.get(&path).send().await.status, 200);
    assert_eq!(app.get(&path).auth(&r.peru).send().await.status, 200);
    assert_eq!(listed(None).await, 1);

    // The hemispheric draft: the secretariat and all experts.
    let res = app
        .post("/api/v1/reports")
        .auth(&r.admin)
        .json(&json!({"round": r.round, "kind": "hemispheric", "title": "Hemispheric Report"}))
        .send()
        .await;
    let hemi = format!("/api/v1/reports/{}", res.json()["id"]);
    assert_eq!(
        app.get(&hemi).auth(&r.other_expert).send().await.status,
        200
    );
    assert_eq!(app.get(&hemi).auth(&r.own_expert).send().await.status, 200);
    assert_eq!(app.get(&hemi).auth(&r.chile).send().await.status, 404);
    assert_eq!(app.get(&hemi).send().await.status, 404);

    for (action, n) in [
        ("report.create", 2),
        ("report.update", 1),
        ("report.submit", 2),
        ("report.return", 1),
        ("report.adopt", 1),
        ("report.publish", 1),
    ] {
        assert_eq!(app.audit_rows(action).len(), n, "{action}");
    }
}

#[actix_web::test]
async fn comments_rules() {
    let r = review().await;
    let app = &r.app;
    let id = r.country_report("CHL").await;
    let path = format!("/api/v1/reports/{id}/comments");
    let say = |who: &TestUser, text: &str| {
        let req = app
            .post(&path)
            .auth(who)
            .json(&json!({"body": text, "anchor": "section-1"}));
        async move { req.send().await }
    };
    let res = say(&r.assigned, "Please add the 2024 figures.").await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let mine = res.json();
    assert_eq!(mine["anchor"], "section-1");
    assert_eq!(
        say(&r.chile, "The figures are in annex 2.").await.status,
        201
    );
    assert_eq!(say(&r.admin, "Noted.").await.status, 201);
    say(&r.other_expert, "x")
        .await
        .assert_problem(404, "not-found");
    say(&r.peru, "x").await.assert_problem(404, "not-found");
    app.post(&path)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    say(&r.chile, "   ").await.assert_problem(422, "validation");

    let list = app.get(&path).auth(&r.chile).send().await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    app.get(&path)
        .auth(&r.other_expert)
        .send()
        .await
        .assert_problem(404, "not-found");

    // Its author may correct it for 15 minutes; nobody else, and never delete it.
    let edit = format!("{path}/{}", mine["id"]);
    let res = app
        .patch(&edit)
        .auth(&r.assigned)
        .json(&json!({"body": "Please add the 2025 figures."}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["body"], "Please add the 2025 figures.");
    app.patch(&edit)
        .auth(&r.admin)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.delete(&edit)
        .auth(&r.assigned)
        .send()
        .await
        .assert_problem(405, "method-not-allowed");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use mecigep::db::schema::report_comments as c;
        diesel::update(c::table.find(mine["id"].as_i64().unwrap()))
            .set(c::created_at.eq(mecigep::time::now() - chrono::Duration::minutes(16)))
            .execute(conn)
            .unwrap();
    });
    app.patch(&edit)
        .auth(&r.assigned)
        .json(&json!({"body": "late"}))
        .send()
        .await
        .assert_problem(409, "edit-window-closed");
    assert!(
        app.with_conn(|conn| {
            use diesel::prelude::*;
            diesel::delete(mecigep::db::schema::report_comments::table).execute(conn)
        })
        .is_err(),
        "the database refuses to delete comments"
    );

    // Once adopted, no more comments.
    r.act(&r.admin, id, "submit", json!({})).await;
    r.act(
        &r.admin,
        id,
        "adopt",
        json!({"decision_date": "2026-11-20"}),
    )
    .await;
    say(&r.chile, "late")
        .await
        .assert_problem(409, "report-frozen");
    assert_eq!(app.audit_rows("report.comment").len(), 3);
}

#[actix_web::test]
async fn recommendations_and_follow_up() {
    let r = review().await;
    let app = &r.app;
    let id = r.country_report("CHL").await;
    let recs = format!("/api/v1/reports/{id}/recommendations");
    let add = |who: &TestUser, body: Value| {
        let req = app.post(&recs).auth(who).json(&body);
        async move { req.send().await }
    };
    let res = add(&r.assigned, json!({"text": "Publish the results of competitions.", "thematic_area": "civil-service", "target_date": "2027-12-31"})).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let first = res.json();
    assert_eq!(first["number"], 1);
    assert_eq!(first["status"], "pending");
    assert_eq!(
        add(&r.admin, json!({"text": "Evaluate programs."}))
            .await
            .json()["number"],
        2
    );
    add(&r.admin, json!({"number": 2, "text": "Dup"}))
        .await
        .assert_problem(409, "number-taken");
    let res = add(
        &r.admin,
        json!({"text": "", "thematic_area": "nowhere", "target_date": "soon"}),
    )
    .await;
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["target_date", "text", "thematic_area"]);
    add(&r.chile, json!({"text": "x"}))
        .await
        .assert_problem(403, "forbidden");

    let rec = format!("/api/v1/recommendations/{}", first["id"]);
    let follow = json!({"status": "in_progress", "progress_note": "A bill was sent to Congress."});
    app.patch(&rec)
        .auth(&r.chile)
        .json(&follow)
        .send()
        .await
        .assert_problem(409, "report-not-adopted");
    r.act(&r.admin, id, "submit", json!({})).await;
    r.act(
        &r.admin,
        id,
        "adopt",
        json!({"decision_date": "2026-11-20"}),
    )
    .await;

    app.patch(&rec)
        .auth(&r.peru)
        .json(&follow)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.patch(&rec)
        .auth(&r.assigned)
        .json(&follow)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .patch(&rec)
        .auth(&r.chile)
        .json(&json!({"evidence_urls": ["not a url"]}))
        .send()
        .await;
    assert_eq!(res.error_fields(), vec!["evidence_urls[0]"]);
    let res = app.patch(&rec).auth(&r.chile).json(&follow).send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "in_progress");
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .patch(&rec)
        .auth(&r.chile)
        .header("if-match", &etag)
        .json(&json!({"status": "implemented", "evidence_urls": ["https://example.org/law"]}))
        .send()
        .await;
    assert_eq!(res.json()["status"], "implemented");
    assert_eq!(
        res.json()["progress_note"],
        "A bill was sent to Congress.",
        "kept when not sent"
    );
    app.patch(&rec)
        .auth(&r.chile)
        .header("if-match", &etag)
        .json(&follow)
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    let one = app.get(&rec).auth(&r.chile).send().await.json();
    let history = one["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["status"], "in_progress");
    assert_eq!(
        history[1]["evidence_urls"],
        json!(["https://example.org/law"])
    );
    assert_eq!(app.audit_rows("recommendation.followup").len(), 2);

    // The tracker is public for published reports.
    assert_eq!(app.get(&rec).send().await.status, 404);
    let tracker = app.get("/api/v1/recommendations").send().await.json();
    assert_eq!(tracker["data"].as_array().unwrap().len(), 0);
    r.act(&r.admin, id, "publish", json!({})).await;
    let tracker = app
        .get("/api/v1/recommendations?country=CHL")
        .send()
        .await
        .json();
    assert_eq!(tracker["data"].as_array().unwrap().len(), 2);
    let done = app
        .get("/api/v1/recommendations?status=implemented&thematic_area=civil-service")
        .send()
        .await
        .json();
    assert_eq!(done["data"].as_array().unwrap().len(), 1);
    assert_eq!(done["data"][0]["country"], "CHL");
    app.patch(&rec)
        .auth(&r.peru)
        .json(&follow)
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/recommendations?status=done")
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn a_whole_round_end_to_end() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let countries = ["ARG", "BRA", "CHL", "URY", "PER"];
    let (round, q) = app.open_round(&admin, 1, &countries).await;
    let round = round["id"].as_i64().unwrap();
    let q = q["id"].as_i64().unwrap();

    // Countries answer; the secretariat accepts.
    for c in countries {
        let fp = app.member(c);
        let res = app
            .post(&format!("/api/v1/questionnaires/{q}/responses"))
            .auth(&fp)
            .send()
            .await;
        assert_eq!(res.status, 201);
        let rid = res.json()["id"].as_i64().unwrap();
        let res = app
            .request(Method::PUT, &format!("/api/v1/responses/{rid}/answers"))
            .auth(&fp)
            .json(&json!([
                {"question": "A.1", "value": format!("Budget office of {c}")},
                {"question": "A.3", "value": 120},
                {"question": "B.1", "value": true},
                {"question": "B.3", "value": "multiannual"}
            ]))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(
            app.post(&format!("/api/v1/responses/{rid}/submit"))
                .auth(&fp)
                .send()
                .await
                .status,
            200
        );
        assert_eq!(
            app.post(&format!("/api/v1/responses/{rid}/accept"))
                .auth(&admin)
                .send()
                .await
                .status,
            200
        );
    }
    assert_eq!(
        app.post(&format!("/api/v1/rounds/{round}/review"))
            .auth(&admin)
            .send()
            .await
            .status,
        200
    );

    // Draw, draft, comment, adopt, publish every country report.
    let d = draw(&app, &admin, round, 99).await;
    let by_country = reviewers(&d);
    let mut recs = Vec::new();
    for c in countries {
        let res = app
            .post("/api/v1/reports")
            .auth(&admin)
            .json(&json!({"round": round, "kind": "country", "country": c, "title": format!("Country Report: {c}")}))
            .send()
            .await;
        let id = res.json()["id"].as_i64().unwrap();
        let expert = app.expert(&by_country[c][0]);
        let res = app
            .patch(&format!("/api/v1/reports/{id}"))
            .auth(&expert)
            .json(&json!({"body": "## Findings\n\nThe plan and the budget are linked by law."}))
            .send()
            .await;
        assert_eq!(res.status, 200);
        let res = app
            .post(&format!("/api/v1/reports/{id}/recommendations"))
            .auth(&expert)
            .json(&json!({"text": "Publish performance indicators.", "thematic_area": "public-budget"}))
            .send()
            .await;
        recs.push((c, res.json()["id"].as_i64().unwrap()));
        let fp = app.member(c);
        let res = app
            .post(&format!("/api/v1/reports/{id}/comments"))
            .auth(&fp)
            .json(&json!({"body": "Agreed; see annex."}))
            .send()
            .await;
        assert_eq!(res.status, 201);
        for (who, action, body) in [
            (&expert, "submit", json!({})),
            (&admin, "adopt", json!({"decision_date": "2026-11-20"})),
            (&admin, "publish", json!({})),
        ] {
            let res = app
                .post(&format!("/api/v1/reports/{id}/{action}"))
                .auth(who)
                .json(&body)
                .send()
                .await;
            assert_eq!(
                res.status,
                200,
                "{action}: {}",
                String::from_utf8_lossy(&res.body)
            );
        }
    }
    // Follow-up by the countries.
    for (c, rec) in &recs {
        let res = app
            .patch(&format!("/api/v1/recommendations/{rec}"))
            .auth(&app.member(c))
            .json(&json!({"status": "in_progress", "progress_note": "Under way."}))
            .send()
            .await;
        assert_eq!(res.status, 200);
    }
    // The round concludes once the hemispheric report is adopted.
    app.post(&format!("/api/v1/rounds/{round}/conclude"))
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "round-not-ready");
    app.adopt_hemispheric_report(&admin, round).await;
    let res = app
        .post(&format!("/api/v1/rounds/{round}/conclude"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.json()["status"], "concluded");

    // The public sees the reports, the tracker and, by the round's policy, the responses.
    let reports = app
        .get(&format!("/api/v1/reports?round={round}&kind=country"))
        .send()
        .await
        .json();
    assert_eq!(reports["data"].as_array().unwrap().len(), countries.len());
    let tracker = app
        .get(&format!(
            "/api/v1/recommendations?round={round}&status=in_progress"
        ))
        .send()
        .await
        .json();
    assert_eq!(tracker["data"].as_array().unwrap().len(), countries.len());
    let responses = app.get("/api/v1/responses").send().await.json();
    assert_eq!(responses["data"].as_array().unwrap().len(), countries.len());
}

#[actix_web::test]
async fn demo_round_has_its_review() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let reports = app.get("/api/v1/reports?round=1").send().await.json();
    let reports = reports["data"].as_array().unwrap();
    assert_eq!(
        reports.len(),
        9,
        "eight country reports and the hemispheric one"
    );
    assert!(reports.iter().all(|r| r["status"] == "published"));
    let assignments = app.get("/api/v1/rounds/1/assignments").send().await.json();
    assert_eq!(assignments["assignments"].as_array().unwrap().len(), 8);
    let tracker = app
        .get("/api/v1/recommendations?round=1&limit=100")
        .send()
        .await
        .json();
    let statuses: HashSet<&str> = tracker["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
}
