use std::time::Duration;

use mecigep::state::AppSettings;
use serde_json::{json, Value};

use crate::util::{TestApp, TestUser};

/// A complete experience body, in Spanish with an English title.
fn body(country: &str, area: &str, title_es: &str) -> Value {
    json!({
        "country": country,
        "thematic_area": area,
        "language": "es",
        "snapshot_date": "2025-06-30",
        "title": {"es": title_es, "en": format!("{title_es} (en)")},
        "introduction": "La gestión pública orientada a resultados vincula el presupuesto con metas.",
        "institutions": [
            {"name": "Dirección de Presupuestos", "acronym": "DIPRES", "role": "Formula el presupuesto", "website": "https://www.dipres.gob.cl"}
        ],
        "strategies": "Evaluaciones de programas y convenios de desempeño.",
        "legal_framework": [
            {"title": "Ley Orgánica de Administración Financiera del Estado", "kind": "decree", "number": "1263", "year": 1975, "url": "https://www.bcn.cl/leychile"}
        ],
        "tags": ["results-based-budgeting"]
    })
}

impl TestApp {
    async fn create_experience(&self, user: &TestUser, body: &Value) -> Value {
        let res = self
            .post("/api/v1/experiences")
            .auth(user)
            .json(body)
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()
    }

    async fn act(&self, user: &TestUser, id: i64, action: &str) -> crate::util::Resp {
        let req = self
            .post(&format!("/api/v1/experiences/{id}/{action}"))
            .auth(user);
        if action == "return" {
            req.json(&json!({"reason": "Cite the law's number."}))
                .send()
                .await
        } else {
            req.send().await
        }
    }

    /// Creates, submits and publishes; returns the id.
    async fn published_experience(&self, admin: &TestUser, body: &Value) -> i64 {
        let id = self.create_experience(admin, body).await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(self.act(admin, id, "submit").await.status, 200);
        assert_eq!(self.act(admin, id, "publish").await.status, 200);
        id
    }
}

#[actix_web::test]
async fn workflow_working_copy_and_versions() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let chile = app.member("CHL");
    let peru = app.member("PER");
    let expert = app.expert("CHL");

    let res = app
        .post("/api/v1/experiences")
        .auth(&chile)
        .json(&{
            let mut b = body("CHL", "public-budget", "Presupuesto por resultados");
            b.as_object_mut().unwrap().remove("country");
            b
        })
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let e = res.json();
    let id = e["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/experiences/{id}")
    );
    assert_eq!(
        e["country"], "CHL",
        "a focal point writes for its own country"
    );
    assert_eq!(e["status"], "draft");
    assert_eq!(e["view"], "working");
    assert_eq!(e["version"], 0);
    assert_eq!(e["allowed_actions"], json!(["submit"]));
    let path = format!("/api/v1/experiences/{id}");

    // A draft is its editors' only.
    assert_eq!(app.get(&path).send().await.status, 404);
    assert_eq!(app.get(&path).auth(&peru).send().await.status, 404);
    assert_eq!(app.get(&path).auth(&expert).send().await.status, 404);
    assert_eq!(app.get(&path).auth(&admin).send().await.status, 200);

    // Illegal transitions list the legal ones.
    let p = app
        .act(&admin, id, "publish")
        .await
        .assert_problem(409, "invalid-transition");
    assert_eq!(p["allowed"], json!(["submit"]));
    assert_eq!(p["current_status"], "draft");
    app.act(&admin, id, "archive")
        .await
        .assert_problem(409, "invalid-transition");
    app.act(&admin, id, "return")
        .await
        .assert_problem(409, "invalid-transition");

    let res = app.act(&chile, id, "submit").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "in_review");
    assert_eq!(res.json()["allowed_actions"], json!(["return", "publish"]));
    app.act(&chile, id, "submit")
        .await
        .assert_problem(409, "invalid-transition");
    app.act(&chile, id, "publish")
        .await
        .assert_problem(403, "forbidden");
    // In review, the document waits for the secretariat.
    app.patch(&path)
        .auth(&chile)
        .json(&json!({"tags": ["x"]}))
        .send()
        .await
        .assert_problem(409, "not-editable");

    // Sent back with a reason; a reason is required.
    app.post(&format!("{path}/return"))
        .auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .assert_problem(422, "validation");
    let res = app.act(&admin, id, "return").await;
    assert_eq!(res.json()["status"], "draft");
    assert_eq!(res.json()["return_reason"], "Cite the law's number.");
    app.act(&chile, id, "submit").await;
    let res = app.act(&admin, id, "publish").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "published");
    assert_eq!(res.json()["version"], 1);
    assert!(res.json()["return_reason"].is_null());

    // Everyone reads the published version.
    for who in [None, Some(&peru), Some(&expert)] {
        let mut req = app.get(&path);
        if let Some(u) = who {
            req = req.auth(u);
        }
        let res = req.send().await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["view"], "published");
        assert_eq!(res.json()["version"], 1);
        assert!(res.json().get("revision").is_none());
    }

    // Editing the published experience edits a working copy; the public keeps version 1.
    let etag = app
        .get(&path)
        .auth(&chile)
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let mut changed = body("CHL", "public-budget", "Presupuesto por resultados 2.0");
    changed["snapshot_date"] = json!("2026-01-15");
    let res = app
        .request(actix_web::http::Method::PUT, &path)
        .auth(&chile)
        .header("if-match", &etag)
        .json(&changed)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "draft");
    assert_eq!(res.json()["has_unpublished_changes"], true);
    assert_eq!(res.json()["version"], 1);
    let public = app.get(&format!("{path}?lang=es")).send().await.json();
    assert_eq!(public["title"], "Presupuesto por resultados");
    assert_eq!(public["snapshot_date"], "2025-06-30");
    assert_eq!(public["status"], "published");
    let working = app
        .get(&format!("{path}?lang=es"))
        .auth(&chile)
        .send()
        .await
        .json();
    assert_eq!(working["title"], "Presupuesto por resultados 2.0");
    let theirs = app
        .get(&format!("{path}?view=published&lang=es"))
        .auth(&chile)
        .send()
        .await
        .json();
    assert_eq!(theirs["title"], "Presupuesto por resultados");
    // Others may not see the working copy.
    app.get(&format!("{path}?view=working"))
        .auth(&peru)
        .send()
        .await
        .assert_problem(403, "forbidden");

    app.act(&chile, id, "submit").await;
    let res = app.act(&admin, id, "publish").await;
    assert_eq!(res.json()["version"], 2);
    let public = app.get(&format!("{path}?lang=es")).send().await.json();
    assert_eq!(public["title"], "Presupuesto por resultados 2.0");
    assert_eq!(public["version"], 2);

    let versions = app
        .get(&format!("{path}/versions?lang=es"))
        .send()
        .await
        .json();
    let list = versions["data"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["version"], 1);
    assert_eq!(list[0]["title"], "Presupuesto por resultados");
    assert_eq!(list[1]["snapshot_date"], "2026-01-15");
    let v1 = app
        .get(&format!("{path}/versions/1?lang=es"))
        .send()
        .await
        .json();
    assert_eq!(v1["title"], "Presupuesto por resultados");
    assert_eq!(v1["version"], 1);
    app.get(&format!("{path}/versions/3"))
        .send()
        .await
        .assert_problem(404, "not-found");

    // Published experiences are archived, not deleted; archived is final.
    app.delete(&path)
        .auth(&admin)
        .send()
        .await
        .assert_problem(409, "not-deletable");
    app.act(&chile, id, "archive")
        .await
        .assert_problem(403, "forbidden");
    let res = app.act(&admin, id, "archive").await;
    assert_eq!(res.json()["status"], "archived");
    assert_eq!(res.json()["allowed_actions"], json!([]));
    app.patch(&path)
        .auth(&admin)
        .json(&json!({"tags": ["x"]}))
        .send()
        .await
        .assert_problem(409, "not-editable");
    assert_eq!(app.get(&path).send().await.json()["status"], "archived");
    let listed = app.get("/api/v1/experiences").send().await.json();
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        0,
        "archived leave the Guide"
    );
    let listed = app
        .get("/api/v1/experiences?status=archived")
        .send()
        .await
        .json();
    assert_eq!(listed["data"][0]["id"], id);

    // A never-published draft may be deleted by its editors.
    let other = app
        .create_experience(&chile, &body("CHL", "ict", "Gobierno digital"))
        .await;
    let other_path = format!("/api/v1/experiences/{}", other["id"]);
    assert_eq!(app.delete(&other_path).auth(&peru).send().await.status, 404);
    assert_eq!(
        app.delete(&other_path).auth(&chile).send().await.status,
        204
    );
    assert_eq!(app.get(&other_path).auth(&admin).send().await.status, 404);

    // Every change is audited.
    for (action, n) in [
        ("experience.create", 2),
        ("experience.submit", 3),
        ("experience.return", 1),
        ("experience.publish", 2),
        ("experience.replace", 1),
        ("experience.archive", 1),
        ("experience.delete", 1),
    ] {
        assert_eq!(app.audit_rows(action).len(), n, "{action}");
    }
    let publish = app.audit_rows("experience.publish");
    assert_eq!(publish[1].0, Some(admin.id));
    assert!(publish[1].2.contains("\"version\":2"), "{}", publish[1].2);
}

