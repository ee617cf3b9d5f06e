//! Files: uploads typed by their bytes and stored once, downloads with ranges and ETags,
//! visibility through what they are attached to, attachments to every parent, evidence
//! required by questions, the cleaning of unattached uploads, an object store.

use mecigep::files::{FileSettings, Storage};
use mecigep::state::AppSettings;
use serde_json::{json, Value};

use crate::util::{Resp, TestApp, TestUser};

/// A small PDF: what its magic number and structure say.
pub fn pdf(text: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

impl TestApp {
    /// A raw upload of `bytes` named `name`, declared as `ctype`.
    pub async fn upload(&self, who: &TestUser, bytes: &[u8], name: &str, ctype: &str) -> Resp {
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
    pub async fn pdf_file(&self, who: &TestUser, text: &str) -> i64 {
        let res = self
            .upload(who, &pdf(text), &format!("{text}.pdf"), "application/pdf")
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()["id"].as_i64().unwrap()
    }

    pub async fn attach(&self, who: &TestUser, body: Value) -> Resp {
        self.post("/api/v1/attachments")
            .auth(who)
            .json(&body)
            .send()
            .await
    }

    pub async fn download(&self, who: Option<&TestUser>, id: i64) -> Resp {
        let req = self.get(&format!("/api/v1/files/{id}"));
        match who {
            Some(u) => req.auth(u).send().await,
            None => req.send().await,
        }
    }

    pub fn count(&self, table: &str) -> i64 {
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
    pub fn age_uploads(&self) {
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
        .header("range", "pages=1-2")
        .send()
        .await;
    assert_eq!(res.status, 200, "a Range that does not parse is ignored");
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
    // No name, or nothing left of one: named after the type.
    for disposition in [None, Some("attachment; filename=\"../..\"")] {
        let mut req = app
            .post("/api/v1/files")
            .auth(&arg)
            .header("content-type", "application/pdf");
        if let Some(d) = disposition {
            req = req.header("content-disposition", d);
        }
        let res = req.body(pdf("no name")).send().await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["name"], "file.pdf");
    }
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
    let docx = include_bytes!("../../src/files/testdata/minimal.docx");
    let res = app
        .upload(&arg, docx, "informe.docx", "application/octet-stream")
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.json()["media_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
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
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
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

    // An upload whose transaction fails after its content was put: the client is told, no row
    // names the content, and the sweep removes it once an hour has passed.
    let lost = pdf("never recorded");
    let res = app
        .post("/api/v1/files")
        .auth(&arg)
        .header("content-type", "application/pdf")
        .header("content-disposition", "attachment; filename=\"lost.pdf\"")
        .header("x-mecigep-failpoints", "disk-full")
        .body(lost.clone())
        .send()
        .await;
    res.assert_problem(507, "insufficient-storage");
    assert_eq!(app.count("files"), 1, "only the first upload is recorded");
    let lost_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&lost));
    let orphan = dir.path().join("blobs").join(&lost_sha);
    assert!(orphan.exists(), "the put came first");
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
