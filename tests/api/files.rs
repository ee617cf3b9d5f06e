//! Files: uploads typed by their bytes and stored once, downloads with ranges and ETags,
//! visibility through what they are attached to, attachments to every parent, evidence
//! required by questions, the cleaning of unattached uploads, an object store.

use actix_web::http::Method;
use mecigep::files::{FileSettings, Storage};
use mecigep::state::AppSettings;
use serde_json::{json, Value};

use crate::util::{questionnaire_sections, Resp, TestApp, TestUser};

/// A small PDF: what its magic number and structure say.
fn pdf(text: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

impl TestApp {
    /// A raw upload of `bytes` named `name`, declared as `ctype`.
    async fn upload(&self, who: &TestUser, bytes: &[u8], name: &str, ctype: &str) -> Resp {
        self.post("/api/v1/files")
            .auth(who)
            .header("content-type", ctype)
            .header(
                "content-disposition",
                &format!("attachment; filename=\"{name}\""),
            )
            .body(bytes.to_vec())
            .send()
            .await
    }

    /// Uploads a PDF and returns its id.
    async fn pdf_file(&self, who: &TestUser, text: &str) -> i64 {
        let res = self
            .upload(who, &pdf(text), &format!("{text}.pdf"), "application/pdf")
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()["id"].as_i64().unwrap()
    }

    async fn attach(&self, who: &TestUser, body: Value) -> Resp {
        self.post("/api/v1/attachments")
            .auth(who)
            .json(&body)
            .send()
            .await
    }

    async fn download(&self, who: Option<&TestUser>, id: i64) -> Resp {
        let req = self.get(&format!("/api/v1/files/{id}"));
        match who {
            Some(u) => req.auth(u).send().await,
            None => req.send().await,
        }
    }

    fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.with_conn(|conn| {
            let rows: Vec<N> = match conn {
                mecigep::db::DbConn::Pg(c) => {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(c)
                }
                mecigep::db::DbConn::Sqlite(c) => {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(c)
                }
            }
            .expect("count");
            rows[0].n
        })
    }

    /// Makes every upload look older than the day an unattached file is kept, and every blob
    /// older than the hour unnamed content is kept.
    fn age_uploads(&self) {
        use diesel::prelude::*;
        let then = chrono::Utc::now().naive_utc() - chrono::Duration::hours(25);
        self.with_conn(|conn| {
            diesel::update(mecigep::db::schema::files::table)
                .set(mecigep::db::schema::files::created_at.eq(then))
                .execute(conn)
                .expect("age files");
            diesel::update(mecigep::db::schema::blobs::table)
                .set(mecigep::db::schema::blobs::used_at.eq(then))
                .execute(conn)
                .expect("age blobs");
        });
    }
}

fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (field, filename, ctype, bytes) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"; filename=\"{f}\"\r\nContent-Type: {ctype}\r\n\r\n").as_bytes(),
            ),
            None => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes(),
            ),
        }
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

#[actix_web::test]
async fn an_upload_is_typed_by_its_bytes_stored_once_and_downloaded_in_parts() {
    let app = TestApp::new().await;
    let arg = app.member("ARG");
    let law = pdf("Ley 27.275");

    let res = app
        .upload(
            &arg,
            &law,
            "../../leyes/Ley 27.275.pdf",
            "application/octet-stream",
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let f = res.json();
    let id = f["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/files/{id}")
    );
    assert_eq!(f["name"], "Ley 27.275.pdf", "no path is kept");
    assert_eq!(f["media_type"], "application/pdf", "typed by its bytes");
    assert_eq!(f["size"], law.len());
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&law));
    assert_eq!(f["sha256"], sha);
    assert_eq!(f["download"], format!("/api/v1/files/{id}"));
    assert_eq!(f["attached"], false);

    // The same bytes again, as a form with another name: a new file, the content once.
    let boundary = "XyZ42";
    let res = app
        .post("/api/v1/files")
        .auth(&arg)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .body(multipart(
            boundary,
            &[
                ("note", None, "", b"ignored"),
                ("file", Some("C:/docs/copia.pdf"), "application/pdf", &law),
            ],
        ))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let copy = res.json();
    assert_ne!(copy["id"], f["id"]);
    assert_eq!(copy["name"], "copia.pdf", "a Windows path is dropped too");
    assert_eq!(copy["sha256"], sha);
    assert_eq!(app.count("blobs"), 1, "identical content is stored once");
    assert_eq!(app.count("files"), 2);

    // Download: the uploader only while it is attached nowhere.
    let res = app.download(Some(&arg), id).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body.as_ref(), law.as_slice());
    assert_eq!(res.header("etag").unwrap(), format!("\"{sha}\""));
    assert_eq!(res.header("content-type"), Some("application/pdf"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("accept-ranges"), Some("bytes"));
    let cd = res.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment") && cd.contains("Ley 27.275.pdf"),
        "{cd}"
    );
    app.download(Some(&app.member("BRA")), id)
        .await
        .assert_problem(404, "not-found");
    app.download(Some(&app.secretariat()), id)
        .await
        .assert_problem(404, "not-found");
    app.download(None, id)
        .await
        .assert_problem(404, "not-found");

    // Conditional and partial reads.
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("if-none-match", &format!("\"{sha}\""))
        .send()
        .await;
    assert_eq!(res.status, 304);
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("range", "bytes=0-3")
        .send()
        .await;
    assert_eq!(res.status, 206);
    assert_eq!(res.body.as_ref(), b"%PDF");
    assert_eq!(
        res.header("content-range").unwrap(),
        format!("bytes 0-3/{}", law.len())
    );
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("range", "bytes=-5")
        .send()
        .await;
    assert_eq!(res.status, 206);
    assert_eq!(res.body.as_ref(), &law[law.len() - 5..]);
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("range", "bytes=0-3")
        .header("if-range", "\"another\"")
        .send()
        .await;
    assert_eq!(res.status, 200, "a stale If-Range gets the whole file");
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("range", "bytes=100000-")
        .send()
        .await;
    res.assert_problem(416, "range-not-satisfiable");
    assert_eq!(
        res.header("content-range").unwrap(),
        format!("bytes */{}", law.len())
    );

    // The uploader's list.
    let list = app.get("/api/v1/files").auth(&arg).send().await.json();
    let ids: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![copy["id"].as_i64().unwrap(), id], "newest first");
    let other = app
        .get("/api/v1/files")
        .auth(&app.member("BRA"))
        .send()
        .await
        .json();
    assert_eq!(other["data"], json!([]));
    app.get("/api/v1/files")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    assert_eq!(app.audit_rows("file.upload").len(), 2);
}