#[actix_web::test]
async fn preconditions_protect_concurrent_edits() {
    let app = TestApp::new().await;
    let chile = app.member("CHL");
    let e = app
        .create_experience(&chile, &body("CHL", "public-budget", "Presupuesto"))
        .await;
    let path = format!("/api/v1/experiences/{}", e["id"]);
    let res = app.get(&path).auth(&chile).send().await;
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .get(&path)
        .auth(&chile)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 304);

    let put = |tag: Option<&str>| {
        let mut req = app
            .request(actix_web::http::Method::PUT, &path)
            .auth(&chile)
            .json(&body("CHL", "public-budget", "Presupuesto revisado"));
        if let Some(t) = tag {
            req = req.header("if-match", t);
        }
        req
    };
    put(None)
        .send()
        .await
        .assert_problem(428, "precondition-required");
    assert_eq!(put(Some(&etag)).send().await.status, 200);
    put(Some(&etag))
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    app.patch(&path)
        .auth(&chile)
        .header("if-match", &etag)
        .json(&json!({"tags": ["late"]}))
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    let res = app
        .patch(&path)
        .auth(&chile)
        .json(&json!({"tags": ["fresh"]}))
        .send()
        .await;
    assert_eq!(res.status, 200, "PATCH without If-Match applies");
    assert_eq!(res.json()["tags"], json!(["fresh"]));
    assert_eq!(res.json()["revision"], 3);
    // Country, area and language are fixed.
    let res = app
        .request(actix_web::http::Method::PUT, &path)
        .auth(&chile)
        .header("if-match", res.header("etag").unwrap())
        .json(&body("ARG", "ict", "x"))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["country", "thematic_area"]);
}

