//! The cooperation cycle through HTTP: needs, offers, partners, cooperations to their outcome,
//! suggestions and the map, for every role.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::util::{Resp, TestApp, TestUser};

/// A round reviewed up to adopted country reports of PER and CHL, each with recommendations in
/// public-budget; and who is who.
struct Board {
    app: TestApp,
    admin: TestUser,
    peru: TestUser,
    chile: TestUser,
    argentina: TestUser,
    /// An expert of a country drawn to review PER.
    reviewer: TestUser,
    /// An expert of a country that did not review PER.
    other_expert: TestUser,
    /// PER's recommendations.
    per_recs: Vec<i64>,
    chl_recs: Vec<i64>,
}

async fn board() -> Board {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let countries = ["ARG", "BRA", "CHL", "PER", "URY"];
    let (round, _) = app.open_round(&admin, 1, &countries).await;
    let round = round["id"].as_i64().unwrap();
    let per_reviewers = app.draw_reviewers(&admin, round, 77, "PER").await;
    let outsider = countries
        .iter()
        .find(|c| **c != "PER" && !per_reviewers.contains(&c.to_string()))
        .unwrap();
    let mut recs = Vec::new();
    for (country, texts) in [
        (
            "PER",
            [
                "Link program evaluation to budget allocation.",
                "Publish performance indicators of the budget.",
            ],
        ),
        (
            "CHL",
            [
                "Extend performance agreements.",
                "Evaluate the civil service.",
            ],
        ),
    ] {
        let res = app
            .post("/api/v1/reports")
            .auth(&admin)
            .json(&json!({"round": round, "kind": "country", "country": country, "title": format!("Report {country}")}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let report = res.json()["id"].as_i64().unwrap();
        let mut ids = Vec::new();
        for text in texts {
            let res = app
                .post(&format!("/api/v1/reports/{report}/recommendations"))
                .auth(&admin)
                .json(&json!({"text": text, "thematic_area": "public-budget"}))
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
            ids.push(res.json()["id"].as_i64().unwrap());
        }
        for (action, body) in [
            ("submit", json!({})),
            ("adopt", json!({"decision_date": "2026-11-20"})),
        ] {
            let res = app
                .post(&format!("/api/v1/reports/{report}/{action}"))
                .auth(&admin)
                .json(&body)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
        recs.push(ids);
    }
    Board {
        peru: app.member("PER"),
        chile: app.member("CHL"),
        argentina: app.member("ARG"),
        reviewer: app.expert(&per_reviewers[0]),
        other_expert: app.expert(outsider),
        chl_recs: recs.pop().unwrap(),
        per_recs: recs.pop().unwrap(),
        admin,
        app,
    }
}

fn need_body(recs: &[i64]) -> Value {
    json!({
        "thematic_area": "public-budget",
        "kind": "technical_assistance",
        "priority": "high",
        "language": "es",
        "title": {"es": "Presupuesto por resultados", "en": "Performance budgeting"},
        "description": {"en": "We need help to link program evaluation to budget allocation and performance indicators."},
        "languages": ["es", "en"],
        "modality": "either",
        "recommendations": recs
    })
}

impl Board {
    async fn post(&self, who: &TestUser, path: &str, body: Value) -> Resp {
        self.app.post(path).auth(who).json(&body).send().await
    }

    async fn action(&self, who: &TestUser, path: &str) -> Resp {
        self.app.post(path).auth(who).send().await
    }

    async fn get(&self, who: Option<&TestUser>, path: &str) -> Resp {
        let req = self.app.get(path);
        match who {
            Some(u) => req.auth(u).send().await,
            None => req.send().await,
        }
    }

    /// A need of PER, opened.
    async fn open_need(&self, body: Value) -> i64 {
        let res = self.post(&self.peru, "/api/v1/needs", body).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        let res = self
            .action(&self.peru, &format!("/api/v1/needs/{id}/open"))
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        id
    }

    /// An offer of `who` (a focal point) or of the secretariat's `body`, opened.
    async fn open_offer(&self, who: &TestUser, body: Value) -> i64 {
        let res = self.post(who, "/api/v1/offers", body).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        let res = self.action(who, &format!("/api/v1/offers/{id}/open")).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        id
    }
}

#[actix_web::test]
async fn needs_lifecycle_roles_and_visibility() {
    let b = board().await;
    let app = &b.app;

    // Who may declare.
    app.post("/api/v1/needs")
        .json(&need_body(&[]))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    b.post(&b.reviewer, "/api/v1/needs", need_body(&[]))
        .await
        .assert_problem(403, "forbidden");
    let mut for_peru = need_body(&[]);
    for_peru["country"] = json!("PER");
    b.post(&b.chile, "/api/v1/needs", for_peru.clone())
        .await
        .assert_problem(403, "forbidden");

    // Every problem at once.
    let res = b
        .post(
            &b.peru,
            "/api/v1/needs",
            json!({"thematic_area": "nowhere", "kind": "training", "title": "", "description": "x",
                   "recommendations": [b.chl_recs[0], 999_999], "experiences": [888_888]}),
        )
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    fields.dedup();
    assert_eq!(
        fields,
        ["experiences", "recommendations", "thematic_area", "title"]
    );
    let res = b
        .post(
            &b.peru,
            "/api/v1/needs",
            json!({"thematic_area": "public-budget", "kind": "lunch", "title": "x"}),
        )
        .await;
    res.assert_problem(422, "validation");
    let fields = res.error_fields();
    assert!(
        fields.contains(&"kind".to_owned()) && fields.contains(&"description".to_owned()),
        "{fields:?}"
    );
    b.post(&b.admin, "/api/v1/needs", need_body(&[]))
        .await
        .assert_problem(422, "validation");

    // A draft: its country and the secretariat only.
    let res = b
        .post(&b.peru, "/api/v1/needs", need_body(&b.per_recs))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let need = res.json();
    let id = need["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/needs/{id}")
    );
    assert_eq!(need["country"], "PER");
    assert_eq!(need["status"], "draft");
    assert_eq!(need["allowed_actions"], json!(["open", "withdraw"]));
    assert_eq!(need["title"], "Performance budgeting");
    assert_eq!(need["language"], "es");
    assert_eq!(need["recommendations"], json!(b.per_recs));
    let path = format!("/api/v1/needs/{id}");
    for who in [None, Some(&b.chile), Some(&b.reviewer)] {
        b.get(who, &path).await.assert_problem(404, "not-found");
    }
    assert_eq!(b.get(Some(&b.admin), &path).await.status, 200);
    assert_eq!(
        b.get(Some(&b.peru), &format!("{path}?lang=es"))
            .await
            .json()["title"],
        "Presupuesto por resultados"
    );
    let listed = b.get(None, "/api/v1/needs").await.json();
    assert!(listed["data"].as_array().unwrap().is_empty());

    // Opening: the public board.
    b.action(&b.chile, &format!("{path}/open"))
        .await
        .assert_problem(404, "not-found");
    let res = b.action(&b.peru, &format!("{path}/open")).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "open");
    let p = b
        .action(&b.peru, &format!("{path}/open"))
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["current_status"], "open");
    assert_eq!(p["allowed"], json!(["withdraw", "close"]));
    let res = b.get(None, &path).await;
    assert_eq!(res.status, 200);
    let etag = res.header("etag").unwrap().to_owned();
    assert_eq!(
        b.get(None, "/api/v1/needs").await.json()["data"][0]["id"],
        id
    );

    // Edits: the country's, guarded by If-Match.
    b.app
        .patch(&path)
        .auth(&b.chile)
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = b
        .app
        .patch(&path)
        .auth(&b.peru)
        .header("if-match", &etag)
        .json(&json!({"priority": "low", "title": {"fr": "Budgétisation axée sur la performance"}}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["priority"], "low");
    b.app
        .patch(&path)
        .auth(&b.peru)
        .header("if-match", &etag)
        .json(&json!({"priority": "high"}))
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    b.app
        .patch(&path)
        .auth(&b.peru)
        .json(&json!({"recommendations": [b.chl_recs[1]]}))
        .send()
        .await
        .assert_problem(422, "validation");

    // Closing as met without a cooperation needs a note.
    b.action(&b.peru, &format!("{path}/close"))
        .await
        .assert_problem(422, "validation");
    let res = b
        .post(
            &b.peru,
            &format!("{path}/close"),
            json!({"note": "The ministry funded it itself."}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "met");
    assert_eq!(res.json()["close_note"], "The ministry funded it itself.");
    assert!(res.json()["allowed_actions"].as_array().unwrap().is_empty());
    b.app
        .patch(&path)
        .auth(&b.peru)
        .json(&json!({"priority": "high"}))
        .send()
        .await
        .assert_problem(409, "not-editable");
    let audit = b.app.audit_rows("need.close");
    assert_eq!(audit.len(), 1);

    // A confidential need: the country and the secretariat.
    let mut secret = need_body(&[]);
    secret["confidential"] = json!(true);
    let hidden = b.open_need(secret).await;
    let hidden_path = format!("/api/v1/needs/{hidden}");
    for who in [None, Some(&b.chile), Some(&b.reviewer)] {
        b.get(who, &hidden_path)
            .await
            .assert_problem(404, "not-found");
    }
    assert_eq!(b.get(Some(&b.admin), &hidden_path).await.status, 200);
    let public: Vec<i64> = b.get(None, "/api/v1/needs").await.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    assert_eq!(public, [id]);
    let mine = b.get(Some(&b.peru), "/api/v1/needs").await.json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 2);

    // Withdrawing a draft.
    let res = b.post(&b.admin, "/api/v1/needs", for_peru).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let draft = res.json()["id"].as_i64().unwrap();
    let res = b
        .action(&b.admin, &format!("/api/v1/needs/{draft}/withdraw"))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "withdrawn");
}

