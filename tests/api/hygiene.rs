//! Input hygiene and the contract's loose ends: control characters refused everywhere the same
//! way on both backends, one Authorization header, seeds that do not fit, refs that resolve.

use serde_json::{json, Value};

use crate::util::{round_body, TestApp};

#[actix_web::test]
async fn control_characters_in_paths_and_queries_are_a_400_on_both_backends() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    for path in [
        "/api/v1/countries/a%00b",
        "/api/v1/experiences?q=a%00b",
        "/api/v1/countries?subregion=%1F",
        "/api/v1/rounds/1%0A",
    ] {
        let res = app.get(path).send().await;
        let p = res.assert_problem(400, "invalid-characters");
        assert!(p["request_id"].is_string(), "{path}");
        let res = app.get(path).auth(&admin).send().await;
        res.assert_problem(400, "invalid-characters");
    }
}

#[actix_web::test]
async fn control_characters_in_bodies_are_a_422_naming_every_field() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let login = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a\u{0}b@example.org", "password": "x"}))
        .send()
        .await;
    let p = login.assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "email");

    let mut body = round_body(3);
    body["title"]["es"] = json!("Ronda\u{0}3");
    body["description"] = json!("bell\u{7}");
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    let p = res.assert_problem(422, "validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["description", "title.es"]);
    assert!(p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["code"] == "control_character"));
    let list = app.get("/api/v1/rounds").auth(&admin).send().await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing stored");

    // Tabs and line breaks are text.
    let mut body = round_body(3);
    body["description"] = json!("First line\n\tsecond line\r\n");
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    // Kept as sent, but for the trailing white space every text loses.
    assert_eq!(res.json()["description"], "First line\n\tsecond line");
}

#[actix_web::test]
async fn two_authorization_headers_are_a_400() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("ARG");
    for path in ["/api/v1/me", "/api/v1/countries"] {
        let res = app
            .get(path)
            .auth(&admin)
            .append_header("authorization", &format!("Bearer {}", member.token))
            .send()
            .await;
        res.assert_problem(400, "invalid-header");
    }
}

#[actix_web::test]
async fn a_seed_that_does_not_fit_is_a_422_never_a_random_draw() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA", "CHL"]).await;
    let path = format!("/api/v1/rounds/{}/draws", round["id"]);
    for seed in ["99999999999999999999", "-1", "9007199254740992", "1.5"] {
        let res = app
            .post(&path)
            .auth(&admin)
            .header("content-type", "application/json")
            .body(format!("{{\"seed\": {seed}}}"))
            .send()
            .await;
        let p = res.assert_problem(422, "validation");
        assert_eq!(p["errors"][0]["field"], "seed", "{seed}");
    }
    let res = app
        .post(&path)
        .auth(&admin)
        .header("content-type", "application/json")
        .body("{\"seed\": ")
        .send()
        .await;
    res.assert_problem(400, "invalid-json");
    let res = app
        .post(&path)
        .auth(&admin)
        .json(&json!({"seed": 9007199254740991i64}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["seed"], 9007199254740991i64);
    let res = app.post(&path).auth(&admin).send().await;
    assert_eq!(res.status, 201, "no body: a seed drawn at random");
}

/// Every `$ref` of the committed spec names a schema that exists.
#[test]
fn every_ref_of_the_spec_resolves() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&spec, &mut found);
    assert!(!found.is_empty());
    let missing: Vec<&String> = found
        .iter()
        .filter(|r| {
            let name = r.trim_start_matches("#/components/schemas/");
            spec["components"]["schemas"].get(name).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

/// `HEAD` answers on every GET route as the GET does, without a body.
#[actix_web::test]
async fn head_works_on_every_get_route() {
    use actix_web::http::Method;
    let app = TestApp::new().await;
    let admin = app.secretariat();
    for path in [
        "/health/live",
        "/api/v1/countries",
        "/api/v1/countries/ARG",
        "/api/v1/thematic-areas",
        "/api/v1/rounds",
        "/api/v1/experiences?q=presupuesto",
        "/api/v1/openapi.json",
        "/api/v1/me",
    ] {
        let get = app.get(path).auth(&admin).send().await;
        let head = app.request(Method::HEAD, path).auth(&admin).send().await;
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}: no body");
        for h in ["content-type", "etag", "content-language"] {
            assert_eq!(head.header(h), get.header(h), "{path}: {h}");
        }
    }
    let missing = app
        .request(Method::HEAD, "/api/v1/countries/XYZ")
        .send()
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.is_empty());
    let not_get = app.request(Method::HEAD, "/api/v1/auth/login").send().await;
    assert_eq!(not_get.status, 405);
}