#[actix_web::test]
async fn access_for_every_role() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let chile = app.member("CHL");
    let peru = app.member("PER");
    let expert = app.expert("CHL");
    let b = body("CHL", "public-budget", "Presupuesto");

    let res = app.post("/api/v1/experiences").json(&b).send().await;
    res.assert_problem(401, "authentication-required");
    app.post("/api/v1/experiences")
        .auth(&peru)
        .json(&b)
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/experiences")
        .auth(&expert)
        .json(&b)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let mut no_country = b.clone();
    no_country.as_object_mut().unwrap().remove("country");
    let res = app
        .post("/api/v1/experiences")
        .auth(&admin)
        .json(&no_country)
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["country"]);

    let draft = app.create_experience(&admin, &b).await["id"]
        .as_i64()
        .unwrap();
    let published = app.published_experience(&admin, &b).await;
    for (id, visible) in [(draft, false), (published, true)] {
        let path = format!("/api/v1/experiences/{id}");
        let patch = json!({"tags": ["x"]});
        let status = app
            .patch(&path)
            .auth(&peru)
            .json(&patch)
            .send()
            .await
            .status;
        assert_eq!(
            status,
            if visible { 403 } else { 404 },
            "another country's focal point"
        );
        let status = app
            .patch(&path)
            .auth(&expert)
            .json(&patch)
            .send()
            .await
            .status;
        assert_eq!(status, if visible { 403 } else { 404 }, "an expert");
        let status = app.patch(&path).json(&patch).send().await.status;
        assert_eq!(status, 401, "anonymous");
        let res = app.patch(&path).auth(&chile).json(&patch).send().await;
        assert_eq!(res.status, 200, "the country's focal point edits");
    }
    // The focal point's edit of the published one is a working copy: it submits, never publishes.
    assert_eq!(app.act(&chile, published, "submit").await.status, 200);
    app.act(&chile, published, "publish")
        .await
        .assert_problem(403, "forbidden");
    app.act(&expert, published, "return")
        .await
        .assert_problem(403, "forbidden");

    // Unpublished lists are their editors'.
    app.get("/api/v1/experiences?status=draft")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.get("/api/v1/experiences?status=draft")
        .auth(&expert)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let peru_draft = app
        .create_experience(&peru, &body("PER", "ict", "Gobierno digital"))
        .await;
    let ids = |v: Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let mine = app
        .get("/api/v1/experiences?status=draft")
        .auth(&chile)
        .send()
        .await
        .json();
    assert_eq!(ids(mine), vec![draft]);
    let all = app
        .get("/api/v1/experiences?status=draft")
        .auth(&admin)
        .send()
        .await
        .json();
    let mut all = ids(all);
    all.sort();
    assert_eq!(all, vec![draft, peru_draft["id"].as_i64().unwrap()]);
    let in_review = app
        .get("/api/v1/experiences?status=in_review")
        .auth(&chile)
        .send()
        .await
        .json();
    assert_eq!(ids(in_review), vec![published]);
}

#[actix_web::test]
async fn validation_reports_every_error_at_once() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let next_year = chrono::Utc::now()
        .date_naive()
        .format("%Y")
        .to_string()
        .parse::<i64>()
        .unwrap()
        + 1;
    let mut b = body("XXX", "no-such-area", "t");
    b["language"] = json!("de");
    b["snapshot_date"] = json!("2999-01-01");
    b["title"] = json!("x".repeat(301));
    b["introduction"] = json!("");
    b["institutions"] = json!([{"name": "", "website": "ftp://nope"}]);
    b["legal_framework"] = json!([
        {"title": "Old", "kind": "law", "year": 1700},
        {"title": "Future", "kind": "treaty", "year": next_year, "url": "not a url"}
    ]);
    b["tags"] = json!(["Bad Tag"]);
    let res = app
        .post("/api/v1/experiences")
        .auth(&admin)
        .json(&b)
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    let mut expected = vec![
        "country",
        "thematic_area",
        "language",
        "snapshot_date",
        "title.en",
        "introduction",
        "institutions[0].name",
        "institutions[0].website",
        "legal_framework[0].year",
        "legal_framework[1].kind",
        "legal_framework[1].year",
        "legal_framework[1].url",
        "tags[0]",
    ];
    expected.sort();
    assert_eq!(fields, expected, "{}", res.json());

    // Limits on the number of child rows.
    let mut b = body("CHL", "ict", "Gobierno digital");
    b["institutions"] = json!(vec![json!({"name": "I"}); 101]);
    b["legal_framework"] = json!(vec![json!({"title": "L", "kind": "law"}); 201]);
    b["introduction"] = json!("y".repeat(100_001));
    let res = app
        .post("/api/v1/experiences")
        .auth(&admin)
        .json(&b)
        .send()
        .await;
    res.assert_problem(422, "validation");
    let fields = res.error_fields();
    for f in ["institutions", "legal_framework", "introduction.es"] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }

    // Unknown fields are refused, not ignored.
    let mut b = body("CHL", "ict", "Gobierno digital");
    b["summary"] = json!("?");
    let res = app
        .post("/api/v1/experiences")
        .auth(&admin)
        .json(&b)
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["summary"]);

    // Review needs every section.
    let mut b = body("CHL", "ict", "Gobierno digital");
    b["institutions"] = json!([]);
    b["legal_framework"] = json!([]);
    let id = app.create_experience(&admin, &b).await["id"]
        .as_i64()
        .unwrap();
    let res = app.act(&admin, id, "submit").await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["institutions", "legal_framework"]);
}

#[actix_web::test]
async fn languages_negotiate_and_fall_back() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let id = app
        .published_experience(&admin, &body("CHL", "public-budget", "Presupuesto"))
        .await;
    let path = format!("/api/v1/experiences/{id}");

    let res = app
        .get(&path)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await;
    assert_eq!(res.json()["title"], "Presupuesto (en)");
    assert_eq!(
        res.header("content-language"),
        Some("en, es"),
        "the introduction falls back"
    );
    let res = app.get(&format!("{path}?lang=fr")).send().await;
    assert_eq!(
        res.json()["title"],
        "Presupuesto",
        "falls back to the original language"
    );
    assert_eq!(res.header("content-language"), Some("es"));
    let res = app.get(&format!("{path}?lang=all")).send().await;
    assert_eq!(
        res.json()["title"],
        json!({"en": "Presupuesto (en)", "es": "Presupuesto"})
    );
    assert_eq!(res.json()["available_languages"], json!(["en", "es"]));

    // A translation is a PATCH with lang; it reaches the public with the next publish.
    let res = app
        .patch(&format!("{path}?lang=fr"))
        .auth(&admin)
        .json(&json!({"title": "Budget axé sur les résultats", "introduction": "La gestion publique axée sur les résultats."}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["title"], "Budget axé sur les résultats");
    assert_eq!(res.header("content-language"), Some("es, fr"));
    assert_eq!(
        app.get(&format!("{path}?lang=fr")).send().await.json()["title"],
        "Presupuesto"
    );
    app.act(&admin, id, "submit").await;
    app.act(&admin, id, "publish").await;
    let res = app.get(&format!("{path}?lang=fr")).send().await;
    assert_eq!(res.json()["title"], "Budget axé sur les résultats");
    assert_eq!(
        res.json()["strategies"],
        "Evaluaciones de programas y convenios de desempeño."
    );
    app.patch(&format!("{path}?lang=de"))
        .auth(&admin)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .assert_problem(400, "invalid-query");
    let fr = app
        .get("/api/v1/experiences?language=fr")
        .send()
        .await
        .json();
    assert_eq!(fr["data"].as_array().unwrap().len(), 1);
    let pt = app
        .get("/api/v1/experiences?language=pt")
        .send()
        .await
        .json();
    assert_eq!(pt["data"].as_array().unwrap().len(), 0);
}

