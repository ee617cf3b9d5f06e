use serde_json::Value;

use crate::util::TestApp;

const SLUGS: [&str; 12] = [
    "long-term-vision",
    "national-planning",
    "public-budget",
    "civil-service",
    "coordination",
    "policy-evaluation",
    "regulatory-frameworks",
    "transparency-accountability",
    "ict",
    "decentralization",
    "public-services-quality",
    "citizen-participation",
];

fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn lists_the_twelve_areas_in_the_guides_order() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/thematic-areas").send().await;
    assert_eq!(res.status, 200);
    let page = res.json();
    assert_eq!(slugs(&page), SLUGS);
    assert_eq!(page["next_cursor"], Value::Null);
    for (i, a) in page["data"].as_array().unwrap().iter().enumerate() {
        assert_eq!(a["position"], i as i64 + 1);
        assert_eq!(a["id"], a["slug"]);
        assert!(
            a["description"].as_str().unwrap().len() > 200,
            "a real paragraph"
        );
    }
}

#[actix_web::test]
async fn every_area_has_name_and_description_in_four_languages() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/thematic-areas?lang=all").send().await;
    assert_eq!(res.header("content-language"), Some("en, es, fr, pt"));
    for a in res.json()["data"].as_array().unwrap() {
        for lang in ["en", "es", "fr", "pt"] {
            assert!(
                a["name"][lang].as_str().is_some_and(|s| !s.is_empty()),
                "{a}"
            );
            assert!(a["description"][lang]
                .as_str()
                .is_some_and(|s| s.len() > 200));
        }
        assert_ne!(a["description"]["en"], a["description"]["es"]);
    }
}

#[actix_web::test]
async fn pages_through_areas_with_a_small_limit() {
    let app = TestApp::new().await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/thematic-areas?limit=5".to_owned();
    let mut pages = 0;
    loop {
        let res = app.get(&url).send().await;
        assert_eq!(res.status, 200);
        let page = res.json();
        seen.extend(slugs(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/thematic-areas?limit=5&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, SLUGS);
}

#[actix_web::test]
async fn gets_one_area_by_slug_in_the_asked_language() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/v1/thematic-areas/public-budget")
        .header("accept-language", "es")
        .send()
        .await;
    assert_eq!(res.status, 200);
    let a = res.json();
    assert_eq!(a["name"], "Presupuesto público");
    assert_eq!(a["position"], 3);
    assert_eq!(res.header("content-language"), Some("es"));

    let res = app
        .get("/api/v1/thematic-areas/PUBLIC-BUDGET?lang=fr")
        .send()
        .await;
    assert_eq!(res.json()["name"], "Budget public");

    let res = app.get("/api/v1/thematic-areas/budget").send().await;
    res.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn single_area_etag_and_304() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/thematic-areas/ict").send().await;
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .get("/api/v1/thematic-areas/ict")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 304);
    let res = app
        .get("/api/v1/thematic-areas/ict")
        .header("if-none-match", "*")
        .send()
        .await;
    assert_eq!(res.status, 304);
}

#[actix_web::test]
async fn the_secretariat_adds_and_edits_areas() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let body = serde_json::json!({
        "slug": "open-government",
        "name": {"en": "Open Government", "es": "Gobierno abierto"},
        "description": "Practices that open public management to citizens."
    });
    let res = app
        .post("/api/v1/thematic-areas")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.header("location"),
        Some("/api/v1/thematic-areas/open-government")
    );
    assert_eq!(res.json()["position"], 13);
    app.post("/api/v1/thematic-areas")
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .assert_problem(409, "slug-taken");
    let res = app
        .post("/api/v1/thematic-areas")
        .auth(&admin)
        .json(&serde_json::json!({"slug": "Bad Slug", "position": 0}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut f = res.error_fields();
    f.sort();
    assert_eq!(f, ["name", "position", "slug"]);

    let res = app
        .patch("/api/v1/thematic-areas/open-government?lang=es")
        .auth(&admin)
        .json(&serde_json::json!({"description": "Prácticas que abren la gestión pública a la ciudadanía."}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let all = app
        .get("/api/v1/thematic-areas/open-government?lang=all")
        .send()
        .await
        .json();
    assert_eq!(all["name"]["es"], "Gobierno abierto");
    assert_eq!(
        all["description"]["es"],
        "Prácticas que abren la gestión pública a la ciudadanía."
    );
    assert_eq!(
        all["description"]["en"],
        "Practices that open public management to citizens."
    );
    let res = app
        .patch("/api/v1/thematic-areas/ict")
        .auth(&admin)
        .json(&serde_json::json!({"slug": "digital"}))
        .send()
        .await;
    assert_eq!(res.error_fields(), ["slug"]);
    assert_eq!(
        app.get("/api/v1/thematic-areas").send().await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    for who in [app.member("ARG"), app.expert("ARG")] {
        app.post("/api/v1/thematic-areas")
            .auth(&who)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.patch("/api/v1/thematic-areas/ict")
            .auth(&who)
            .json(&serde_json::json!({}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.audit_rows("thematic_area.create").len(), 1);
    assert_eq!(app.audit_rows("thematic_area.update").len(), 1);
}
