use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::{Resp, TestApp, TestUser};

/// Every CSV record of a body, header first.
fn csv_records(res: &Resp) -> Vec<Vec<String>> {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&res.body[..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn ndjson(res: &Resp) -> Vec<Value> {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), Some("application/x-ndjson"));
    String::from_utf8(res.body.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const TRICKY: &str = "Oficina \"Central\", São Paulo\nsegunda línea — 中文";

struct Data {
    app: TestApp,
    admin: TestUser,
    argentina: TestUser,
    round: i64,
    questionnaire: i64,
}

/// ARG submitted (5 answers, one tricky text, one multi-choice), BRA a draft (4 answers).
async fn data() -> Data {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let argentina = app.member("ARG");
    let brazil = app.member("BRA");
    let (round, q) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let q = q["id"].as_i64().unwrap();
    for (who, answers, submit) in [
        (
            &argentina,
            json!([
                {"question": "A.1", "value": TRICKY, "comment": "a, b"},
                {"question": "A.3", "value": 120},
                {"question": "B.1", "value": true},
                {"question": "B.3", "value": "multiannual"},
                {"question": "B.4", "value": ["ptb", "mtef"]}
            ]),
            true,
        ),
        (
            &brazil,
            json!([
                {"question": "A.1", "value": "Secretaria de Orçamento Federal"},
                {"question": "A.3", "value": 80},
                {"question": "B.1", "value": false},
                {"question": "B.3", "value": "annual"}
            ]),
            false,
        ),
    ] {
        let res = app
            .post(&format!("/api/v1/questionnaires/{q}/responses"))
            .auth(who)
            .send()
            .await;
        let id = res.json()["id"].as_i64().unwrap();
        let res = app
            .request(Method::PUT, &format!("/api/v1/responses/{id}/answers"))
            .auth(who)
            .json(&answers)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        if submit {
            assert_eq!(
                app.post(&format!("/api/v1/responses/{id}/submit"))
                    .auth(who)
                    .send()
                    .await
                    .status,
                200
            );
        }
    }
    Data {
        round: round["id"].as_i64().unwrap(),
        questionnaire: q,
        app,
        admin,
        argentina,
    }
}

#[actix_web::test]
async fn answers_long_csv_and_ndjson() {
    let d = data().await;
    let uri = format!("/api/v1/exports/answers?round={}", d.round);
    let res = d.app.get(&uri).auth(&d.admin).send().await;
    assert!(res.streamed, "streamed, not buffered");
    assert_eq!(
        res.header("content-disposition"),
        Some(format!("attachment; filename=\"answers-round-{}.csv\"", d.round).as_str())
    );
    let rows = csv_records(&res);
    assert_eq!(
        rows[0],
        vec![
            "round",
            "questionnaire",
            "questionnaire_version",
            "country",
            "response",
            "section",
            "question",
            "kind",
            "value",
            "value_label",
            "comment",
            "response_status",
            "submitted_at",
            "updated_at",
            "evidence_names",
            "evidence_sizes",
            "evidence_sha256",
            "evidence_paths"
        ]
    );
    assert_eq!(rows.len(), 1 + 9, "one row per answer");
    let arg: Vec<&Vec<String>> = rows.iter().filter(|r| r[3] == "ARG").collect();
    assert_eq!(arg.len(), 5);
    let a1 = arg.iter().find(|r| r[6] == "A.1").unwrap();
    assert_eq!(
        a1[8], TRICKY,
        "quotes, commas, newlines and non-Latin text survive"
    );
    assert_eq!(a1[10], "a, b");
    assert_eq!(a1[5], "A");
    assert_eq!(a1[7], "text");
    assert_eq!(a1[11], "submitted");
    // Times as the API shows them.
    let shown = d
        .app
        .get(&format!("/api/v1/responses/{}", a1[4]))
        .auth(&d.admin)
        .send()
        .await
        .json();
    assert_eq!(a1[12], shown["submitted_at"].as_str().unwrap());
    let answer = shown["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["question"] == "A.1")
        .unwrap();
    assert_eq!(a1[13], answer["updated_at"].as_str().unwrap());
    assert!(a1[13].ends_with('Z'), "{}", a1[13]);
    let b3 = arg.iter().find(|r| r[6] == "B.3").unwrap();
    assert_eq!(
        (b3[8].as_str(), b3[9].as_str()),
        ("multiannual", "Multi-annual")
    );
    let b4 = arg.iter().find(|r| r[6] == "B.4").unwrap();
    assert_eq!(b4[8], "ptb;mtef");
    assert_eq!(b4[9], "Performance budgeting;Medium-term framework");
    // Labels in the requested language.
    let es = csv_records(
        &d.app
            .get(&format!("{uri}&lang=es"))
            .auth(&d.admin)
            .send()
            .await,
    );
    assert!(es.iter().any(|r| r[6] == "B.3" && r[9] == "Plurianual"));

    // NDJSON by parameter or by Accept: typed values.
    let lines = ndjson(
        &d.app
            .get(&format!("{uri}&format=ndjson"))
            .auth(&d.admin)
            .send()
            .await,
    );
    assert_eq!(lines.len(), 9);
    let by_accept = d
        .app
        .get(&uri)
        .auth(&d.admin)
        .header("accept", "application/x-ndjson")
        .send()
        .await;
    assert_eq!(ndjson(&by_accept).len(), 9);
    let a3 = lines
        .iter()
        .find(|l| l["country"] == "ARG" && l["question"] == "A.3")
        .unwrap();
    assert_eq!(a3["value"], 120);
    assert_eq!(a3["round"], d.round);
    assert_eq!(a3["questionnaire_version"], 1);
    assert_eq!(a3["comment"], Value::Null);
    assert_eq!(a3["value_label"], Value::Null);
    assert_eq!(a3["submitted_at"], shown["submitted_at"]);
    let b4 = lines
        .iter()
        .find(|l| l["country"] == "ARG" && l["question"] == "B.4")
        .unwrap();
    assert_eq!(b4["value"], json!(["ptb", "mtef"]));
    let raw = d
        .app
        .get(&format!("{uri}&format=ndjson"))
        .auth(&d.admin)
        .send()
        .await;
    assert!(raw.body.starts_with(b"{\"round\":"), "columns in order");

    // lang=all: every translation, a column per language in CSV, an object in NDJSON.
    let all = csv_records(
        &d.app
            .get(&format!("{uri}&lang=all"))
            .auth(&d.admin)
            .send()
            .await,
    );
    assert_eq!(
        all[0][9..13],
        [
            "value_label_en",
            "value_label_es",
            "value_label_fr",
            "value_label_pt"
        ]
    );
    assert_eq!(all[0][13], "comment");
    let b3 = all.iter().find(|r| r[6] == "B.3" && r[3] == "ARG").unwrap();
    assert_eq!(b3[9..13], ["Multi-annual", "Plurianual", "", ""]);
    let b4 = all.iter().find(|r| r[6] == "B.4" && r[3] == "ARG").unwrap();
    assert_eq!(b4[9], "Performance budgeting;Medium-term framework");
    let lines = ndjson(
        &d.app
            .get(&format!("{uri}&lang=all&format=ndjson"))
            .auth(&d.admin)
            .send()
            .await,
    );
    let b3 = lines
        .iter()
        .find(|l| l["country"] == "ARG" && l["question"] == "B.3")
        .unwrap();
    assert_eq!(
        b3["value_label"],
        json!({"en": "Multi-annual", "es": "Plurianual"})
    );

    // Increments.
    let none = csv_records(
        &d.app
            .get(&format!("{uri}&updated_since=2999-01-01T00:00:00Z"))
            .auth(&d.admin)
            .send()
            .await,
    );
    assert_eq!(none.len(), 1, "header only");
    let all = csv_records(
        &d.app
            .get(&format!("{uri}&updated_since=2000-01-01T00:00:00Z"))
            .auth(&d.admin)
            .send()
            .await,
    );
    assert_eq!(all.len(), 10);
    for bad in [
        "format=xml",
        "shape=tall",
        "shape=wide",
        "updated_since=yesterday",
    ] {
        d.app
            .get(&format!("{uri}&{bad}"))
            .auth(&d.admin)
            .send()
            .await
            .assert_problem(400, "invalid-query");
    }
}

#[actix_web::test]
async fn answers_follow_the_visibility_rules() {
    let d = data().await;
    let uri = format!("/api/v1/exports/answers?round={}", d.round);
    let mine = csv_records(&d.app.get(&uri).auth(&d.argentina).send().await);
    assert!(
        mine[1..].iter().all(|r| r[3] == "ARG"),
        "never another country's unpublished data"
    );
    assert_eq!(mine.len(), 6);
    let expert = csv_records(&d.app.get(&uri).auth(&d.app.expert("CHL")).send().await);
    assert!(expert[1..].iter().all(|r| r[11] != "draft"));
    assert_eq!(expert.len(), 6);
    let public = csv_records(&d.app.get(&uri).send().await);
    assert_eq!(
        public.len(),
        1,
        "nothing is public before the round concludes"
    );
}

#[actix_web::test]
async fn answers_wide_and_the_dictionary() {
    let d = data().await;
    let uri = format!(
        "/api/v1/exports/answers?questionnaire={}&shape=wide",
        d.questionnaire
    );
    let rows = csv_records(&d.app.get(&uri).auth(&d.admin).send().await);
    let header = &rows[0];
    assert_eq!(
        &header[..8],
        [
            "round",
            "questionnaire",
            "questionnaire_version",
            "country",
            "response",
            "response_status",
            "submitted_at",
            "updated_at"
        ]
    );
    let dictionary = d
        .app
        .get(&format!(
            "/api/v1/questionnaires/{}/dictionary",
            d.questionnaire
        ))
        .send()
        .await
        .json();
    let codes: Vec<&str> = dictionary["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        header[8..].iter().map(String::as_str).collect::<Vec<_>>(),
        codes,
        "one column per question"
    );
    assert_eq!(rows.len(), 3, "one row per response");
    let arg = rows.iter().find(|r| r[3] == "ARG").unwrap();
    let col = |code: &str| header.iter().position(|h| h == code).unwrap();
    assert_eq!(arg[col("B.4")], "ptb;mtef");
    assert_eq!(arg[col("A.1")], TRICKY);
    assert_eq!(arg[col("A.2")], "", "unanswered");
    let bra = rows.iter().find(|r| r[3] == "BRA").unwrap();
    assert_eq!(bra[col("B.1")], "false");

    // The dictionary: JSON and CSV, labels in the language asked.
    let b3 = dictionary["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "B.3")
        .unwrap()
        .clone();
    assert_eq!(b3["kind"], "single_choice");
    assert_eq!(b3["required"], true);
    assert_eq!(
        b3["options"][1],
        json!({"value": "multiannual", "label": "Multi-annual"})
    );
    let res = d
        .app
        .get(&format!(
            "/api/v1/questionnaires/{}/dictionary?format=csv&lang=es",
            d.questionnaire
        ))
        .send()
        .await;
    let rows = csv_records(&res);
    assert_eq!(rows[0][0], "code");
    let b3 = rows.iter().find(|r| r[0] == "B.3").unwrap();
    assert_eq!(b3[10], "annual=Anual;multiannual=Plurianual");
    let res = d
        .app
        .get(&format!(
            "/api/v1/questionnaires/{}/dictionary?format=csv&lang=all",
            d.questionnaire
        ))
        .send()
        .await;
    let rows = csv_records(&res);
    assert_eq!(
        rows[0][5..9],
        ["prompt_en", "prompt_es", "prompt_fr", "prompt_pt"]
    );
    let b3 = rows.iter().find(|r| r[0] == "B.3").unwrap();
    assert_eq!(b3[14], "annual=Anual;multiannual=Plurianual", "options_es");
    let all = d
        .app
        .get(&format!(
            "/api/v1/questionnaires/{}/dictionary?lang=all",
            d.questionnaire
        ))
        .send()
        .await
        .json();
    assert_eq!(all["language"], "all");
    let b3 = all["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "B.3")
        .unwrap();
    assert_eq!(b3["options"][1]["label"]["es"], "Plurianual");
    d.app
        .get("/api/v1/questionnaires/999/dictionary")
        .send()
        .await
        .assert_problem(404, "not-found");
}

/// A submitted response of `country` with four answers (B.3 = "annual"), written directly:
/// the exports' tests need many, faster than the API makes them.
fn insert_response(app: &TestApp, round: i64, questionnaire: i64, country: &str) {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use mecigep::db::schema::{answers as a, responses as r};
        let now = mecigep::time::now();
        let id: i64 = diesel::insert_into(r::table)
            .values((
                r::questionnaire_id.eq(questionnaire),
                r::round_id.eq(round),
                r::country.eq(country),
                r::status.eq("submitted"),
                r::submitted_at.eq(Some(now)),
                r::created_at.eq(now),
                r::updated_at.eq(now),
            ))
            .returning(r::id)
            .get_result(conn)
            .unwrap();
        for (code, value) in [
            ("A.1", "\"Office\""),
            ("A.3", "7"),
            ("B.1", "true"),
            ("B.3", "\"annual\""),
        ] {
            diesel::insert_into(a::table)
                .values((
                    a::response_id.eq(id),
                    a::question_code.eq(code),
                    a::value.eq(value),
                    a::updated_at.eq(now),
                ))
                .execute(conn)
                .unwrap();
        }
    });
}

/// The codes of every active member state.
async fn active_countries(app: &TestApp) -> Vec<String> {
    app.get("/api/v1/countries?limit=100&membership=active")
        .send()
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_large_export_streams_in_batches() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let all = active_countries(&app).await;
    let codes: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut expected = 0;
    for n in 1..=3 {
        let (round, q) = app.open_round(&admin, n, &codes).await;
        let (round, q) = (round["id"].as_i64().unwrap(), q["id"].as_i64().unwrap());
        for c in &codes {
            insert_response(&app, round, q, c);
        }
        expected += codes.len() * 4;
    }
    let res = app.get("/api/v1/exports/answers").auth(&admin).send().await;
    assert!(res.streamed, "chunked, not buffered");
    assert!(res.header("content-length").is_none());
    let rows = csv_records(&res);
    assert_eq!(
        rows.len() - 1,
        expected,
        "{} responses: batches of at most 25",
        codes.len() * 3
    );
    let responses: std::collections::HashSet<&str> =
        rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(responses.len(), codes.len() * 3, "each response once");
}

/// Responses of twelve questionnaires, in an order that makes the export drop versions it
/// keeps and read them again: every row still names its version, section and labels.
#[actix_web::test]
async fn answers_of_many_questionnaires_keep_their_labels() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let all = active_countries(&app).await;
    let mut rounds = Vec::new();
    for n in 1..=12 {
        let (round, q) = app.open_round(&admin, n, &["ARG", "BRA"]).await;
        rounds.push((round["id"].as_i64().unwrap(), q["id"].as_i64().unwrap()));
    }
    // Batches hold 25 responses: three questionnaires, then the nine others, then the first
    // three again.
    let mut made = 0;
    for (first, questionnaires) in [(0, &rounds[..3]), (0, &rounds[3..]), (9, &rounds[..3])] {
        let countries = if questionnaires.len() == 3 { 9 } else { 3 };
        for (round, q) in questionnaires {
            for c in &all[first..first + countries] {
                insert_response(&app, *round, *q, c);
                made += 1;
            }
        }
    }
    let res = app
        .get("/api/v1/exports/answers?lang=es")
        .auth(&admin)
        .send()
        .await;
    let rows = csv_records(&res);
    assert_eq!(rows.len() - 1, made * 4);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (question, section, version, label) = (
        col("question"),
        col("section"),
        col("questionnaire_version"),
        col("value_label"),
    );
    for r in &rows[1..] {
        assert_eq!(r[version], "1", "{r:?}");
        assert_eq!(r[section], &r[question][..1], "{r:?}");
        if r[question] == "B.3" {
            assert_eq!(r[label], "Anual", "{r:?}");
        }
    }
    let questionnaires: std::collections::HashSet<&str> = rows[1..]
        .iter()
        .map(|r| r[col("questionnaire")].as_str())
        .collect();
    assert_eq!(questionnaires.len(), 12);
}

#[actix_web::test]
async fn experiences_recommendations_and_progress() {
    let app = TestApp::new().await;
    app.with_conn(|conn| mecigep::demo::load(conn, &mecigep::files::Storage::Database).unwrap());
    let res = app
        .get("/api/v1/exports/experiences?country=CHL&lang=es")
        .send()
        .await;
    assert!(res.streamed);
    let rows = csv_records(&res);
    assert_eq!(rows[0][..4], ["id", "country", "thematic_area", "language"]);
    let listed = app
        .get("/api/v1/experiences?country=CHL&limit=100")
        .send()
        .await
        .json();
    assert_eq!(
        rows.len() - 1,
        listed["data"].as_array().unwrap().len(),
        "same filters and visibility as the list"
    );
    assert!(rows[1..]
        .iter()
        .all(|r| r[1] == "CHL" && r[4] == "published"));
    let budget = rows.iter().find(|r| r[2] == "public-budget").unwrap();
    assert!(
        budget[9].contains("Dirección de Presupuestos (DIPRES)"),
        "institutions flattened: {}",
        budget[9]
    );
    assert!(
        budget[11].starts_with("decree: Ley Orgánica"),
        "{}",
        budget[11]
    );
    assert_eq!(budget[13], "en;es");
    // Anonymous never gets drafts, whatever the filter.
    app.get("/api/v1/exports/experiences?status=draft")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let lines = ndjson(
        &app.get("/api/v1/exports/experiences?q=transparencia&format=ndjson")
            .send()
            .await,
    );
    assert!(!lines.is_empty());

    let rows = csv_records(
        &app.get("/api/v1/exports/recommendations?round=1")
            .send()
            .await,
    );
    assert_eq!(rows.len() - 1, 24, "8 country reports × 3");
    assert_eq!(rows[0][9], "status");
    assert!(rows
        .iter()
        .any(|r| r[9] == "implemented" && r[13].starts_with("https://")));

    let admin = app.secretariat();
    let rows = csv_records(
        &app.get("/api/v1/exports/progress?round=2")
            .auth(&admin)
            .send()
            .await,
    );
    assert_eq!(rows.len() - 1, 16, "one row per participant");
    app.get("/api/v1/exports/progress")
        .auth(&admin)
        .send()
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/exports/progress?round=2")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let mine = csv_records(
        &app.get("/api/v1/exports/progress?round=2")
            .auth(&app.member("ARG"))
            .send()
            .await,
    );
    assert_eq!(mine.len(), 2, "a focal point's own row");
}