fn ids(v: &Value) -> Vec<i64> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// The search rows' last migration (texts apart on SQLite, the tsvector kept in the row on
/// PostgreSQL) keeps what was published searchable on its way down and up again, and what is
/// published after it is searched by its new words only.
#[actix_web::test]
async fn search_keeps_published_words_through_the_search_rows_migration() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut a = body("CHL", "public-budget", "Presupuesto participativo");
    a["introduction"] = json!("Las juntas vecinales priorizan obras con el municipio.");
    let a = app.published_experience(&admin, &a).await;
    let b = app
        .published_experience(&admin, &body("PER", "ict", "Ventanilla única digital"))
        .await;
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/experiences?q={q}")).send().await;
            assert_eq!(res.status, 200, "{q}");
            ids(&res.json())
        }
    };
    assert_eq!(search("vecinales").await, vec![a]);

    // Down to just below the search rows' migration: the newer ones first.
    let mut reverted = Vec::new();
    while !reverted
        .last()
        .is_some_and(|v: &String| v.contains("000009"))
    {
        reverted.push(app.with_conn(|c| mecigep::db::dialect::revert_last_migration(c).unwrap()));
        assert!(reverted.len() < 30, "000009 is applied: {reverted:?}");
    }
    assert_eq!(search("ventanilla").await, vec![b], "searched below it");
    let applied = app.with_conn(|c| mecigep::db::dialect::run_pending_migrations(c).unwrap());
    reverted.reverse();
    assert_eq!(applied, reverted);
    assert_eq!(search("juntas").await, vec![a], "searched above it again");
    assert_eq!(search("unica").await, vec![b]);

    // A new version replaces the words of the one before.
    let path = format!("/api/v1/experiences/{a}");
    let res = app
        .patch(&path)
        .auth(&admin)
        .json(&json!({"introduction": "Los cabildos abiertos deciden las obras del año."}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(app.act(&admin, a, "submit").await.status, 200);
    assert_eq!(app.act(&admin, a, "publish").await.status, 200);
    assert_eq!(search("cabildos").await, vec![a]);
    assert_eq!(search("vecinales").await, Vec::<i64>::new());
}

#[actix_web::test]
async fn search_filters_sorts_and_pages() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut a = body("CHL", "public-budget", "Gestión del presupuesto público");
    a["introduction"] = json!("La gestión presupuestaria por resultados y la gestión financiera.");
    a["tags"] = json!(["budget", "results"]);
    let a = app.published_experience(&admin, &a).await;
    let mut b = body("ARG", "civil-service", "Servicio civil profesional");
    b["introduction"] =
        json!("El ingreso por concurso; la gestión de personas es un tema entre otros.");
    b["snapshot_date"] = json!("2024-03-01");
    b["tags"] = json!(["merit"]);
    let b = app.published_experience(&admin, &b).await;
    let mut c = body("MEX", "ict", "Digital government");
    c["language"] = json!("en");
    c["title"] = json!("Digital government");
    c["introduction"] = json!("Public services online, interoperability and open data.");
    c["strategies"] = json!("A national digital strategy.");
    c["snapshot_date"] = json!("2023-09-15");
    c["tags"] = json!(["digital"]);
    let c = app.published_experience(&admin, &c).await;
    // A draft is never in the public list nor its search.
    let mut d = body("CHL", "ict", "Gestión digital en borrador");
    d["tags"] = json!(["digital"]);
    app.create_experience(&admin, &d).await;

    let app = &app;
    let list = |q: &str| {
        let uri = format!("/api/v1/experiences?{q}");
        async move { app.get(&uri).send().await }
    };
    // Accents and case are ignored; titles weigh more than the rest.
    for q in ["q=gestion", "q=GESTI%C3%93N", "q=Gestion"] {
        let res = list(q).await;
        assert_eq!(res.status, 200);
        assert_eq!(ids(&res.json()), vec![a, b], "{q}");
        let r = res.json();
        assert!(
            r["data"][0]["relevance"].as_f64().unwrap()
                > r["data"][1]["relevance"].as_f64().unwrap()
        );
    }
    assert_eq!(ids(&list("q=interoperability").await.json()), vec![c]);
    assert_eq!(
        ids(&list("q=DIPRES").await.json()).len(),
        3,
        "institutions are searched"
    );
    assert_eq!(
        ids(&list("q=nothing-like-this").await.json()),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&list("q=gestion&country=ARG").await.json()), vec![b]);
    assert_eq!(
        ids(&list("q=%22%28*").await.json()).len(),
        3,
        "a search of punctuation only is ignored, never a syntax error"
    );

    // Each filter.
    assert_eq!(
        ids(&list("").await.json()),
        vec![a, b, c],
        "newest snapshot first"
    );
    assert_eq!(ids(&list("country=MEX,ARG").await.json()), vec![b, c]);
    assert_eq!(ids(&list("thematic_area=ict").await.json()), vec![c]);
    assert_eq!(
        ids(&list("subregion=southern_cone").await.json()),
        vec![a, b]
    );
    assert_eq!(ids(&list("subregion=north_america").await.json()), vec![c]);
    assert_eq!(ids(&list("tag=merit").await.json()), vec![b]);
    assert_eq!(ids(&list("tag=digital,budget").await.json()), vec![a, c]);
    assert_eq!(ids(&list("language=es").await.json()), vec![a, b]);
    assert_eq!(
        ids(&list("snapshot_from=2024-01-01").await.json()),
        vec![a, b]
    );
    assert_eq!(
        ids(&list("snapshot_to=2024-03-01").await.json()),
        vec![b, c]
    );
    assert_eq!(ids(&list("sort=country").await.json()), vec![b, a, c]);
    assert_eq!(ids(&list("sort=-updated_at").await.json()), vec![c, b, a]);
    let future = "updated_since=2999-01-01T00:00:00Z";
    assert_eq!(ids(&list(future).await.json()), Vec::<i64>::new());
    assert_eq!(
        ids(&list("updated_since=2000-01-01T00:00:00Z").await.json()).len(),
        3
    );
    assert_eq!(
        ids(&list("sort=relevance").await.json()),
        ids(&list("").await.json()),
        "without a search, relevance orders as the default"
    );
    assert!(
        ids(&list("tag=Not%20A%20Tag").await.json()).is_empty(),
        "a value that cannot be a tag matches nothing"
    );
    assert_eq!(
        ids(&list("q=%21%3F").await.json()),
        ids(&list("").await.json()),
        "a search without letters or digits is ignored"
    );
    for bad in [
        "sort=title",
        "status=lost",
        "subregion=europe",
        "language=de",
        "snapshot_from=yesterday",
        "updated_since=2024-01-01",
        "cursor=garbage",
    ] {
        list(bad).await.assert_problem(400, "invalid-query");
    }

    // Pages are stable when rows are inserted before the cursor.
    let first = list("limit=2").await;
    assert_eq!(ids(&first.json()), vec![a, b]);
    assert!(first.header("link").unwrap().contains("rel=\"next\""));
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();
    let mut e = body("URY", "coordination", "Coordinación");
    e["snapshot_date"] = json!("2025-12-01");
    let newest = app.published_experience(&admin, &e).await;
    let second = list(&format!("limit=2&cursor={cursor}")).await.json();
    assert_eq!(ids(&second), vec![c]);
    assert!(second["next_cursor"].is_null());
    assert_eq!(ids(&list("limit=10").await.json())[0], newest);
    // A cursor of one sort is refused by another.
    list(&format!("sort=country&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid-query");
    // Relevance pages walk the same order as one big page.
    let whole = ids(&list("q=gestion&limit=10").await.json());
    assert_eq!(whole.len(), 3);
    let mut walked = Vec::new();
    let mut uri = "q=gestion&limit=1".to_owned();
    loop {
        let page = list(&uri).await.json();
        walked.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("q=gestion&limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, whole);
}

#[actix_web::test]
async fn coverage_counts_published_experiences() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut x = body("CHL", "public-budget", "Presupuesto");
    app.published_experience(&admin, &x).await;
    x["snapshot_date"] = json!("2026-01-10");
    app.published_experience(&admin, &x).await;
    app.published_experience(&admin, &body("MEX", "ict", "Gobierno digital"))
        .await;
    let archived = app
        .published_experience(&admin, &body("MEX", "public-budget", "Presupuesto"))
        .await;
    app.act(&admin, archived, "archive").await;
    app.create_experience(&admin, &body("ARG", "ict", "Borrador"))
        .await;

    let res = app.get("/api/v1/guide/coverage").send().await;
    assert_eq!(res.status, 200);
    let m = res.json();
    assert_eq!(m["published_experiences"], 3);
    let areas = m["thematic_areas"].as_array().unwrap();
    assert_eq!(areas.len(), 12);
    let budget = areas
        .iter()
        .position(|a| a["slug"] == "public-budget")
        .unwrap();
    let ict = areas.iter().position(|a| a["slug"] == "ict").unwrap();
    assert_eq!(areas[budget]["published_experiences"], 2);
    assert_eq!(areas[ict]["published_experiences"], 1);
    let countries = m["countries"].as_array().unwrap();
    assert_eq!(countries.len(), 35);
    let row = |code: &str| {
        countries
            .iter()
            .find(|c| c["country"] == code)
            .unwrap()
            .clone()
    };
    let chile = row("CHL");
    assert_eq!(chile["published_experiences"], 2);
    assert_eq!(chile["cells"][budget]["published_experiences"], 2);
    assert_eq!(chile["cells"][budget]["latest_snapshot_date"], "2026-01-10");
    assert_eq!(
        row("MEX")["cells"][budget]["published_experiences"],
        0,
        "archived"
    );
    assert_eq!(row("MEX")["cells"][ict]["published_experiences"], 1);
    assert_eq!(
        row("ARG")["published_experiences"],
        0,
        "drafts are not in the Guide"
    );

    let south = app
        .get("/api/v1/guide/coverage?subregion=southern_cone&lang=es")
        .send()
        .await
        .json();
    assert!(south["countries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["subregion"] == "southern_cone"));
    assert_eq!(south["published_experiences"], 2);
    app.get("/api/v1/guide/coverage?subregion=mars")
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn demo_guide_browses() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let mut all = Vec::new();
    let mut uri = "/api/v1/experiences?limit=20&lang=es".to_owned();
    loop {
        let page = app.get(&uri).send().await.json();
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/experiences?limit=20&lang=es&cursor={c}"),
            None => break,
        }
    }
    assert!(all.len() >= 40, "{} published", all.len());
    let countries: std::collections::BTreeSet<&str> =
        all.iter().map(|e| e["country"].as_str().unwrap()).collect();
    assert!(countries.len() >= 10, "{countries:?}");
    let areas: std::collections::BTreeSet<&str> = all
        .iter()
        .map(|e| e["thematic_area"].as_str().unwrap())
        .collect();
    assert_eq!(areas.len(), 12);
    assert!(all
        .iter()
        .all(|e| e["available_languages"] == json!(["en", "es"])));
    let several: Vec<&Value> = all
        .iter()
        .filter(|e| e["version"].as_i64().unwrap() > 1)
        .collect();
    assert!(several.len() >= 5);
    let versions = app
        .get(&format!(
            "/api/v1/experiences/{}/versions",
            several[0]["id"]
        ))
        .send()
        .await
        .json();
    assert!(versions["data"].as_array().unwrap().len() >= 2);
    // Searches work on the demo in both languages.
    let hits = app
        .get("/api/v1/experiences?q=presupuesto")
        .send()
        .await
        .json();
    assert!(!hits["data"].as_array().unwrap().is_empty());
    let hits = app.get("/api/v1/experiences?q=budget").send().await.json();
    assert!(!hits["data"].as_array().unwrap().is_empty());
    let coverage = app.get("/api/v1/guide/coverage").send().await.json();
    assert_eq!(
        coverage["published_experiences"].as_u64().unwrap() as usize,
        all.len()
    );
}

/// Another server on the same database (here: writes that bypass this one) shows in the
/// public search once the generation read is older than the recheck interval; until then the
/// kept page answers with no database work. Any write through this server reads it again.
#[actix_web::test]
async fn other_instances_changes_show_within_the_recheck_interval() {
    async fn search(app: &TestApp) -> Vec<i64> {
        let res = app.get("/api/v1/experiences?q=gestion").send().await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        ids(&res.json())
    }
    /// A server with that recheck interval and one published experience, searched once (its
    /// page is kept) and then archived by a write that bypasses the server.
    async fn archived_behind_its_back(recheck: Duration) -> (TestApp, TestUser, i64) {
        let app = TestApp::with_settings(AppSettings {
            guide_cache_recheck: recheck,
            ..AppSettings::default()
        })
        .await;
        let admin = app.secretariat();
        let a = app
            .published_experience(&admin, &body("CHL", "public-budget", "Gestión de caja"))
            .await;
        assert_eq!(search(&app).await, vec![a]);
        app.with_conn(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE experiences SET status = 'archived' WHERE id = {a}"
            ))
            .execute(conn)
            .unwrap();
        });
        (app, admin, a)
    }

    let (app, admin, a) = archived_behind_its_back(Duration::from_secs(600)).await;
    assert_eq!(
        search(&app).await,
        vec![a],
        "within the interval: the kept page"
    );
    let b = app
        .published_experience(&admin, &body("ARG", "civil-service", "Gestión del empleo"))
        .await;
    assert_eq!(
        search(&app).await,
        vec![b],
        "a write here reads the generation again"
    );

    let (app, ..) = archived_behind_its_back(Duration::from_millis(150)).await;
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        search(&app).await,
        Vec::<i64>::new(),
        "after the interval: read again"
    );

    let (app, ..) = archived_behind_its_back(Duration::ZERO).await;
    assert_eq!(
        search(&app).await,
        Vec::<i64>::new(),
        "no interval: every request reads it"
    );
}

