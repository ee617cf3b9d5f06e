//! The library: documents with a file per language, published, versioned, searched; reports
//! rendered into it; every role's access.

use serde_json::{json, Value};

use crate::util::{Resp, TestApp, TestUser};

impl TestApp {
    pub(crate) async fn upload_text(&self, who: &TestUser, text: &str, name: &str) -> i64 {
        let res = self
            .post("/api/v1/files")
            .auth(who)
            .header("content-type", "text/plain")
            .header(
                "content-disposition",
                &format!("attachment; filename=\"{name}\""),
            )
            .body(text.as_bytes().to_vec())
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()["id"].as_i64().unwrap()
    }

    async fn doc_action(&self, who: &TestUser, id: i64, action: &str) -> Resp {
        self.post(&format!("/api/v1/documents/{id}/{action}"))
            .auth(who)
            .send()
            .await
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_secretariat_publishes_versions_that_everyone_reads_and_finds() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let expert = app.expert("BRA");
    let en = app
        .upload_text(&admin, "Methodology for the review.", "methodology-en.txt")
        .await;
    let es = app
        .upload_text(
            &admin,
            "Metodología para la revisión.",
            "metodologia-es.txt",
        )
        .await;

    let body = json!({
        "kind": "methodology",
        "language": "en",
        "title": {"en": "Methodology for the review", "es": "Metodología para la revisión"},
        "summary": {"en": "How the Committee of Experts reviews the self-review questionnaires.",
                    "es": "Cómo el Comité de Expertos examina los cuestionarios de autoevaluación."},
        "files": {"en": en, "es": es},
        "thematic_areas": ["civil-service"]
    });
    for who in [&arg, &expert] {
        app.post("/api/v1/documents")
            .auth(who)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/api/v1/documents")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let res = app
        .post("/api/v1/documents")
        .auth(&admin)
        .json(&json!({"kind": "novel", "title": ""}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let res = app
        .post("/api/v1/documents")
        .auth(&admin)
        .json(&json!({"kind": "study", "title": "", "files": {"xx": en, "fr": 99999}, "thematic_areas": ["nowhere"], "rounds": [12345]}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["files.fr", "files.xx", "rounds", "thematic_areas", "title"]
    );

    let res = app
        .post("/api/v1/documents")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let d = res.json();
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/documents/{id}")
    );
    assert_eq!(d["status"], "draft");
    assert_eq!(d["version"], 1);
    assert_eq!(d["allowed_actions"], json!(["publish"]));
    assert_eq!(d["files"]["es"]["id"], es);
    assert_eq!(d["thematic_areas"], json!(["civil-service"]));

    // A draft is the secretariat's: its files too.
    for who in [None, Some(&arg)] {
        let mut req = app.get(&format!("/api/v1/documents/{id}"));
        if let Some(u) = who {
            req = req.auth(u);
        }
        req.send().await.assert_problem(404, "not-found");
    }
    app.get(&format!("/api/v1/files/{en}"))
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        ids(&app.get("/api/v1/documents").send().await.json()),
        Vec::<i64>::new()
    );
    let drafts = app
        .get("/api/v1/documents?status=draft")
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(ids(&drafts), vec![id]);
    app.get("/api/v1/documents?status=draft")
        .auth(&arg)
        .send()
        .await
        .assert_problem(403, "forbidden");

    app.doc_action(&arg, id, "publish")
        .await
        .assert_problem(403, "forbidden");
    let res = app.doc_action(&admin, id, "publish").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "published");
    assert_eq!(
        res.json()["allowed_actions"],
        json!(["supersede", "new-version"])
    );
    app.doc_action(&admin, id, "publish")
        .await
        .assert_problem(409, "invalid-transition");

    // Everyone reads it, in their language, with its files.
    let res = app
        .get(&format!("/api/v1/documents/{id}"))
        .header("accept-language", "es")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["title"], "Metodología para la revisión");
    assert_eq!(res.header("content-language"), Some("es"));
    let file = app.get(&format!("/api/v1/files/{es}")).send().await;
    assert_eq!(file.status, 200);
    assert_eq!(
        file.body.as_ref(),
        "Metodología para la revisión.".as_bytes()
    );

    // Found by words of any language, accents and case aside; filtered.
    for q in ["metodologia", "COMIT%C3%89", "questionnaires"] {
        let page = app
            .get(&format!("/api/v1/documents?q={q}"))
            .send()
            .await
            .json();
        assert_eq!(ids(&page), vec![id], "q={q}");
    }
    assert_eq!(
        ids(&app.get("/api/v1/documents?q=tractor").send().await.json()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/documents?kind=methodology&language=es&thematic_area=civil-service")
            .send()
            .await
            .json()),
        vec![id]
    );
    assert_eq!(
        ids(&app.get("/api/v1/documents?language=fr").send().await.json()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app.get("/api/v1/documents?kind=study").send().await.json()),
        Vec::<i64>::new()
    );
    app.get("/api/v1/documents?kind=novel&language=xx")
        .send()
        .await
        .assert_problem(400, "invalid-query");

    // A new version: a draft the public does not see until it is published.
    app.patch(&format!("/api/v1/documents/{id}"))
        .auth(&admin)
        .json(&json!({"summary": "x"}))
        .send()
        .await
        .assert_problem(409, "not-editable");
    let res = app.doc_action(&admin, id, "new-version").await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["version"], 2);
    assert_eq!(res.json()["files"]["en"]["id"], en, "the files come along");
    app.doc_action(&admin, id, "new-version")
        .await
        .assert_problem(409, "draft-pending");
    let fr = app
        .upload_text(&admin, "Méthodologie de l'examen.", "methodologie-fr.txt")
        .await;
    let res = app
        .patch(&format!("/api/v1/documents/{id}?lang=fr"))
        .auth(&admin)
        .json(&json!({"title": "Méthodologie de l'examen", "files": {"fr": fr, "es": null}}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let v2 = res.json();
    assert_eq!(
        v2["files"].as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["en", "fr"]
    );
    let public = app
        .get(&format!("/api/v1/documents/{id}"))
        .send()
        .await
        .json();
    assert_eq!(
        public["version"], 1,
        "readers keep the published version meanwhile"
    );
    assert_eq!(public["latest_version"], 2);
    app.get(&format!("/api/v1/files/{fr}"))
        .send()
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/documents/{id}/versions/2"))
        .send()
        .await
        .assert_problem(404, "not-found");

    let res = app.doc_action(&admin, id, "publish").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let public = app
        .get(&format!("/api/v1/documents/{id}?lang=fr"))
        .send()
        .await
        .json();
    assert_eq!(public["version"], 2);
    assert_eq!(public["title"], "Méthodologie de l'examen");
    assert_eq!(
        app.get(&format!("/api/v1/files/{fr}")).send().await.status,
        200
    );
    let v1 = app
        .get(&format!("/api/v1/documents/{id}/versions/1"))
        .send()
        .await;
    assert_eq!(v1.status, 200, "the previous version stays readable");
    assert_eq!(v1.json()["status"], "superseded");
    assert_eq!(v1.json()["files"]["es"]["id"], es);
    let versions = app
        .get(&format!("/api/v1/documents/{id}/versions"))
        .send()
        .await
        .json();
    let statuses: Vec<&str> = versions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["superseded", "published"]);

    // Withdrawn as out of date: still readable, out of the search.
    let res = app.doc_action(&admin, id, "supersede").await;
    assert_eq!(res.json()["status"], "superseded");
    assert_eq!(
        ids(&app
            .get("/api/v1/documents?q=metodologia")
            .send()
            .await
            .json()),
        Vec::<i64>::new()
    );
    assert_eq!(
        app.get(&format!("/api/v1/documents/{id}"))
            .send()
            .await
            .json()["status"],
        "superseded"
    );
    for action in [
        "document.create",
        "document.publish",
        "document.new_version",
        "document.update",
        "document.supersede",
    ] {
        assert!(!app.audit_rows(action).is_empty(), "{action}");
    }
    let feed = app
        .get("/api/v1/events?types=document.*")
        .send()
        .await
        .json();
    let types: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "document.published",
            "document.published",
            "document.superseded"
        ],
        "drafts' events are the secretariat's"
    );
}