#[actix_web::test]
async fn bad_uploads_are_refused_and_leave_nothing_stored() {
    let settings = AppSettings {
        files: FileSettings {
            limit: 4096,
            storage: Storage::Database,
        },
        ..AppSettings::default()
    };
    let app = TestApp::with_settings(settings).await;
    let arg = app.member("ARG");

    app.post("/api/v1/files")
        .header("content-type", "application/pdf")
        .header("content-disposition", "attachment; filename=\"a.pdf\"")
        .body(pdf("x"))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let res = app.upload(&arg, b"", "empty.pdf", "application/pdf").await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["file"]);
    app.upload(
        &arg,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        "setup.exe",
        "application/octet-stream",
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    let p = app
        .upload(&arg, &pdf("x"), "photo.png", "image/png")
        .await
        .assert_problem(415, "unsupported-media-type");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("not the declared image/png"),
        "{p}"
    );
    app.upload(&arg, b"a,b\n\x00\x01\x02", "data.csv", "text/csv")
        .await
        .assert_problem(415, "unsupported-media-type");
    let res = app
        .post("/api/v1/files")
        .auth(&arg)
        .header("content-type", "application/pdf")
        .body(pdf("no name"))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), vec!["name"]);
    app.upload(&arg, &pdf("x"), "../..", "application/pdf")
        .await
        .assert_problem(422, "validation");
    // Control characters in an encoded name are dropped.
    let res = app
        .post("/api/v1/files")
        .auth(&arg)
        .header("content-type", "application/pdf")
        .header(
            "content-disposition",
            "attachment; filename*=UTF-8''informe%07%0A%20final.pdf",
        )
        .body(pdf("named"))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["name"], "informe final.pdf");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::delete(mecigep::db::schema::files::table)
            .execute(conn)
            .unwrap();
        diesel::delete(mecigep::db::schema::blobs::table)
            .execute(conn)
            .unwrap();
    });

    // Over the limit: refused from the declared length, or while streaming without one.
    let big = vec![b'a'; 5000];
    app.upload(&arg, &big, "big.txt", "text/plain")
        .await
        .assert_problem(413, "payload-too-large");
    app.post("/api/v1/files")
        .auth(&arg)
        .header("content-type", "text/plain")
        .header("content-disposition", "attachment; filename=\"big.txt\"")
        .body(big.clone())
        .send_chunked()
        .await
        .assert_problem(413, "payload-too-large");
    // A declared length the body does not reach: cut short.
    app.post("/api/v1/files")
        .auth(&arg)
        .header("content-type", "text/plain")
        .header("content-disposition", "attachment; filename=\"short.txt\"")
        .body(b"only a few bytes".to_vec())
        .header("content-length", "3000")
        .send()
        .await
        .assert_problem(400, "incomplete-body");
    // Forms: no file part; two files; a form cut before its end.
    let b = "bnd";
    app.post("/api/v1/files")
        .auth(&arg)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={b}"),
        )
        .body(multipart(b, &[("note", None, "", b"hello")]))
        .send()
        .await
        .assert_problem(422, "validation");
    let two: &[(&str, Option<&str>, &str, &[u8])] = &[
        ("file", Some("a.txt"), "text/plain", b"one"),
        ("file", Some("b.txt"), "text/plain", b"two"),
    ];
    app.post("/api/v1/files")
        .auth(&arg)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={b}"),
        )
        .body(multipart(b, two))
        .send()
        .await
        .assert_problem(422, "validation");
    let mut cut = multipart(
        b,
        &[("file", Some("a.pdf"), "application/pdf", &pdf("cut"))],
    );
    cut.truncate(cut.len() - 12);
    app.post("/api/v1/files")
        .auth(&arg)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={b}"),
        )
        .body(cut)
        .send()
        .await
        .assert_problem(400, "incomplete-body");
    assert_eq!(app.count("files"), 0, "nothing half-stored");
    assert_eq!(app.count("blobs"), 0);
    assert_eq!(app.count("blob_chunks"), 0);

    // Text is kept as CSV or plain text; an image by its bytes.
    let res = app
        .upload(
            &arg,
            "año,monto\n2025,10\n".as_bytes(),
            "presupuesto.csv",
            "text/csv",
        )
        .await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["media_type"], "text/csv");
    let res = app.upload(&arg, PNG, "logo.png", "image/png").await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["media_type"], "image/png");
}