/// The public's reads of one experience are kept rendered under the Guide's generation, as
/// the search pages are: the same bytes and ETag each time, a 304 for a current copy, the
/// language asked for, and every change the public may see shown at once.
#[actix_web::test]
async fn public_reads_of_an_experience_follow_every_change() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let a = app
        .published_experience(&admin, &body("CHL", "public-budget", "Gestión de caja"))
        .await;
    let path = format!("/api/v1/experiences/{a}");
    let app = &app;
    let read = |lang: &'static str| {
        let path = path.clone();
        async move {
            let res = app.get(&path).header("Accept-Language", lang).send().await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res
        }
    };
    let first = read("es").await;
    assert_eq!(first.json()["title"], "Gestión de caja");
    assert_eq!(first.header("content-language"), Some("es"));
    let etag = first.header("etag").expect("an ETag").to_owned();
    let again = read("es").await;
    assert_eq!(again.body, first.body, "the same bytes twice");
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("content-type"), Some("application/json"));
    let en = read("en").await;
    assert_eq!(
        en.json()["title"],
        "Gestión de caja (en)",
        "the language is kept apart"
    );
    assert_eq!(
        en.header("content-language"),
        Some("en, es"),
        "the texts not translated stay in Spanish"
    );
    assert_ne!(en.header("etag"), Some(etag.as_str()));
    assert_eq!(read("es").await.json()["title"], "Gestión de caja");
    let current = app
        .get(&path)
        .header("Accept-Language", "es")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(current.status, 304);
    assert_eq!(current.header("etag"), Some(etag.as_str()));
    assert!(current.body.is_empty());

    // An edit: its editors read the working copy at once, the public the published version
    // until it is published again.
    let res = app
        .patch(&format!("{path}?lang=es"))
        .auth(&admin)
        .json(&json!({"title": "Tesorería y gestión de caja"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let working = app
        .get(&format!("{path}?lang=es"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(working.json()["title"], "Tesorería y gestión de caja");
    assert_eq!(working.json()["view"], "working");
    assert_eq!(read("es").await.body, first.body);
    assert_eq!(app.act(&admin, a, "submit").await.status, 200);
    assert_eq!(app.act(&admin, a, "publish").await.status, 200);
    let published = read("es").await;
    assert_eq!(published.json()["title"], "Tesorería y gestión de caja");
    assert_eq!(published.json()["version"], 2);
    let stale = app
        .get(&path)
        .header("Accept-Language", "es")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(stale.status, 200, "an old copy is not current");
    assert_eq!(stale.body, published.body);

    // Archived: shown as such at once.
    assert_eq!(app.act(&admin, a, "archive").await.status, 200);
    assert_eq!(read("es").await.json()["status"], "archived");
    assert_eq!(read("en").await.json()["status"], "archived");
    // Nothing unpublished is ever kept for the public.
    let d = app
        .create_experience(&admin, &body("PER", "ict", "Ventanilla en borrador"))
        .await["id"]
        .as_i64()
        .unwrap();
    let draft = format!("/api/v1/experiences/{d}");
    assert_eq!(app.get(&draft).auth(&admin).send().await.status, 200);
    app.get(&draft)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("{draft}?view=working"))
        .send()
        .await
        .assert_problem(404, "not-found");
}

/// A change made by another server on the same database (here: a write that bypasses this
/// one) shows in the public's reads of an experience once the generation read is older than
/// the recheck interval; its editors always read the database. With the cache off, at once.
#[actix_web::test]
async fn public_reads_of_an_experience_see_other_instances_within_the_interval() {
    for (entries, recheck, kept) in [
        (1024, Duration::from_secs(600), true),
        (1024, Duration::ZERO, false),
        (0, Duration::from_secs(600), false),
    ] {
        let app = TestApp::with_settings(AppSettings {
            guide_cache_entries: entries,
            guide_cache_recheck: recheck,
            ..AppSettings::default()
        })
        .await;
        let admin = app.secretariat();
        let a = app
            .published_experience(&admin, &body("CHL", "public-budget", "Gestión de caja"))
            .await;
        let path = format!("/api/v1/experiences/{a}");
        assert_eq!(app.get(&path).send().await.json()["status"], "published");
        app.with_conn(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE experiences SET status = 'archived' WHERE id = {a}"
            ))
            .execute(conn)
            .unwrap();
        });
        let public = if kept { "published" } else { "archived" };
        assert_eq!(
            app.get(&path).send().await.json()["status"],
            public,
            "entries {entries}, recheck {recheck:?}"
        );
        assert_eq!(
            app.get(&path).auth(&admin).send().await.json()["status"],
            "archived",
            "an editor reads the database"
        );
    }
}

