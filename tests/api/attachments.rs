//! Attachments: evidence on answers required where questions ask for it, annexes of needs,
//! experiences and reports, each visible exactly as its parent is.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::{questionnaire_sections, TestApp};

/// A questionnaire whose B.5 needs a file as evidence and whose A.1 takes none.
fn evidence_sections() -> Value {
    let mut sections = questionnaire_sections();
    sections[1]["questions"][4]["evidence"] = json!("required");
    sections[0]["questions"][0]["evidence"] = json!("none");
    sections
}

#[actix_web::test]
async fn evidence_on_answers_is_required_where_asked_and_visible_as_the_response_is() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let bra = app.member("BRA");
    let expert = app.expert("BRA");
    let round = app.create_round(&admin, 1).await["id"].as_i64().unwrap();
    let res = app
        .post("/api/v1/questionnaires")
        .auth(&admin)
        .json(&json!({"round": round, "title": "SRQ", "sections": evidence_sections()}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let q = res.json();
    assert_eq!(q["sections"][1]["questions"][4]["evidence"], "required");
    assert_eq!(q["sections"][0]["questions"][1]["evidence"], "optional");
    let qid = q["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/questionnaires/{qid}/publish"))
        .auth(&admin)
        .send()
        .await;
    for c in ["ARG", "BRA"] {
        app.request(
            Method::PUT,
            &format!("/api/v1/rounds/{round}/participants/{c}"),
        )
        .auth(&admin)
        .send()
        .await;
    }
    assert_eq!(
        app.post(&format!("/api/v1/rounds/{round}/open"))
            .auth(&admin)
            .send()
            .await
            .status,
        200
    );
    let res = app
        .post(&format!("/api/v1/questionnaires/{qid}/responses"))
        .auth(&arg)
        .send()
        .await;
    let response = res.json()["id"].as_i64().unwrap();
    let answers = json!([
        {"question": "A.1", "value": "Dirección Nacional de Presupuesto"},
        {"question": "A.3", "value": 412},
        {"question": "B.1", "value": true},
        {"question": "B.3", "value": "multiannual"},
        {"question": "B.5", "value": "https://example.gov/law"}
    ]);
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/responses/{response}/answers"),
        )
        .auth(&arg)
        .json(&answers)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let submit = || {
        app.post(&format!("/api/v1/responses/{response}/submit"))
            .auth(&arg)
            .send()
    };
    let res = submit().await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["B.5"]);
    assert_eq!(res.json()["errors"][0]["code"], "evidence-required");

    let law = app.pdf_file(&arg, "ley").await;
    let theirs = app.pdf_file(&bra, "otra").await;
    let evidence = |file: i64, question: Option<&str>| {
        let mut body = json!({"file": file, "parent_type": "answer", "parent_id": response, "caption": "Ley publicada"});
        if let Some(q) = question {
            body["question"] = json!(q);
        }
        body
    };
    let res = app.attach(&arg, evidence(law, Some("A.1"))).await;
    assert_eq!(res.json()["errors"][0]["code"], "no-evidence");
    app.attach(&arg, evidence(law, Some("Z.9")))
        .await
        .assert_problem(422, "validation");
    app.attach(&arg, evidence(law, None))
        .await
        .assert_problem(422, "validation");
    let res = app.attach(&arg, evidence(theirs, Some("B.5"))).await;
    res.assert_problem(422, "validation");
    assert_eq!(
        res.error_fields(),
        vec!["file"],
        "another country's file is not ours to attach"
    );
    app.attach(&bra, evidence(theirs, Some("B.5")))
        .await
        .assert_problem(404, "not-found");
    app.attach(&expert, evidence(law, Some("B.5")))
        .await
        .assert_problem(422, "validation");
    let res = app.attach(&arg, evidence(law, Some("B.5"))).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let a = res.json();
    assert_eq!(a["question"], "B.5");
    assert_eq!(a["file"]["id"], law);
    app.attach(&arg, evidence(law, Some("B.5")))
        .await
        .assert_problem(409, "already-attached");

    let r = app
        .get(&format!("/api/v1/responses/{response}"))
        .auth(&arg)
        .send()
        .await
        .json();
    assert_eq!(r["evidence"][0]["question"], "B.5");
    assert_eq!(r["evidence"][0]["caption"], "Ley publicada");
    assert_eq!(r["evidence"][0]["file"]["attached"], true);
    // Another country, an expert before submission, the public: the draft's file is hidden.
    app.download(Some(&bra), law)
        .await
        .assert_problem(404, "not-found");
    app.download(Some(&expert), law)
        .await
        .assert_problem(404, "not-found");
    app.download(None, law)
        .await
        .assert_problem(404, "not-found");

    let res = submit().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        app.download(Some(&expert), law).await.status,
        200,
        "experts read submitted responses"
    );
    app.download(Some(&bra), law)
        .await
        .assert_problem(404, "not-found");
    let extra = app.pdf_file(&arg, "extra").await;
    app.attach(&arg, evidence(extra, Some("B.5")))
        .await
        .assert_problem(409, "parent-frozen");
    let res = app
        .request(Method::DELETE, &format!("/api/v1/attachments/{}", a["id"]))
        .auth(&arg)
        .send()
        .await;
    res.assert_problem(409, "parent-frozen");
    assert_eq!(app.audit_rows("response.attachment_added").len(), 1);

    // Analysts see the evidence beside each answer.
    let res = app
        .get(&format!(
            "/api/v1/exports/answers?round={round}&format=ndjson"
        ))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let rows: Vec<Value> = String::from_utf8_lossy(&res.body)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let b5 = rows
        .iter()
        .find(|r| r["question"] == "B.5")
        .expect("B.5 row");
    assert_eq!(b5["evidence_names"], json!(["ley.pdf"]));
    assert_eq!(
        b5["evidence_paths"],
        json!([format!("/api/v1/files/{law}")])
    );
    assert_eq!(b5["evidence_sha256"].as_array().unwrap().len(), 1);
    let a1 = rows
        .iter()
        .find(|r| r["question"] == "A.1")
        .expect("A.1 row");
    assert_eq!(a1["evidence_names"], Value::Null);
    let feed = app
        .get("/api/v1/events?types=response.*")
        .auth(&arg)
        .send()
        .await
        .json();
    assert!(
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "response.attachment_added"),
        "{feed}"
    );
}

