//! Experts' conflicts of interest, and the experts named to a country report: the draw, the
//! naming and the assigned experts' access all respect the conflicts.

use serde_json::json;

use crate::reports::{draw, review, reviewers};
use crate::util::TestApp;

#[actix_web::test]
async fn experts_declare_and_withdraw_their_conflicts() {
    let app = TestApp::new().await;
    let expert = app.expert("ARG");
    let admin = app.secretariat();
    let declare = |body: serde_json::Value| {
        app.post("/api/v1/me/conflicts")
            .auth(&expert)
            .json(&body)
            .send()
    };
    let res =
        declare(json!({"country": "per", "reason": "Advised its civil service reform in 2025."}))
            .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("location"), Some("/api/v1/me/conflicts/PER"));
    assert_eq!(res.json()["country"], "PER");
    declare(json!({"country": "PER", "reason": "Again."}))
        .await
        .assert_problem(409, "conflict-declared");
    let res = declare(json!({"country": "ARG", "reason": ""})).await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["country", "reason"],
        "own country, empty reason"
    );
    let res = declare(json!({"country": "XYZ", "reason": "x"})).await;
    assert_eq!(res.error_fields(), vec!["country"]);
    declare(json!({"country": "BRA"}))
        .await
        .assert_problem(422, "validation");

    for who in [app.member("PER"), app.secretariat()] {
        app.post("/api/v1/me/conflicts")
            .auth(&who)
            .json(&json!({"country": "PER", "reason": "x"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/me/conflicts")
        .send()
        .await
        .assert_problem(401, "authentication-required");

    let mine = app
        .get("/api/v1/me/conflicts")
        .auth(&expert)
        .send()
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(
        mine[0]["reason"],
        "Advised its civil service reform in 2025."
    );
    let theirs = app
        .get(&format!("/api/v1/users/{}/conflicts", expert.id))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(theirs, mine);
    app.get(&format!("/api/v1/users/{}/conflicts", expert.id))
        .auth(&app.expert("BRA"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/users/999999/conflicts")
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");

    let res = app
        .delete("/api/v1/me/conflicts/per")
        .auth(&expert)
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.delete("/api/v1/me/conflicts/PER")
        .auth(&expert)
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.audit_rows("expert.conflict_declare").len(), 1);
    assert_eq!(app.audit_rows("expert.conflict_withdraw").len(), 1);
}

#[actix_web::test]
async fn a_conflicted_expert_is_not_assigned_and_cannot_be_named() {
    let r = review().await;
    let app = &r.app;
    let id = r.country_report("CHL").await;
    let report = format!("/api/v1/reports/{id}");
    let one = app.get(&report).auth(&r.admin).send().await.json();
    let assigned: Vec<i64> = serde_json::from_value(one["assigned_experts"].clone()).unwrap();
    assert!(assigned.contains(&r.assigned.id));
    // A second expert of the same reviewer country.
    let reviewer_country = app.get("/api/v1/me").auth(&r.assigned).send().await.json()["country"]
        .as_str()
        .unwrap()
        .to_owned();
    let colleague = app.expert(&reviewer_country);

    // Naming: the secretariat, within the reviewer countries' experts.
    let name = |who: &crate::util::TestUser, body: serde_json::Value| {
        app.request(actix_web::http::Method::PUT, &format!("{report}/experts"))
            .auth(who)
            .json(&body)
            .send()
    };
    for who in [&r.assigned, &r.chile] {
        name(who, json!({"lead": r.assigned.id}))
            .await
            .assert_problem(403, "forbidden");
    }
    let res = name(
        &r.admin,
        json!({"lead": r.other_expert.id, "second": r.chile.id, "substitute": r.other_expert.id}),
    )
    .await;
    res.assert_problem(422, "validation");
    let errors = res.json()["errors"].clone();
    let codes: Vec<(&str, &str)> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("lead", "not_a_reviewer"),
            ("second", "not_an_expert"),
            ("substitute", "duplicate")
        ]
    );
    let res = name(
        &r.admin,
        json!({"lead": r.assigned.id, "second": colleague.id}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let named = res.json();
    assert_eq!(named[0]["role"], "lead");
    assert_eq!(named[0]["user"], r.assigned.id);
    assert_eq!(named[1]["role"], "second");
    assert_eq!(named[1]["country"], reviewer_country.as_str());
    let seen = app
        .get(&format!("{report}/experts"))
        .auth(&r.chile)
        .send()
        .await
        .json();
    assert_eq!(seen, named);
    app.get(&format!("{report}/experts"))
        .auth(&r.peru)
        .send()
        .await
        .assert_problem(404, "not-found");

    // The colleague declares a conflict with CHL: no longer assigned, nor nameable.
    let res = app
        .post("/api/v1/me/conflicts")
        .auth(&colleague)
        .json(&json!({"country": "CHL", "reason": "Worked for its ministry of finance."}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    app.get(&report)
        .auth(&colleague)
        .send()
        .await
        .assert_problem(404, "not-found");
    let listed = app
        .get("/api/v1/reports")
        .auth(&colleague)
        .send()
        .await
        .json();
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"] != id));
    let one = app.get(&report).auth(&r.admin).send().await.json();
    let assigned: Vec<i64> = serde_json::from_value(one["assigned_experts"].clone()).unwrap();
    assert!(!assigned.contains(&colleague.id));
    assert!(assigned.contains(&r.assigned.id));
    let res = name(
        &r.admin,
        json!({"lead": r.assigned.id, "substitute": colleague.id}),
    )
    .await;
    assert_eq!(res.json()["errors"][0]["code"], "conflict_of_interest");

    // The hemispheric report has no named experts.
    let res = app
        .post("/api/v1/reports")
        .auth(&r.admin)
        .json(&json!({"round": r.round, "kind": "hemispheric", "title": {"en": "Hemispheric"}}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let hemispheric = res.json()["id"].as_i64().unwrap();
    app.request(
        actix_web::http::Method::PUT,
        &format!("/api/v1/reports/{hemispheric}/experts"),
    )
    .auth(&r.admin)
    .json(&json!({"lead": r.assigned.id}))
    .send()
    .await
    .assert_problem(409, "not-a-country-report");
}

#[actix_web::test]
async fn the_draw_never_gives_a_country_to_reviewers_all_in_conflict_with_it() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app
        .open_round(&admin, 1, &["ARG", "BRA", "CHL", "PER", "URY"])
        .await;
    let round = round["id"].as_i64().unwrap();
    // ARG's only expert may not review BRA; one of URY's two may not review CHL (the other may).
    let arg = app.expert("ARG");
    let (ury1, _ury2) = (app.expert("URY"), app.expert("URY"));
    for (who, country) in [(&arg, "BRA"), (&ury1, "CHL")] {
        let res = app
            .post("/api/v1/me/conflicts")
            .auth(who)
            .json(&json!({"country": country, "reason": "Former adviser."}))
            .send()
            .await;
        assert_eq!(res.status, 201);
    }
    let mut ury_reviews_chl = false;
    for seed in 0..20 {
        let d = draw(&app, &admin, round, seed).await;
        let by_country = reviewers(&d);
        assert!(
            !by_country["BRA"].contains(&"ARG".to_string()),
            "seed {seed}: {by_country:?}"
        );
        ury_reviews_chl |= by_country["CHL"].contains(&"URY".to_string());
        assert_eq!(d["mutual_pairs"], 0, "still the fewest mutual reviews");
        let again = draw(&app, &admin, round, seed).await;
        assert_eq!(reviewers(&again), by_country, "same seed, same draw");
    }
    assert!(
        ury_reviews_chl,
        "a reviewer with one free expert may still be drawn"
    );
}