/// Public search pages are kept per process under the Guide's generation: every change the
/// public can see made through this server shows at once.
/// Right after a change, many requests for the same search wait for one ranking and all get
/// its page, the one that shows the change.
#[actix_web::test]
async fn identical_searches_at_once_share_one_fresh_page() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let a = app
        .published_experience(&admin, &body("PER", "ict", "Ventanilla digital"))
        .await;
    let app = &app;
    let at_once = || async move {
        let all = futures_util::future::join_all(
            (0..24).map(|_| app.get("/api/v1/experiences?q=ventanilla").send()),
        )
        .await;
        for res in &all {
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            assert_eq!(res.body, all[0].body, "one page for all");
        }
        let mut found = ids(&all[0].json());
        found.sort();
        found
    };
    assert_eq!(at_once().await, vec![a]);
    let b = app
        .published_experience(&admin, &body("PRY", "ict", "Ventanilla única"))
        .await;
    let mut both = vec![a, b];
    both.sort();
    assert_eq!(at_once().await, both);
}

/// Right after a publication, different searches at once (each its own page, so each asks the
/// Guide's index) all find it: those arriving while one request brings the index up to date
/// wait for it rather than answer from the index as it was.
#[actix_web::test]
async fn different_searches_at_once_after_a_publication_all_find_it() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut published = vec![
        app.published_experience(&admin, &body("PER", "ict", "Ventanilla digital"))
            .await,
    ];
    let app = &app;
    for (country, title) in [
        ("PRY", "Ventanilla única"),
        ("URY", "Ventanilla de trámites"),
    ] {
        published.push(
            app.published_experience(&admin, &body(country, "ict", title))
                .await,
        );
        published.sort();
        let all = futures_util::future::join_all((1..=24).map(|limit| {
            app.get(&format!("/api/v1/experiences?q=ventanilla&limit={limit}"))
                .send()
        }))
        .await;
        for (res, limit) in all.iter().zip(1..) {
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            let mut found = ids(&res.json());
            found.sort();
            let mut expected = published.clone();
            if limit < expected.len() {
                assert_eq!(found.len(), limit, "limit {limit}");
                expected.retain(|id| found.contains(id));
            }
            assert_eq!(found, expected, "limit {limit}");
            assert_eq!(
                res.json()["next_cursor"].is_string(),
                limit < published.len(),
                "limit {limit}: {}",
                res.json()
            );
        }
    }
}