#[actix_web::test]
async fn a_retried_upload_gets_its_first_answer_and_concurrent_ones_share_the_content() {
    let app = TestApp::new().await;
    let arg = app.member("ARG");
    let send = |bytes: Vec<u8>, key: &'static str| {
        app.post("/api/v1/files")
            .auth(&arg)
            .header("content-type", "application/pdf")
            .header(
                "content-disposition",
                "attachment; filename=\"decreto.pdf\"",
            )
            .header("idempotency-key", key)
            .body(bytes)
            .send()
    };
    let first = send(pdf("decreto"), "upload-1").await;
    assert_eq!(first.status, 201);
    let again = send(pdf("decreto"), "upload-1").await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    send(pdf("another decree"), "upload-1")
        .await
        .assert_problem(422, "validation");
    assert_eq!(app.count("files"), 1);

    let (a, b) =
        futures_util::future::join(send(pdf("same"), "upload-a"), send(pdf("same"), "upload-b"))
            .await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    assert_eq!(a.json()["sha256"], b.json()["sha256"]);
    assert_eq!(
        app.count("blobs"),
        2,
        "the shared content once, beside the first"
    );
}

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
async fn unattached_uploads_go_after_a_day_and_their_content_with_them() {
    let app = TestApp::new().await;
    let arg = app.member("ARG");
    let kept = app.pdf_file(&arg, "kept").await;
    let dropped = app.pdf_file(&arg, "dropped").await;
    let res = app
        .post("/api/v1/needs")
        .auth(&arg)
        .json(&json!({"thematic_area": "public-budget", "kind": "training", "title": "Curso", "description": "Capacitación."}))
        .send()
        .await;
    let need = res.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.attach(
            &arg,
            json!({"file": kept, "parent_type": "need", "parent_id": need})
        )
        .await
        .status,
        201
    );
    mecigep::files::clean(&app.pool, &Storage::Database).expect("clean");
    assert_eq!(app.count("files"), 2, "a day has not passed");
    app.age_uploads();
    let (files, blobs) = mecigep::files::clean(&app.pool, &Storage::Database).expect("clean");
    assert_eq!((files, blobs), (1, 1));
    assert_eq!(app.download(Some(&arg), kept).await.status, 200);
    app.download(Some(&arg), dropped)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.count("blobs"), 1);
}

#[actix_web::test]
async fn an_object_store_keeps_the_content_and_sweeps_what_no_file_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", dir.path().display());
    let storage = Storage::from_url(Some(&url)).expect("file store");
    let settings = AppSettings {
        files: FileSettings {
            limit: mecigep::files::DEFAULT_LIMIT,
            storage: storage.clone(),
        },
        ..AppSettings::default()
    };
    let app = TestApp::with_settings(settings).await;
    let arg = app.member("ARG");
    let law = pdf("Ley en el almacén");
    let res = app.upload(&arg, &law, "ley.pdf", "application/pdf").await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let f = res.json();
    let sha = f["sha256"].as_str().unwrap().to_owned();
    assert!(
        dir.path().join("blobs").join(&sha).exists(),
        "the content is in the store"
    );
    assert_eq!(app.count("blob_chunks"), 0, "and not in the database");
    let id = f["id"].as_i64().unwrap();
    let res = app.download(Some(&arg), id).await;
    assert_eq!(res.body.as_ref(), law.as_slice());
    let res = app
        .get(&format!("/api/v1/files/{id}"))
        .auth(&arg)
        .header("range", "bytes=5-7")
        .send()
        .await;
    assert_eq!(res.status, 206);
    assert_eq!(res.body.as_ref(), &law[5..8]);

    // What a failed request left in the store, an hour old, goes; what a file names stays.
    let orphan = dir.path().join("blobs").join("0".repeat(64));
    std::fs::write(&orphan, b"left behind").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&orphan)
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("blobs").join(&sha))
        .unwrap()
        .set_modified(old)
        .unwrap();
    // The jobs clean on a thread of their own, never inside the server's runtime.
    std::thread::scope(|s| {
        s.spawn(|| mecigep::files::clean(&app.pool, &storage))
            .join()
    })
    .expect("cleaning thread")
    .expect("clean");
    assert!(!orphan.exists(), "the orphan is swept");
    assert!(
        dir.path().join("blobs").join(&sha).exists(),
        "named content stays"
    );
}