#[actix_web::test]
async fn lists_filter_search_and_page() {
    let b = board().await;
    let first = b.open_need(need_body(&[])).await;
    let mut training = need_body(&[]);
    training["kind"] = json!("training");
    training["thematic_area"] = json!("civil-service");
    training["title"] = json!({"es": "Concursos del servicio civil"});
    training["description"] = json!({"es": "Capacitación de jurados de concursos públicos."});
    let second = b.open_need(training).await;
    let ids = |r: Resp| -> Vec<i64> {
        r.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(b.get(None, "/api/v1/needs").await), [second, first]);
    assert_eq!(
        ids(b.get(None, "/api/v1/needs?kind=training").await),
        [second]
    );
    assert_eq!(
        ids(b
            .get(None, "/api/v1/needs?thematic_area=public-budget")
            .await),
        [first]
    );
    assert_eq!(
        ids(b
            .get(None, "/api/v1/needs?subregion=andean&status=open")
            .await),
        [second, first]
    );
    assert!(ids(b.get(None, "/api/v1/needs?subregion=caribbean").await).is_empty());
    assert_eq!(
        ids(b.get(None, "/api/v1/needs?q=jurados%20concursos").await),
        [second]
    );
    assert_eq!(
        ids(b.get(None, "/api/v1/needs?q=evaluation").await),
        [first]
    );
    assert_eq!(ids(b.get(None, "/api/v1/needs?country=PER").await).len(), 2);
    assert!(ids(b
        .get(None, "/api/v1/needs?updated_since=2999-01-01T00:00:00Z")
        .await)
    .is_empty());
    let page = b.get(None, "/api/v1/needs?limit=1").await.json();
    assert_eq!(page["data"][0]["id"], second);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let next = b
        .get(None, &format!("/api/v1/needs?limit=1&cursor={cursor}"))
        .await
        .json();
    assert_eq!(next["data"][0]["id"], first);
    assert!(next["next_cursor"].is_null());
    let res = b
        .get(
            None,
            "/api/v1/needs?kind=lunch&subregion=europe&status=x&updated_since=yesterday&limit=0",
        )
        .await;
    res.assert_problem(400, "invalid-query");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["kind", "limit", "status", "subregion", "updated_since"]
    );
    b.get(None, "/api/v1/offers?partner=x")
        .await
        .assert_problem(400, "invalid-query");
    b.get(None, "/api/v1/cooperations?need=x")
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn lists_run_a_constant_number_of_queries() {
    use mecigep::cooperation::store::{self, BoardFilter, Viewer};
    let b = board().await;
    let chile_offer = json!({"thematic_area": "public-budget", "kinds": ["training"], "title": "Budget", "description": "Budget training."});
    for _ in 0..6 {
        let need = b.open_need(need_body(&[])).await;
        let offer = b.open_offer(&b.chile, chile_offer.clone()).await;
        let res = b
            .post(
                &b.chile,
                "/api/v1/cooperations",
                json!({"need": need, "offer": offer}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    let counted = |limit: i64| {
        b.app.with_conn(|conn| {
            let n = Arc::new(AtomicUsize::new(0));
            let seen = n.clone();
            diesel::connection::Connection::set_instrumentation(
                conn,
                move |e: diesel::connection::InstrumentationEvent<'_>| {
                    if matches!(
                        e,
                        diesel::connection::InstrumentationEvent::StartQuery { .. }
                    ) {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                },
            );
            let f = BoardFilter::default();
            let mut per_list = Vec::new();
            for run in 0..3 {
                let before = n.load(Ordering::SeqCst);
                let rows = match run {
                    0 => store::list_needs(conn, &Viewer::Secretariat, &f, None, None, limit)
                        .unwrap()
                        .len(),
                    1 => store::list_offers(
                        conn,
                        &Viewer::Public { user: None },
                        &f,
                        None,
                        None,
                        None,
                        limit,
                    )
                    .unwrap()
                    .len(),
                    _ => store::list_cooperations(
                        conn,
                        &Viewer::Country {
                            code: "PER".into(),
                            user: 1,
                        },
                        &f,
                        None,
                        None,
                        None,
                        limit,
                    )
                    .unwrap()
                    .len(),
                };
                assert!(rows as i64 >= limit.min(6));
                per_list.push(n.load(Ordering::SeqCst) - before);
            }
            diesel::connection::Connection::set_instrumentation(
                conn,
                |_: diesel::connection::InstrumentationEvent<'_>| {},
            );
            per_list
        })
    };
    assert_eq!(counted(1), counted(6));
}

#[actix_web::test]
async fn partners_and_offers() {
    let b = board().await;
    let idb = json!({"name": "Inter-American Development Bank", "acronym": "IDB", "kind": "development_bank", "website": "https://www.iadb.org"});
    b.post(&b.chile, "/api/v1/partners", idb.clone())
        .await
        .assert_problem(403, "forbidden");
    b.app
        .post("/api/v1/partners")
        .json(&idb)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let res = b.post(&b.admin, "/api/v1/partners", idb.clone()).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let partner = res.json()["id"].as_i64().unwrap();
    let mut same = idb.clone();
    same["name"] = json!("inter-american development bank");
    b.post(&b.admin, "/api/v1/partners", same)
        .await
        .assert_problem(409, "name-taken");
    let res = b
        .post(
            &b.admin,
            "/api/v1/partners",
            json!({"name": "", "kind": "bank", "website": "ftp://x"}),
        )
        .await;
    res.assert_problem(422, "validation");
    let listed = b.get(None, "/api/v1/partners").await.json();
    assert_eq!(listed["data"][0]["acronym"], "IDB");
    assert_eq!(
        b.get(None, &format!("/api/v1/partners/{partner}"))
            .await
            .json()["kind"],
        "development_bank"
    );
    b.get(None, "/api/v1/partners/999999")
        .await
        .assert_problem(404, "not-found");

    // Offers: a country's own, or the secretariat's for a partner.
    let offer = json!({"thematic_area": "public-budget", "kinds": ["technical_assistance", "study_visit"],
        "title": "Performance budgeting", "description": "DIPRES shares its evaluation practice.",
        "languages": ["es"], "capacity_per_year": 3, "valid_until": "2099-12-31"});
    b.post(&b.reviewer, "/api/v1/offers", offer.clone())
        .await
        .assert_problem(403, "forbidden");
    let mut for_peru = offer.clone();
    for_peru["country"] = json!("PER");
    b.post(&b.chile, "/api/v1/offers", for_peru)
        .await
        .assert_problem(403, "forbidden");
    let mut for_partner = offer.clone();
    for_partner["partner"] = json!(partner);
    b.post(&b.chile, "/api/v1/offers", for_partner.clone())
        .await
        .assert_problem(403, "forbidden");
    let res = b
        .post(&b.chile, "/api/v1/offers", json!({"thematic_area": "public-budget", "kinds": [], "title": "x", "description": "y",
            "capacity_per_year": 0, "valid_from": "2027-01-01", "valid_until": "2026-01-01", "experiences": [5_555_555]}))
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["capacity_per_year", "experiences", "kinds", "valid_until"]
    );

    let res = b.post(&b.chile, "/api/v1/offers", offer.clone()).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let draft = res.json();
    assert_eq!(draft["country"], "CHL");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["ratings"], json!({"count": 0, "average": null}));
    let id = draft["id"].as_i64().unwrap();
    let path = format!("/api/v1/offers/{id}");
    b.get(None, &path).await.assert_problem(404, "not-found");
    b.get(Some(&b.peru), &path)
        .await
        .assert_problem(404, "not-found");
    b.action(&b.peru, &format!("{path}/open"))
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        b.action(&b.chile, &format!("{path}/open")).await.json()["status"],
        "open"
    );
    assert_eq!(b.get(None, &path).await.status, 200);
    b.app
        .patch(&path)
        .auth(&b.peru)
        .json(&json!({"capacity_per_year": 5}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = b
        .app
        .patch(&path)
        .auth(&b.chile)
        .json(&json!({"capacity_per_year": 5}))
        .send()
        .await;
    assert_eq!(res.json()["capacity_per_year"], 5);
    let res = b.post(&b.admin, "/api/v1/offers", for_partner).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["partner"], partner);
    assert!(res.json()["country"].is_null());
    let listed = b
        .get(None, &format!("/api/v1/offers?partner={partner}"))
        .await
        .json();
    assert!(
        listed["data"].as_array().unwrap().is_empty(),
        "a draft is the secretariat's"
    );
    let listed = b
        .get(None, "/api/v1/offers?kind=study_visit&country=CHL")
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let closed = b.action(&b.chile, &format!("{path}/close")).await.json();
    assert_eq!(closed["status"], "closed");
    b.action(&b.chile, &format!("{path}/close"))
        .await
        .assert_problem(409, "invalid-transition");
    b.app
        .patch(&path)
        .auth(&b.chile)
        .json(&json!({"capacity_per_year": 6}))
        .send()
        .await
        .assert_problem(409, "not-editable");
}

#[actix_web::test]
async fn cooperation_from_proposal_to_outcome() {
    let b = board().await;
    let need = b.open_need(need_body(&b.per_recs)).await;
    let offer = b
        .open_offer(&b.chile, json!({"thematic_area": "public-budget", "kinds": ["study_visit"], "title": "Budget office visit", "description": "Visit DIPRES."}))
        .await;
    let proposal = json!({"need": need, "offer": offer,
        "activities": [{"kind": "study_visit", "title": "Visit to DIPRES", "starts_on": "2027-03-01", "ends_on": "2027-03-05", "modality": "in_person", "participants": 4}]});

    // Who may propose.
    b.post(&b.argentina, "/api/v1/cooperations", proposal.clone())
        .await
        .assert_problem(403, "forbidden");
    b.post(&b.other_expert, "/api/v1/cooperations", proposal.clone())
        .await
        .assert_problem(403, "forbidden");
    b.post(
        &b.peru,
        "/api/v1/cooperations",
        json!({"need": need, "provider_country": "PER"}),
    )
    .await
    .assert_problem(422, "validation");
    let res = b
        .post(&b.peru, "/api/v1/cooperations", json!({"need": need, "offer": offer, "provider_country": "CHL",
            "activities": [{"kind": "training", "title": "", "starts_on": "2027-03-05", "ends_on": "2027-03-01", "participants": 0}]}))
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "activities[0].ends_on",
            "activities[0].participants",
            "activities[0].title",
            "offer"
        ]
    );
    b.post(
        &b.peru,
        "/api/v1/cooperations",
        json!({"need": 999_999, "provider_country": "CHL"}),
    )
    .await
    .assert_problem(404, "not-found");
    let by_expert = b
        .post(
            &b.reviewer,
            "/api/v1/cooperations",
            json!({"need": need, "provider_country": "URY"}),
        )
        .await;
    assert_eq!(
        by_expert.status,
        201,
        "{}",
        String::from_utf8_lossy(&by_expert.body)
    );
    let by_expert = by_expert.json()["id"].as_i64().unwrap();
    assert_eq!(
        b.get(
            Some(&b.reviewer),
            &format!("/api/v1/cooperations/{by_expert}")
        )
        .await
        .status,
        200
    );

    let res = b.post(&b.chile, "/api/v1/cooperations", proposal).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let c = res.json();
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "proposed");
    assert_eq!(c["requester"], "PER");
    assert_eq!(c["provider_country"], "CHL");
    assert_eq!(
        c["title"], "Performance budgeting",
        "the need's title by default"
    );
    assert_eq!(c["allowed_actions"], json!(["agree", "cancel"]));
    let path = format!("/api/v1/cooperations/{id}");
    for who in [None, Some(&b.argentina), Some(&b.other_expert)] {
        b.get(who, &path).await.assert_problem(404, "not-found");
    }
    assert_eq!(b.get(Some(&b.peru), &path).await.status, 200);
    let need_read = b.get(None, &format!("/api/v1/needs/{need}")).await.json();
    assert!(
        need_read["cooperations"].as_array().unwrap().is_empty(),
        "proposals are the parties'"
    );

    // Agreement needs both sides.
    b.action(&b.argentina, &format!("{path}/agree"))
        .await
        .assert_problem(404, "not-found");
    b.action(&b.admin, &format!("{path}/agree"))
        .await
        .assert_problem(422, "validation");
    b.post(
        &b.chile,
        &format!("{path}/agree"),
        json!({"side": "requester"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = b.action(&b.chile, &format!("{path}/agree")).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "proposed");
    assert!(res.json()["agreement"]["provider_agreed_at"].is_string());
    b.action(&b.chile, &format!("{path}/agree"))
        .await
        .assert_problem(409, "already-agreed");
    b.action(&b.peru, &format!("{path}/start"))
        .await
        .assert_problem(409, "invalid-transition");
    let res = b.action(&b.peru, &format!("{path}/agree")).await;
    assert_eq!(res.json()["status"], "agreed");
    assert_eq!(b.app.audit_rows("cooperation.agree").len(), 2);
    let need_read = b.get(None, &format!("/api/v1/needs/{need}")).await.json();
    assert_eq!(need_read["status"], "in_cooperation");
    assert_eq!(need_read["cooperations"], json!([id]));
    assert_eq!(b.get(None, &path).await.status, 200, "public once agreed");
    b.post(
        &b.peru,
        &format!("/api/v1/needs/{need}/withdraw"),
        json!({"note": "x"}),
    )
    .await
    .assert_problem(409, "invalid-transition");

    // Under way, then completed with an outcome.
    b.action(&b.argentina, &format!("{path}/start"))
        .await
        .assert_problem(403, "forbidden");
    let etag = b
        .get(Some(&b.peru), &path)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = b
        .app
        .post(&format!("{path}/start"))
        .auth(&b.peru)
        .header("if-match", &etag)
        .send()
        .await;
    assert_eq!(res.json()["status"], "in_progress");
    let res = b
        .app
        .patch(&path)
        .auth(&b.chile)
        .json(&json!({"activities": []}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["activities"], json!([]));
    let outcome = json!({"summary": "The budget office adopted an evaluation calendar.", "results": "12 programs evaluated.",
        "rating": 5, "rating_comment": "Very useful."});
    b.post(&b.chile, &format!("{path}/complete"), outcome.clone())
        .await
        .assert_problem(422, "validation");
    b.action(&b.peru, &format!("{path}/complete"))
        .await
        .assert_problem(400, "malformed-json");
    let res = b.post(&b.peru, &format!("{path}/complete"), outcome).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let done = res.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["outcome"]["summary"],
        "The budget office adopted an evaluation calendar."
    );
    assert_eq!(done["rating"]["score"], 5);
    assert_eq!(
        b.get(Some(&b.admin), &format!("/api/v1/needs/{need}"))
            .await
            .json()["status"],
        "met"
    );
    assert!(
        b.get(None, &path).await.json()["rating"].is_null(),
        "ratings are public only in aggregate"
    );
    assert_eq!(
        b.get(Some(&b.chile), &path).await.json()["rating"]["score"],
        5
    );
    let o = b.get(None, &format!("/api/v1/offers/{offer}")).await.json();
    assert_eq!(o["ratings"], json!({"count": 1, "average": 5.0}));
    // The change feed tells the story, the need's moves included, and never the rating.
    let ids = (id.to_string(), need.to_string());
    let story = b
        .get(
            None,
            "/api/v1/events?types=cooperation.*,need.*&country=PER",
        )
        .await
        .json();
    let told: Vec<(String, String)> = story["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == ids.0.as_str() || e["entity_id"] == ids.1.as_str())
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for t in [
        "cooperation.agreed",
        "need.in_cooperation",
        "cooperation.started",
        "cooperation.completed",
        "need.met",
    ] {
        assert!(
            told.iter().any(|(x, _)| x == t),
            "{t} missing from {told:?}"
        );
    }
    assert!(!story.to_string().contains("\"rating\""));
    b.post(
        &b.peru,
        &format!("{path}/cancel"),
        json!({"reason": "late"}),
    )
    .await
    .assert_problem(409, "invalid-transition");

    // The outcome is evidence in the follow-up of the recommendations the need served.
    let rec = b
        .get(
            Some(&b.peru),
            &format!("/api/v1/recommendations/{}", b.per_recs[0]),
        )
        .await
        .json();
    let history = rec["history"].as_array().unwrap();
    let last = history.last().unwrap();
    assert!(last["progress_note"]
        .as_str()
        .unwrap()
        .contains(&format!("Cooperation {id} completed")));
    assert!(last["evidence_urls"]
        .as_array()
        .unwrap()
        .contains(&json!(path)));
    assert_eq!(
        rec["status"], "pending",
        "the country reports the status itself"
    );

    // Cancelling releases a need; withdrawing a need cancels its proposals.
    let second = b.open_need(need_body(&[])).await;
    let res = b
        .post(
            &b.admin,
            "/api/v1/cooperations",
            json!({"need": second, "provider_country": "CHL"}),
        )
        .await;
    let agreed = res.json()["id"].as_i64().unwrap();
    for side in ["requester", "provider"] {
        let res = b
            .post(
                &b.admin,
                &format!("/api/v1/cooperations/{agreed}/agree"),
                json!({"side": side}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
    b.post(
        &b.chile,
        &format!("/api/v1/cooperations/{agreed}/cancel"),
        json!({"reason": ""}),
    )
    .await
    .assert_problem(422, "validation");
    let res = b
        .post(
            &b.chile,
            &format!("/api/v1/cooperations/{agreed}/cancel"),
            json!({"reason": "No funds this year."}),
        )
        .await;
    assert_eq!(res.json()["status"], "cancelled");
    assert_eq!(
        b.get(None, &format!("/api/v1/needs/{second}")).await.json()["status"],
        "open"
    );
    let proposed = b
        .post(
            &b.peru,
            "/api/v1/cooperations",
            json!({"need": second, "provider_country": "BRA"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let res = b
        .action(&b.peru, &format!("/api/v1/needs/{second}/withdraw"))
        .await;
    assert_eq!(res.json()["status"], "withdrawn");
    let gone = b
        .get(Some(&b.peru), &format!("/api/v1/cooperations/{proposed}"))
        .await
        .json();
    assert_eq!(gone["status"], "cancelled");
    assert_eq!(gone["cancel_reason"], "the need was withdrawn");
    b.post(
        &b.peru,
        "/api/v1/cooperations",
        json!({"need": second, "provider_country": "BRA"}),
    )
    .await
    .assert_problem(409, "need-not-open");

    // The list: public ones to everyone, the parties' own to them.
    let public: Vec<i64> = b.get(None, "/api/v1/cooperations").await.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(public, [agreed, id]);
    let theirs = b
        .get(Some(&b.peru), "/api/v1/cooperations?status=cancelled")
        .await
        .json();
    assert_eq!(theirs["data"].as_array().unwrap().len(), 2);
    let mine = b
        .get(
            Some(&b.reviewer),
            &format!("/api/v1/cooperations?need={need}"),
        )
        .await
        .json();
    let ids: Vec<i64> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id, by_expert]);

    // The map counts what is public.
    let map = b.get(None, "/api/v1/cooperation/map").await.json();
    assert_eq!(map["totals"]["completed"], 1);
    assert_eq!(
        map["totals"]["ratings"],
        json!({"count": 1, "average": 5.0})
    );
    let cell = map["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["thematic_area"] == "public-budget" && c["subregion"] == "andean")
        .unwrap()
        .clone();
    assert_eq!(cell["completed"], 1);
}

#[actix_web::test]
async fn suggestions_rank_and_never_suggest_the_same_country() {
    let b = board().await;
    let app = &b.app;
    // Published experiences: one of PER itself, one of CHL in the area, one of ARG elsewhere
    // whose text is close.
    let mut experiences = Vec::new();
    for (country, area, title, intro) in [
        (
            "PER",
            "public-budget",
            "Presupuesto por resultados en el Perú",
            "Evaluación de programas presupuestales.",
        ),
        (
            "CHL",
            "public-budget",
            "Evaluación de programas",
            "Vincula la evaluación con el presupuesto.",
        ),
        (
            "ARG",
            "civil-service",
            "Indicadores de desempeño",
            "Performance indicators and program evaluation of agencies.",
        ),
    ] {
        let res = app
            .post("/api/v1/experiences")
            .auth(&b.admin)
            .json(&json!({"country": country, "thematic_area": area, "language": "es", "snapshot_date": "2025-06-30",
                "title": {"es": title}, "introduction": intro, "strategies": "Convenios de desempeño.",
                "institutions": [{"name": "Ministerio"}], "legal_framework": [{"title": "Ley", "kind": "law"}]}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        for action in ["submit", "publish"] {
            let res = app
                .post(&format!("/api/v1/experiences/{id}/{action}"))
                .auth(&b.admin)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
        experiences.push(id);
    }
    let partner = b
        .post(
            &b.admin,
            "/api/v1/partners",
            json!({"name": "Budget School", "kind": "university"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let offer = |title: &str, area: &str, langs: Value| {
        json!({"thematic_area": area, "kinds": ["training"], "title": title,
            "description": "Courses on budget evaluation.", "languages": langs})
    };
    let peru_offer = b
        .open_offer(
            &b.peru,
            offer("Peruvian budget evaluation", "public-budget", json!(["es"])),
        )
        .await;
    let chile_offer = b
        .open_offer(
            &b.chile,
            offer(
                "Performance budgeting and program evaluation",
                "public-budget",
                json!(["es", "en"]),
            ),
        )
        .await;
    let brazil = app.member("BRA");
    let brazil_offer = b
        .open_offer(
            &brazil,
            offer(
                "Performance indicators for program evaluation",
                "civil-service",
                json!(["pt"]),
            ),
        )
        .await;
    let mut partner_body = offer("Budget courses", "public-budget", json!(["en"]));
    partner_body["partner"] = json!(partner);
    let partner_offer = b.open_offer(&b.admin, partner_body).await;
    let uruguay = app.member("URY");
    let mut expired = offer(
        "Performance budgeting evaluation",
        "public-budget",
        json!(["es"]),
    );
    expired["valid_from"] = json!("2020-01-01");
    expired["valid_until"] = json!("2021-12-31");
    let expired_offer = b.open_offer(&uruguay, expired).await;
    let unrelated = b
        .open_offer(&uruguay, json!({"thematic_area": "ict", "kinds": ["training"], "title": "Digital identity", "description": "Interoperability platforms."}))
        .await;

    let need = b.open_need(need_body(&b.per_recs)).await;
    let res = b
        .get(None, &format!("/api/v1/needs/{need}/suggestions?limit=50"))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let data = res.json()["data"].as_array().unwrap().clone();
    let key = |s: &Value| {
        (
            s["kind"].as_str().unwrap().to_owned(),
            s["id"].as_i64().unwrap(),
        )
    };
    let keys: Vec<(String, i64)> = data.iter().map(key).collect();
    assert!(
        data.iter().all(|s| s["country"] != "PER"),
        "never the needing country: {keys:?}"
    );
    assert!(!keys.contains(&("offer".into(), peru_offer)));
    assert!(!keys.contains(&("experience".into(), experiences[0])));
    assert!(
        !keys.contains(&("offer".into(), expired_offer)),
        "past its validity"
    );
    assert!(
        !keys.contains(&("offer".into(), unrelated)),
        "nothing in common"
    );
    for wanted in [
        ("offer", chile_offer),
        ("offer", partner_offer),
        ("offer", brazil_offer),
        ("experience", experiences[1]),
        ("experience", experiences[2]),
    ] {
        assert!(
            keys.contains(&(wanted.0.to_owned(), wanted.1)),
            "{wanted:?} in {keys:?}"
        );
    }
    let scores: Vec<f64> = data.iter().map(|s| s["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let first_other_area = data
        .iter()
        .position(|s| s["reasons"]["same_area"] == false)
        .unwrap();
    assert!(data[..first_other_area]
        .iter()
        .all(|s| s["thematic_area"] == "public-budget"));
    assert!(
        data[first_other_area..]
            .iter()
            .all(|s| s["reasons"]["same_area"] == false),
        "the same area first"
    );
    assert_eq!(
        key(&data[0]),
        ("offer".to_owned(), chile_offer),
        "area, words, languages: {keys:?}"
    );
    assert_eq!(data[0]["reasons"]["common_languages"], json!(["es", "en"]));
    let words = data[0]["reasons"]["matched_words"].as_array().unwrap();
    assert!(
        words.contains(&json!("evaluation")) && words.contains(&json!("budgeting")),
        "{words:?}"
    );
    let brazil_at = keys
        .iter()
        .position(|k| *k == ("offer".to_owned(), brazil_offer))
        .unwrap();
    assert!(data[brazil_at]["reasons"]["matched_words"]
        .as_array()
        .unwrap()
        .contains(&json!("performance")));
    assert_eq!(data[0]["href"], format!("/api/v1/offers/{chile_offer}"));

    let limited = b
        .get(None, &format!("/api/v1/needs/{need}/suggestions?limit=2"))
        .await
        .json();
    assert_eq!(limited["data"].as_array().unwrap().len(), 2);
    b.get(None, &format!("/api/v1/needs/{need}/suggestions?limit=0"))
        .await
        .assert_problem(400, "invalid-query");
    b.get(None, "/api/v1/needs/999999/suggestions")
        .await
        .assert_problem(404, "not-found");

    // The reverse: needs an offer could serve, never its own country's.
    let res = b
        .get(None, &format!("/api/v1/offers/{chile_offer}/suggestions"))
        .await;
    let data = res.json()["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["kind"], "need");
    assert_eq!(data[0]["id"], need);
    assert!(data[0]["reasons"]["modality_suits"].as_bool().unwrap());
    let own = b
        .get(None, &format!("/api/v1/offers/{peru_offer}/suggestions"))
        .await
        .json();
    assert!(
        own["data"].as_array().unwrap().is_empty(),
        "a country's own needs are not suggested to it"
    );
}

#[actix_web::test]
async fn demo_shows_the_cooperation_cycle() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let again = app
        .with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    assert!(again.is_empty(), "loaded once: {again:?}");
    let needs = app
        .get("/api/v1/needs?thematic_area=public-budget")
        .send()
        .await
        .json();
    let needs = needs["data"].as_array().unwrap().clone();
    assert_eq!(needs.len(), 4);
    assert!(needs
        .iter()
        .all(|n| n["recommendations"].as_array().unwrap().len() == 1));
    let statuses: Vec<&str> = needs
        .iter()
        .map(|n| n["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"in_cooperation")
            && statuses.contains(&"met")
            && statuses.contains(&"open")
    );
    let coops = app.get("/api/v1/cooperations").send().await.json();
    let coops = coops["data"].as_array().unwrap().clone();
    let completed = coops.iter().find(|c| c["status"] == "completed").unwrap();
    assert_eq!(
        completed["rating"]["score"], 4,
        "the receiving country made it public"
    );
    assert!(coops.iter().any(|c| c["status"] == "in_progress"));
    let met = needs.iter().find(|n| n["status"] == "met").unwrap();
    let rec = app
        .get(&format!(
            "/api/v1/recommendations/{}",
            met["recommendations"][0]
        ))
        .send()
        .await
        .json();
    let last = rec["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["evidence_urls"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("/api/v1/cooperations/{}", completed["id"]))));
    let open = needs.iter().find(|n| n["status"] == "open").unwrap();
    let suggestions = app
        .get(&format!("/api/v1/needs/{}/suggestions", open["id"]))
        .send()
        .await
        .json();
    let data = suggestions["data"].as_array().unwrap();
    assert!(
        data.iter().any(|s| s["kind"] == "offer") && data.iter().any(|s| s["kind"] == "experience")
    );
    assert!(data.iter().all(|s| s["country"] != open["country"]));
    let map = app.get("/api/v1/cooperation/map").send().await.json();
    assert_eq!(map["totals"]["in_progress"], 1);
    assert_eq!(map["totals"]["completed"], 1);
    assert_eq!(
        app.get("/api/v1/partners").send().await.json()["data"][0]["acronym"],
        "DEPM"
    );
}

#[actix_web::test]
async fn every_write_refuses_who_it_must() {
    let b = board().await;
    let need = b.open_need(need_body(&[])).await;
    let offer = b
        .open_offer(&b.chile, json!({"thematic_area": "public-budget", "kinds": ["training"], "title": "Budget", "description": "Budget training."}))
        .await;
    let res = b
        .post(
            &b.peru,
            "/api/v1/cooperations",
            json!({"need": need, "offer": offer}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let coop = res.json()["id"].as_i64().unwrap();
    let brazil = b.app.member("BRA");
    // (method, path, body): every write of the cycle.
    let writes: Vec<(&str, String, Value)> = vec![
        ("POST", "/api/v1/needs".into(), need_body(&[])),
        (
            "PATCH",
            format!("/api/v1/needs/{need}"),
            json!({"priority": "low"}),
        ),
        ("POST", format!("/api/v1/needs/{need}/withdraw"), json!({})),
        (
            "POST",
            format!("/api/v1/needs/{need}/close"),
            json!({"note": "done"}),
        ),
        (
            "POST",
            "/api/v1/offers".into(),
            json!({"thematic_area": "public-budget", "kinds": ["training"], "title": "t", "description": "d"}),
        ),
        (
            "PATCH",
            format!("/api/v1/offers/{offer}"),
            json!({"capacity_per_year": 2}),
        ),
        ("POST", format!("/api/v1/offers/{offer}/close"), json!({})),
        (
            "POST",
            "/api/v1/partners".into(),
            json!({"name": "Some University", "kind": "university"}),
        ),
        (
            "POST",
            "/api/v1/cooperations".into(),
            json!({"need": need, "provider_country": "URY"}),
        ),
        (
            "PATCH",
            format!("/api/v1/cooperations/{coop}"),
            json!({"activities": []}),
        ),
        (
            "POST",
            format!("/api/v1/cooperations/{coop}/agree"),
            json!({}),
        ),
        (
            "POST",
            format!("/api/v1/cooperations/{coop}/cancel"),
            json!({"reason": "no"}),
        ),
    ];
    let send = |who: Option<&TestUser>, method: &str, path: &str, body: &Value| {
        let req = b.app.request(method.parse().unwrap(), path).json(body);
        let req = match who {
            Some(u) => req.auth(u),
            None => req,
        };
        async move { req.send().await }
    };
    for (method, path, body) in &writes {
        send(None, method, path, body)
            .await
            .assert_problem(401, "authentication-required");
        // An expert whose country reviewed nothing the need serves, and a focal point of a
        // country that is no party: 403 where they may see the resource, 404 where not.
        for who in [&b.other_expert, &brazil] {
            let res = send(Some(who), method, path, body).await;
            let status = res.status.as_u16();
            let own = matches!(path.as_str(), "/api/v1/offers" | "/api/v1/needs")
                && who.email.starts_with("member");
            if own {
                assert_eq!(
                    status, 201,
                    "a focal point declares its own needs and offers"
                );
                continue;
            }
            assert!(
                status == 403 || status == 404,
                "{method} {path} by {}: {status} {}",
                who.email,
                String::from_utf8_lossy(&res.body)
            );
            if path.contains("/cooperations/") {
                assert_eq!(status, 404, "a proposal is the parties'");
            }
            if path.starts_with("/api/v1/needs/") || path.starts_with("/api/v1/offers/") {
                assert_eq!(
                    status, 403,
                    "a public need or offer is visible: {method} {path}"
                );
            }
        }
    }
    // Nothing changed.
    assert_eq!(
        b.get(None, &format!("/api/v1/needs/{need}")).await.json()["priority"],
        "high"
    );
    assert_eq!(
        b.get(Some(&b.peru), &format!("/api/v1/cooperations/{coop}"))
            .await
            .json()["status"],
        "proposed"
    );

    // Transitions each lifecycle refuses, with what it allows.
    let p = b
        .action(&b.chile, &format!("/api/v1/offers/{offer}/open"))
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!(["close"]));
    b.post(
        &b.chile,
        &format!("/api/v1/cooperations/{coop}/complete"),
        json!({"summary": "x"}),
    )
    .await
    .assert_problem(409, "invalid-transition");

    // A retried create is answered once.
    let key = format!("need-{need}-retry");
    let first = b
        .app
        .post("/api/v1/needs")
        .auth(&b.peru)
        .header("idempotency-key", &key)
        .json(&need_body(&[]))
        .send()
        .await;
    let again = b
        .app
        .post("/api/v1/needs")
        .auth(&b.peru)
        .header("idempotency-key", &key)
        .json(&need_body(&[]))
        .send()
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(first.json()["id"], again.json()["id"]);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
}