#[actix_web::test]
async fn public_search_pages_follow_every_change() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let a = app
        .published_experience(&admin, &body("CHL", "public-budget", "Gestión de caja"))
        .await;
    let app = &app;
    let search = |q: &str, lang: &str| {
        let uri = format!("/api/v1/experiences?{q}");
        let lang = lang.to_owned();
        async move {
            let res = app.get(&uri).header("Accept-Language", &lang).send().await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res
        }
    };
    let first = search("q=gestion", "es").await;
    assert_eq!(ids(&first.json()), vec![a]);
    let again = search("q=gestion", "es").await;
    assert_eq!(again.body, first.body, "the same page twice");
    assert_eq!(
        again.header("content-language"),
        first.header("content-language")
    );
    // The language is part of what is kept.
    let en = search("q=gestion", "en").await.json();
    assert_eq!(en["data"][0]["title"], "Gestión de caja (en)");
    assert_eq!(
        search("q=gestion", "es").await.json()["data"][0]["title"],
        "Gestión de caja"
    );

    // A new publication is found at once.
    let b = app
        .published_experience(&admin, &body("ARG", "civil-service", "Gestión del empleo"))
        .await;
    let mut both = ids(&search("q=gestion", "es").await.json());
    both.sort();
    assert_eq!(both, vec![a, b]);

    // Editing a published experience changes nothing public until it is published again.
    let path = format!("/api/v1/experiences/{a}");
    let res = app
        .patch(&format!("{path}?lang=es"))
        .auth(&admin)
        .json(&json!({"title": "Tesorería y gestión de caja"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let titles = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let public = search("q=gestion&country=CHL", "es").await.json();
    assert_eq!(titles(&public), vec!["Gestión de caja"]);
    assert_eq!(app.act(&admin, a, "submit").await.status, 200);
    assert_eq!(app.act(&admin, a, "publish").await.status, 200);
    let public = search("q=gestion&country=CHL", "es").await.json();
    assert_eq!(titles(&public), vec!["Tesorería y gestión de caja"]);
    assert_eq!(public["data"][0]["version"], 2);

    // Archived: gone from the public search at once.
    assert_eq!(app.act(&admin, b, "archive").await.status, 200);
    assert_eq!(ids(&search("q=gestion", "es").await.json()), vec![a]);

    // A country moved to another subregion moves its experiences in the subregion filter.
    assert_eq!(
        ids(&search("q=gestion&subregion=southern_cone", "es")
            .await
            .json()),
        vec![a]
    );
    let res = app
        .patch("/api/v1/countries/CHL")
        .auth(&admin)
        .json(&json!({"subregion": "andean"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        ids(&search("q=gestion&subregion=southern_cone", "es")
            .await
            .json()),
        Vec::<i64>::new()
    );

    // Pages that hold unpublished work are never kept nor shared.
    let d = app
        .create_experience(&admin, &body("PER", "ict", "Gestión digital en borrador"))
        .await["id"]
        .as_i64()
        .unwrap();
    let working = app
        .get("/api/v1/experiences?q=gestion&status=draft")
        .auth(&admin)
        .send()
        .await;
    assert_eq!(working.status, 200);
    assert_eq!(ids(&working.json()), vec![d]);
    app.get("/api/v1/experiences?q=gestion&status=draft")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    assert_eq!(
        ids(&search("q=gestion", "es").await.json()),
        vec![a],
        "the public never sees a draft"
    );
}

/// Editors read the working document (kept in each process under its revision): every change
/// shows in their next read and list, whether made through this server or another one on the
/// same database, kept or not.
#[actix_web::test]
async fn editors_read_every_change_of_the_working_document_at_once() {
    use actix_web::http::Method;
    for entries in [1024, 0] {
        // Both servers sign and check tokens with the same secret.
        let settings = AppSettings {
            guide_cache_entries: entries,
            ..AppSettings::default()
        };
        let app = TestApp::with_settings(settings.clone()).await;
        let other = crate::util::service(app.pool.clone(), settings).await;
        let (admin, member) = (app.secretariat(), app.member("CHL"));
        let id = app
            .published_experience(&admin, &body("CHL", "public-budget", "Gestión de caja"))
            .await;
        let path = format!("/api/v1/experiences/{id}");
        let read = |who: &TestUser| {
            let (app, path, who) = (&app, path.clone(), who.clone());
            async move {
                let res = app
                    .get(&path)
                    .auth(&who)
                    .header("accept-language", "es")
                    .send()
                    .await;
                assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
                let etag = res.header("etag").unwrap().to_owned();
                (res.json(), etag)
            }
        };
        let drafts = |who: &TestUser| {
            let (app, who) = (&app, who.clone());
            async move {
                let res = app
                    .get("/api/v1/experiences?status=draft&country=CHL")
                    .auth(&who)
                    .header("accept-language", "es")
                    .send()
                    .await;
                assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
                res.json()["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["title"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        // A published experience's working document is read from its version; the same
        // document saved again without a change (a draft now, read from its parts) reads the
        // same.
        let (published, etag) = read(&admin).await;
        assert_eq!(published["title"], "Gestión de caja");
        assert_eq!(published["view"], "working");
        assert_eq!(published["has_unpublished_changes"], false);
        let res = app
            .patch(&path)
            .auth(&member)
            .header("if-match", &etag)
            .json(&json!({"tags": published["tags"]}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        // Read twice: the second read may come from what the first kept.
        let (first, etag) = read(&admin).await;
        assert_eq!(read(&admin).await, (first.clone(), etag.clone()));
        assert_eq!(first["has_unpublished_changes"], true);
        for field in [
            "snapshot_date",
            "title",
            "introduction",
            "institutions",
            "strategies",
            "legal_framework",
            "tags",
            "available_languages",
        ] {
            assert_eq!(first[field], published[field], "{field}");
        }

        // A change through this server shows in the next read, with a new tag.
        let res = app
            .patch(&path)
            .auth(&member)
            .header("if-match", &etag)
            .json(&json!({"title": {"es": "Caja única"}}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let (after, etag2) = read(&admin).await;
        assert_eq!(after["title"], "Caja única", "entries {entries}");
        assert_eq!(after["status"], "draft");
        assert_ne!(etag2, etag);
        assert_eq!(read(&member).await.0["title"], "Caja única");
        assert_eq!(drafts(&member).await, vec!["Caja única".to_owned()]);
        assert_eq!(drafts(&member).await, vec!["Caja única".to_owned()]);

        // A change through another server on the same database shows here at once.
        let res = crate::util::Req::on(&other, Method::PATCH, &path)
            .auth(&admin)
            .header("if-match", &etag2)
            .json(&json!({"title": {"es": "Caja única del Tesoro"}, "tags": ["tesoro"]}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let (last, etag3) = read(&admin).await;
        assert_eq!(last["title"], "Caja única del Tesoro", "entries {entries}");
        assert_eq!(last["tags"], json!(["tesoro"]));
        assert_ne!(etag3, etag2);
        assert_eq!(
            drafts(&member).await,
            vec!["Caja única del Tesoro".to_owned()]
        );

        // A write refused leaves what editors read as it was.
        let res = app
            .patch(&path)
            .auth(&member)
            .header("if-match", &etag2)
            .json(&json!({"title": {"es": "Stale"}}))
            .send()
            .await;
        res.assert_problem(412, "precondition-failed");
        assert_eq!(read(&admin).await, (last, etag3));

        // The public still reads the published version.
        let public = app
            .get(&path)
            .header("accept-language", "es")
            .send()
            .await
            .json();
        assert_eq!(public["title"], "Gestión de caja");
    }
}