#[actix_web::test]
async fn annexes_of_needs_experiences_reports_and_cooperations_follow_their_parent() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let per = app.member("PER");
    let chl = app.member("CHL");

    // A draft need's annex is its country's; once the need is open, everyone's.
    let res = app
        .post("/api/v1/needs")
        .auth(&per)
        .json(&json!({"thematic_area": "public-budget", "kind": "technical_assistance", "language": "es",
                      "title": "Presupuesto por resultados", "description": "Vincular evaluación y presupuesto."}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let need = res.json();
    let need_id = need["id"].as_i64().unwrap();
    let etag = res.header("etag").unwrap().to_owned();
    let plan = app.pdf_file(&per, "plan").await;
    app.attach(
        &chl,
        json!({"file": plan, "parent_type": "need", "parent_id": need_id}),
    )
    .await
    .assert_problem(422, "validation");
    let chl_file = app.pdf_file(&chl, "chl").await;
    app.attach(
        &chl,
        json!({"file": chl_file, "parent_type": "need", "parent_id": need_id}),
    )
    .await
    .assert_problem(404, "not-found");
    let res = app
        .attach(&per, json!({"file": plan, "parent_type": "need", "parent_id": need_id, "caption": "Plan 2027"}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let got = app
        .get(&format!("/api/v1/needs/{need_id}"))
        .auth(&per)
        .send()
        .await;
    assert_ne!(
        got.header("etag").unwrap(),
        etag,
        "the need's representation changed"
    );
    assert_eq!(got.json()["attachments"][0]["caption"], "Plan 2027");
    app.download(None, plan)
        .await
        .assert_problem(404, "not-found");
    app.post(&format!("/api/v1/needs/{need_id}/open"))
        .auth(&per)
        .send()
        .await;
    let res = app.download(None, plan).await;
    assert_eq!(res.status, 200, "an open need's annex is public");
    let listed = app
        .get(&format!(
            "/api/v1/attachments?parent_type=need&parent_id={need_id}"
        ))
        .send()
        .await
        .json();
    assert_eq!(listed["data"][0]["file"]["id"], plan);
    app.get("/api/v1/attachments?parent_type=meal&parent_id=1")
        .send()
        .await
        .assert_problem(400, "invalid-query");
    let needs = app.get("/api/v1/needs").send().await.json();
    assert_eq!(
        needs["data"][0]["attachments"][0]["file"]["id"], plan,
        "lists show them too"
    );
    let csv = app.get("/api/v1/exports/needs").send().await;
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = header
        .iter()
        .position(|c| c == "attachment_names")
        .expect("column");
    let row = reader.records().next().unwrap().unwrap();
    assert!(row[col].contains("plan.pdf"), "{text}");

    // An experience's annex: its country attaches; the public reads it once published.
    let res = app
        .post("/api/v1/experiences")
        .auth(&chl)
        .json(&json!({"country": "CHL", "thematic_area": "public-budget", "language": "es",
                      "snapshot_date": "2025-06-30", "title": {"es": "Evaluación de programas"},
                      "introduction": "Evaluaciones vinculadas al presupuesto.", "strategies": "Convenios de desempeño.",
                      "institutions": [{"name": "Dirección de Presupuestos", "role": "Formula el presupuesto"}],
                      "legal_framework": [{"title": "Ley 19.896", "kind": "law", "number": "19896", "year": 2003}]}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let exp = res.json()["id"].as_i64().unwrap();
    app.attach(
        &per,
        json!({"file": plan, "parent_type": "experience", "parent_id": exp}),
    )
    .await
    .assert_problem(404, "not-found");
    let res = app
        .attach(&chl, json!({"file": chl_file, "parent_type": "experience", "parent_id": exp, "caption": "Ley 19.896"}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let read = app
        .get(&format!("/api/v1/experiences/{exp}"))
        .auth(&chl)
        .send()
        .await
        .json();
    assert_eq!(read["attachments"][0]["caption"], "Ley 19.896");
    app.download(None, chl_file)
        .await
        .assert_problem(404, "not-found");
    for action in ["submit", "publish"] {
        let who = if action == "publish" { &admin } else { &chl };
        let res = app
            .post(&format!("/api/v1/experiences/{exp}/{action}"))
            .auth(who)
            .send()
            .await;
        assert_eq!(
            res.status,
            200,
            "{action}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    assert_eq!(app.download(None, chl_file).await.status, 200);
    let public = app
        .get(&format!("/api/v1/experiences/{exp}"))
        .send()
        .await
        .json();
    assert_eq!(public["attachments"][0]["file"]["id"], chl_file);

    // A report's annex: the secretariat drafts it; adopted, it is frozen.
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let report = app
        .adopt_hemispheric_report(&admin, round["id"].as_i64().unwrap())
        .await;
    let annex = app.pdf_file(&admin, "annex").await;
    app.attach(
        &admin,
        json!({"file": annex, "parent_type": "report", "parent_id": report}),
    )
    .await
    .assert_problem(409, "parent-frozen");
    app.attach(
        &admin,
        json!({"file": annex, "parent_type": "report", "parent_id": 99999}),
    )
    .await
    .assert_problem(404, "not-found");
    app.attach(
        &admin,
        json!({"file": annex, "parent_type": "need", "parent_id": need_id, "question": "A.1"}),
    )
    .await
    .assert_problem(422, "validation");
}

#[actix_web::test]
async fn evidence_of_follow_up_cooperations_and_draft_reports() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let admin = app.secretariat();

    // Follow-up: Argentina declares progress on a recommendation and proves it.
    let recs = app
        .get("/api/v1/recommendations?country=ARG")
        .send()
        .await
        .json();
    let rec = recs["data"][0]["id"]
        .as_i64()
        .expect("a published recommendation");
    let arg = app.member("ARG");
    let res = app
        .patch(&format!("/api/v1/recommendations/{rec}"))
        .auth(&arg)
        .json(&json!({"status": "in_progress", "progress_note": "Decree adopted."}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let entry = res.json()["history"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let decree = app.pdf_file(&arg, "decreto").await;
    let bra = app.member("BRA");
    let theirs = app.pdf_file(&bra, "theirs").await;
    app.attach(
        &bra,
        json!({"file": theirs, "parent_type": "followup", "parent_id": entry}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = app
        .attach(&arg, json!({"file": decree, "parent_type": "followup", "parent_id": entry, "caption": "Decreto 12/2027"}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let read = app
        .get(&format!("/api/v1/recommendations/{rec}"))
        .send()
        .await
        .json();
    let last = read["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["attachments"][0]["caption"], "Decreto 12/2027");
    assert_eq!(
        app.download(None, decree).await.status,
        200,
        "the published report's follow-up evidence is public"
    );
    app.attach(
        &arg,
        json!({"file": decree, "parent_type": "followup", "parent_id": 999999}),
    )
    .await
    .assert_problem(404, "not-found");

    // A cooperation's parties document it; others may not.
    let coops = app.get("/api/v1/cooperations").send().await.json();
    let coop = &coops["data"][0];
    let (id, requester) = (
        coop["id"].as_i64().unwrap(),
        coop["requester"].as_str().unwrap().to_owned(),
    );
    let party = app.member(&requester);
    let outsider = app.member(if requester == "JAM" { "TTO" } else { "JAM" });
    let report = app.pdf_file(&party, "informe").await;
    let stranger = app.pdf_file(&outsider, "stranger").await;
    app.attach(
        &outsider,
        json!({"file": stranger, "parent_type": "cooperation", "parent_id": id}),
    )
    .await
    .assert_problem(403, "forbidden");
    let res = app
        .attach(&party, json!({"file": report, "parent_type": "cooperation", "parent_id": id, "caption": "Activity report"}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let read = app
        .get(&format!("/api/v1/cooperations/{id}"))
        .send()
        .await
        .json();
    assert_eq!(read["attachments"][0]["caption"], "Activity report");

    // A draft report's annex is its drafters' until publication.
    let (round, _) = app.open_round(&admin, 7, &["ARG", "BRA"]).await;
    let res = app
        .post("/api/v1/reports")
        .auth(&admin)
        .json(&json!({"round": round["id"], "kind": "hemispheric", "title": "Hemispheric Report"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let draft = res.json()["id"].as_i64().unwrap();
    let annex = app.pdf_file(&admin, "annex").await;
    app.attach(
        &arg,
        json!({"file": decree, "parent_type": "report", "parent_id": draft}),
    )
    .await
    .assert_problem(404, "not-found");
    let res = app
        .attach(
            &admin,
            json!({"file": annex, "parent_type": "report", "parent_id": draft}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let read = app
        .get(&format!("/api/v1/reports/{draft}"))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(read["attachments"][0]["file"]["id"], annex);
    app.download(None, annex)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        app.download(Some(&app.expert("BRA")), annex).await.status,
        200,
        "experts read the hemispheric draft"
    );
    let attachment = res.json()["id"].as_i64().unwrap();
    let res = app
        .request(Method::DELETE, &format!("/api/v1/attachments/{attachment}"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    let read = app
        .get(&format!("/api/v1/reports/{draft}"))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(read["attachments"], json!([]));
    assert_eq!(app.audit_rows("report.attachment_removed").len(), 1);
}