#[actix_web::test]
async fn a_published_report_is_rendered_into_the_library() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let round = round["id"].as_i64().unwrap();
    let report = app.adopt_hemispheric_report(&admin, round).await;
    let body = json!({"report": report});
    app.post("/api/v1/documents")
        .auth(&admin)
        .json(&body)
        .send()
        .await
        .assert_problem(409, "report-not-published");
    let res = app
        .post(&format!("/api/v1/reports/{report}/publish"))
        .auth(&admin)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .post("/api/v1/documents")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let d = res.json();
    assert_eq!(d["kind"], "hemispheric_report");
    assert_eq!(d["report"], report);
    assert_eq!(d["rounds"], json!([round]));
    let (lang, file) = d["files"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(file["media_type"], "text/plain");
    let text = app
        .get(&format!("/api/v1/files/{}", file["id"]))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(text.status, 200, "{lang}");
    let report_body = app
        .get(&format!("/api/v1/reports/{report}"))
        .send()
        .await
        .json();
    let title = report_body["title"].as_str().unwrap();
    assert!(String::from_utf8_lossy(&text.body).starts_with(title));
    let again = app
        .post("/api/v1/documents")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    again.assert_problem(409, "already-in-library");
    assert_eq!(
        again.header("location").unwrap(),
        format!("/api/v1/documents/{}", d["id"])
    );
}
