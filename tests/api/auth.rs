use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, Header};
use mecigep::auth::jwt::{JwtKeys, AUDIENCE, ISSUER};
use mecigep::state::{AppSettings, AuthSettings};
use serde_json::{json, Value};

use crate::util::{TestApp, PASSWORD};

#[actix_web::test]
async fn login_gives_tokens_that_open_me() {
    let app = TestApp::new().await;
    let member = app.member("ARG");
    let res = app.login(&member.email.to_uppercase(), PASSWORD).await;
    assert_eq!(res.status, 200, "{:?}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let t = res.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 900);
    assert!(t["refresh_token"].as_str().unwrap().len() >= 40);
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3, "a JWT");

    let me = app.get("/api/v1/me").bearer(access).send().await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["id"], member.id);
    assert_eq!(me["role"], "member_country");
    assert_eq!(me["country"], "ARG");
    assert_eq!(me["client_id"], Value::Null);
    assert!(me.get("password_hash").is_none() && me.get("password").is_none());

    let rows = app.audit_rows("auth.login");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(member.id));
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_answer_alike() {
    let app = TestApp::new().await;
    let member = app.member("BRA");
    let wrong = app.login(&member.email, "not the password at all").await;
    let unknown = app.login("nobody@example.org", PASSWORD).await;
    for res in [&wrong, &unknown] {
        res.assert_problem(401, "unauthorized");
        assert!(res
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer"));
    }
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
    assert_eq!(app.audit_rows("auth.login_failed").len(), 2);
}

#[actix_web::test]
async fn malformed_logins_are_4xx_problems() {
    let app = TestApp::new().await;
    let res = app
        .post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await;
    res.assert_problem(400, "malformed-json");
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@example.org"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@example.org", "password": "x", "role": "secretariat"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), ["role"]);
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@example.org", "password": 12}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "x".repeat(300), "password": "p".repeat(300)}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "password"]);
    let res = app
        .post("/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await;
    res.assert_problem(415, "unsupported-media-type");
}

#[actix_web::test]
async fn refresh_rotates_and_a_replay_ends_every_session_at_once() {
    let app = TestApp::new().await;
    let member = app.member("CHL");
    let elsewhere = app.login(&member.email, PASSWORD).await.json();
    let first = app.login(&member.email, PASSWORD).await.json();
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let second = res.json();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let me = app
        .get("/api/v1/me")
        .bearer(second["access_token"].as_str().unwrap())
        .send()
        .await;
    assert_eq!(me.status, 200);

    // Replaying r1 (stolen?) revokes the whole session, r2 included.
    let replay = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .send()
        .await;
    replay.assert_problem(401, "unauthorized");
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r2}))
        .send()
        .await;
    res.assert_problem(401, "unauthorized");
    assert_eq!(app.audit_rows("auth.refresh").len(), 1);
    assert_eq!(app.audit_rows("auth.refresh_reuse").len(), 1);
    // The access tokens already issued stop at once, this session's and the others'.
    for access in [&second["access_token"], &elsewhere["access_token"]] {
        let me = app
            .get("/api/v1/me")
            .bearer(access.as_str().unwrap())
            .send()
            .await;
        me.assert_problem(401, "unauthorized");
    }
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": elsewhere["refresh_token"]}))
        .send()
        .await;
    res.assert_problem(401, "unauthorized");

    // Logging in again starts a session that works.
    let other = app.login(&member.email, PASSWORD).await.json();
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": other["refresh_token"]}))
        .send()
        .await;
    assert_eq!(res.status, 200);

    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": "garbage"}))
        .send()
        .await;
    res.assert_problem(401, "unauthorized");
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"token": "x"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::new().await;
    let member = app.member("URY");
    let t = app.login(&member.email, PASSWORD).await.json();
    let res = app
        .post("/api/v1/auth/logout")
        .json(&json!({"refresh_token": t["refresh_token"]}))
        .send()
        .await;
    assert_eq!(res.status, 204);
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": t["refresh_token"]}))
        .send()
        .await;
    res.assert_problem(401, "unauthorized");
    let res = app
        .post("/api/v1/auth/logout")
        .json(&json!({"refresh_token": "unknown"}))
        .send()
        .await;
    assert_eq!(res.status, 204, "idempotent");
    assert_eq!(app.audit_rows("auth.logout").len(), 1);
}

#[actix_web::test]
async fn deactivated_user_loses_login_refresh_and_tokens_at_once() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("PER");
    let t = app.login(&member.email, PASSWORD).await.json();
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/v1/me").bearer(&access).send().await.status,
        200
    );

    let res = app
        .delete(&format!("/api/v1/users/{}", member.id))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);

    app.get("/api/v1/me")
        .bearer(&access)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.get("/api/v1/me")
        .auth(&member)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.login(&member.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": t["refresh_token"]}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_new_role_or_country_ends_existing_tokens() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let expert = app.expert("COL");
    assert_eq!(app.get("/api/v1/me").auth(&expert).send().await.status, 200);
    let res = app
        .patch(&format!("/api/v1/users/{}", expert.id))
        .auth(&admin)
        .json(&json!({"country": "ECU"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["country"], "ECU");
    app.get("/api/v1/me")
        .auth(&expert)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    let t = app.login(&expert.email, PASSWORD).await.json();
    let me = app
        .get("/api/v1/me")
        .bearer(t["access_token"].as_str().unwrap())
        .send()
        .await
        .json();
    assert_eq!(me["country"], "ECU");
}

async fn new_client(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .post("/api/v1/me/clients")
        .bearer(token)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert!(res
        .header("location")
        .unwrap()
        .starts_with("/api/v1/me/clients/"));
    res.json()
}

#[actix_web::test]
async fn client_credentials_in_basic_form_and_json_act_as_the_owner() {
    let app = TestApp::new().await;
    let member = app.member("MEX");
    let c = new_client(
        &app,
        &member.token,
        json!({"name": "Planning ministry hub"}),
    )
    .await;
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    assert!(id.starts_with("mc_"));
    assert_eq!(c["owner"], member.id);

    let listed = app
        .get("/api/v1/me/clients")
        .auth(&member)
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(
        listed["data"][0].get("client_secret").is_none(),
        "the secret is shown once"
    );
    assert_eq!(listed["data"][0]["last_used_at"], Value::Null);

    let basic = STANDARD.encode(format!("{id}:{secret}"));
    let by_basic = app
        .post("/api/v1/auth/token")
        .header("authorization", &format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await;
    assert_eq!(
        by_basic.status,
        200,
        "{}",
        String::from_utf8_lossy(&by_basic.body)
    );
    let by_form = app
        .post("/api/v1/auth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}"
        ))
        .send()
        .await;
    let by_json = app
        .post("/api/v1/auth/token")
        .json(
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .send()
        .await;
    for res in [&by_basic, &by_form, &by_json] {
        assert_eq!(res.status, 200);
        let t = res.json();
        assert_eq!(t["token_type"], "Bearer");
        assert!(t.get("refresh_token").is_none());
        let me = app
            .get("/api/v1/me")
            .bearer(t["access_token"].as_str().unwrap())
            .send()
            .await
            .json();
        assert_eq!(me["id"], member.id);
        assert_eq!(me["role"], "member_country");
        assert_eq!(me["country"], "MEX");
        assert_eq!(me["client_id"], id);
    }
    let listed = app
        .get("/api/v1/me/clients")
        .auth(&member)
        .send()
        .await
        .json();
    assert!(listed["data"][0]["last_used_at"].is_string());
    assert_eq!(app.audit_rows("auth.token").len(), 3);
    assert_eq!(app.audit_rows("client.create").len(), 1);
}

#[actix_web::test]
async fn revoked_and_expired_clients_get_invalid_client() {
    let app = TestApp::new().await;
    let member = app.member("PAN");
    let c = new_client(&app, &member.token, json!({"name": "hub"})).await;
    let body = json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]});
    let t = app
        .post("/api/v1/auth/token")
        .json(&body)
        .send()
        .await
        .json();
    let access = t["access_token"].as_str().unwrap().to_owned();

    let res = app
        .delete(&format!("/api/v1/me/clients/{}", c["id"]))
        .auth(&member)
        .send()
        .await;
    assert_eq!(res.status, 204);
    let res = app.post("/api/v1/auth/token").json(&body).send().await;
    let p = res.assert_problem(401, "invalid-client");
    assert_eq!(p["error"], "invalid_client");
    app.get("/api/v1/me")
        .bearer(&access)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(app.audit_rows("client.revoke").len(), 1);

    let c2 = new_client(
        &app,
        &member.token,
        json!({"name": "short-lived", "expires_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    let body2 = json!({"grant_type": "client_credentials", "client_id": c2["client_id"], "client_secret": c2["client_secret"]});
    assert_eq!(
        app.post("/api/v1/auth/token")
            .json(&body2)
            .send()
            .await
            .status,
        200
    );
    app.with_conn(|conn| {
        use mecigep::db::schema::machine_clients as m;
        diesel::update(m::table.filter(m::client_id.eq(c2["client_id"].as_str().unwrap())))
            .set(m::expires_at.eq(Some(mecigep::time::now() - chrono::Duration::seconds(1))))
            .execute(conn)
            .unwrap();
    });
    let res = app.post("/api/v1/auth/token").json(&body2).send().await;
    assert_eq!(
        res.assert_problem(401, "invalid-client")["error"],
        "invalid_client"
    );

    // Another focal point cannot revoke it: it is not theirs to see.
    let other = app.member("PAN");
    let res = app
        .delete(&format!("/api/v1/me/clients/{}", c2["id"]))
        .auth(&other)
        .send()
        .await;
    res.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn token_endpoint_refuses_bad_requests_with_oauth_codes() {
    let app = TestApp::new().await;
    let member = app.member("GTM");
    let c = new_client(&app, &member.token, json!({"name": "hub"})).await;
    let cases = [
        (
            json!({"grant_type": "password", "client_id": c["client_id"], "client_secret": c["client_secret"]}),
            400,
            "unsupported_grant_type",
        ),
        (
            json!({"client_id": c["client_id"], "client_secret": c["client_secret"]}),
            400,
            "invalid_request",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": "wrong"}),
            401,
            "invalid_client",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": "mc_nope", "client_secret": "x"}),
            401,
            "invalid_client",
        ),
        (
            json!({"grant_type": "client_credentials"}),
            401,
            "invalid_client",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": "x".repeat(5000), "client_secret": "y"}),
            401,
            "invalid_client",
        ),
    ];
    for (body, status, error) in cases {
        let res = app.post("/api/v1/auth/token").json(&body).send().await;
        assert_eq!(res.status.as_u16(), status, "{body}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert_eq!(res.json()["error"], error, "{body}");
    }
    let res = app
        .post("/api/v1/auth/token")
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await;
    res.assert_problem(415, "unsupported-media-type");
    let res = app
        .post("/api/v1/auth/token")
        .header("authorization", "Basic !!!notbase64")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await;
    assert_eq!(
        res.assert_problem(401, "invalid-client")["error"],
        "invalid_client"
    );
    let res = app
        .post("/api/v1/auth/token")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await;
    assert_eq!(
        res.assert_problem(400, "invalid-request")["error"],
        "invalid_request"
    );
}

#[actix_web::test]
async fn experts_may_not_hold_clients_and_clients_may_not_create_clients() {
    let app = TestApp::new().await;
    let expert = app.expert("ARG");
    app.post("/api/v1/me/clients")
        .auth(&expert)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/me/clients")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .assert_problem(401, "authentication-required");

    let member = app.member("ARG");
    let c = new_client(&app, &member.token, json!({"name": "hub"})).await;
    let t = app
        .post("/api/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]}))
        .send()
        .await
        .json();
    app.post("/api/v1/me/clients")
        .bearer(t["access_token"].as_str().unwrap())
        .json(&json!({"name": "child"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .post("/api/v1/me/clients")
        .auth(&member)
        .json(&json!({"name": "", "expires_at": "2001-01-01T00:00:00Z"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["expires_at", "name"]);
}

#[actix_web::test]
async fn secretariat_manages_any_users_clients() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("JAM");
    let res = app
        .post(&format!("/api/v1/users/{}/clients", member.id))
        .auth(&admin)
        .json(&json!({"name": "set up for Jamaica"}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let c = res.json();
    assert_eq!(c["owner"], member.id);
    let mine = app
        .get("/api/v1/me/clients")
        .auth(&member)
        .send()
        .await
        .json();
    assert_eq!(mine["data"][0]["client_id"], c["client_id"]);
    let listed = app
        .get(&format!("/api/v1/users/{}/clients", member.id))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let res = app
        .delete(&format!("/api/v1/users/{}/clients/{}", member.id, c["id"]))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    let other = app.member("JAM");
    app.get(&format!("/api/v1/users/{}/clients", member.id))
        .auth(&other)
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/users/999999/clients")
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

#[actix_web::test]
async fn twelve_bad_tokens_are_each_refused() {
    let app = TestApp::new().await;
    let member = app.member("BOL");
    let now = jsonwebtoken::get_current_timestamp();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = json!({
            "sub": member.id.to_string(), "role": "member_country", "country": "BOL",
            "iat": now, "nbf": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE,
            "jti": "t", "ver": 0
        });
        f(&mut c);
        c
    };
    let keys = &app.state.auth.keys;
    let hs256 = Header::new(Algorithm::HS256);
    let other_key = JwtKeys::new(b"another key that is long enough for hs256!", 900);
    let sign = |c: &Value| keys.sign_raw(&hs256, c);
    let valid = sign(&claims(&|_| {}));
    assert_eq!(
        app.get("/api/v1/me").bearer(&valid).send().await.status,
        200,
        "the control token works"
    );

    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&|_| {}))
    );
    let parts: Vec<&str> = valid.split('.').collect();
    let rs256 = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "RS256", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    let refresh = app.login(&member.email, PASSWORD).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = app.member("BOL");
    app.with_conn(|conn| {
        use mecigep::db::schema::users as u;
        diesel::update(u::table.find(gone.id))
            .set(u::active.eq(false))
            .execute(conn)
            .unwrap();
    });

    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned),
        (
            "HS256 with another key",
            other_key.sign_raw(&hs256, &claims(&|_| {})),
        ),
        ("RS256 header", rs256),
        (
            "expired",
            sign(&claims(&|c| {
                c["exp"] = json!(now - 120);
                c["iat"] = json!(now - 1000);
                c["nbf"] = json!(now - 1000);
            })),
        ),
        (
            "nbf in the future",
            sign(&claims(&|c| c["nbf"] = json!(now + 600))),
        ),
        (
            "wrong aud",
            sign(&claims(&|c| c["aud"] = json!("someone-else"))),
        ),
        ("wrong iss", sign(&claims(&|c| c["iss"] = json!("evil")))),
        (
            "missing exp",
            sign(&claims(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            })),
        ),
        ("garbage", "not.a.jwt".into()),
        ("empty bearer", String::new()),
        ("refresh token as access token", refresh),
        ("token of a deleted user", gone.token.clone()),
    ];
    assert_eq!(cases.len(), 12);
    for (name, token) in cases {
        let res = app
            .get("/api/v1/me")
            .header("authorization", &format!("Bearer {token}"))
            .send()
            .await;
        assert_eq!(res.status, 401, "{name}");
        assert_eq!(
            res.header("content-type"),
            Some("application/problem+json"),
            "{name}"
        );
        assert!(
            res.header("www-authenticate")
                .unwrap()
                .contains("error=\"invalid_token\""),
            "{name}"
        );
    }
    let res = app
        .get("/api/v1/me")
        .header("authorization", "Basic abc")
        .send()
        .await;
    res.assert_problem(401, "unauthorized");
    let res = app.get("/api/v1/me").send().await;
    res.assert_problem(401, "authentication-required");
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer realm=\"mecigep\"")
    );
}

#[actix_web::test]
async fn failed_logins_are_throttled_per_account_and_per_address() {
    let app = TestApp::with_settings(AppSettings {
        auth: AuthSettings {
            login_attempts_per_account: 3,
            login_attempts_per_address: 5,
            ..AuthSettings::default()
        },
        ..AppSettings::default()
    })
    .await;
    let member = app.member("HND");
    for _ in 0..3 {
        app.login(&member.email, "wrong password!!")
            .await
            .assert_problem(401, "unauthorized");
    }
    let res = app.login(&member.email, PASSWORD).await;
    res.assert_problem(429, "too-many-requests");
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1);

    // The address budget (5) is now nearly spent by that account; other accounts hit it too.
    let other = app.member("HND");
    assert_eq!(app.login(&other.email, PASSWORD).await.status, 200);
    let res = app.login(&other.email, PASSWORD).await;
    res.assert_problem(429, "too-many-requests");

    // A different address is not held back by them.
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": other.email, "password": PASSWORD}))
        .send_from("10.1.2.3:5555")
        .await;
    assert_eq!(res.status, 200);
}

#[actix_web::test]
async fn bootstrap_creates_the_first_secretariat_once() {
    let app = TestApp::new().await;
    let created = app.with_conn(|conn| {
        conn.transaction(|conn| {
            diesel::delete(mecigep::db::schema::users::table)
                .execute(conn)
                .map_err(mecigep::error::ApiError::from)?;
            mecigep::users::bootstrap_admin(conn, "Chief@Example.org", None)
        })
        .unwrap()
    });
    let (email, generated) = created.expect("created");
    assert_eq!(email, "chief@example.org");
    let pw = generated.expect("a generated password");
    assert!(pw.len() >= 20);
    let again = app.with_conn(|conn| {
        mecigep::users::bootstrap_admin(conn, "other@example.org", Some("another long password"))
            .unwrap()
    });
    assert!(again.is_none(), "only when there are no users");
    let t = app.login("chief@example.org", &pw).await;
    assert_eq!(t.status, 200);
    let me = app
        .get("/api/v1/me")
        .bearer(t.json()["access_token"].as_str().unwrap())
        .send()
        .await
        .json();
    assert_eq!(me["role"], "secretariat");
    assert_eq!(me["country"], Value::Null);
}

#[actix_web::test]
async fn an_accounts_failed_logins_count_on_every_instance() {
    let settings = || AppSettings {
        auth: AuthSettings {
            login_attempts_per_account: 3,
            ..AuthSettings::default()
        },
        ..AppSettings::default()
    };
    let app = TestApp::with_settings(settings()).await;
    // A second instance: the same database, its own memory.
    let other = crate::util::service(app.pool.clone(), settings()).await;
    let member = app.member("HND");
    for _ in 0..3 {
        app.login(&member.email, "wrong password!!")
            .await
            .assert_problem(401, "unauthorized");
    }
    let res = crate::util::Req::on(&other, actix_web::http::Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": member.email, "password": PASSWORD}))
        .send()
        .await;
    let p = res.assert_problem(429, "too-many-requests");
    assert!(p["detail"].as_str().unwrap().contains("this account"));
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (800..=900).contains(&wait),
        "the oldest failure leaves the window: {wait}"
    );
    // Another account is not held back.
    let fresh = app.member("HND");
    let res = crate::util::Req::on(&other, actix_web::http::Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": fresh.email, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status, 200);
}

/// Another instance's change reaches this one's kept account answers within the recheck
/// bound: here it is written to the database behind the server's back, as another process
/// would.
#[actix_web::test]
async fn a_change_made_elsewhere_ends_access_within_the_recheck_bound() {
    let app = TestApp::new().await;
    let member = app.member("URY");
    let expert = app.expert("BRA");
    for user in [&member, &expert] {
        assert_eq!(app.get("/api/v1/me").auth(user).send().await.status, 200);
    }
    let (member_id, expert_id) = (member.id, expert.id);
    app.with_conn(move |conn| {
        use mecigep::db::schema::users;
        diesel::update(users::table.find(member_id))
            .set(users::active.eq(false))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.find(expert_id))
            .set(users::role.eq("member_country"))
            .execute(conn)
            .unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for user in [&member, &expert] {
        app.get("/api/v1/me")
            .auth(user)
            .send()
            .await
            .assert_problem(401, "unauthorized");
    }
}

/// With no recheck interval every request reads the account.
#[actix_web::test]
async fn a_zero_recheck_reads_the_account_on_every_request() {
    let app = TestApp::with_settings(AppSettings {
        auth: AuthSettings {
            recheck: std::time::Duration::ZERO,
            ..AuthSettings::default()
        },
        ..AppSettings::default()
    })
    .await;
    let member = app.member("URY");
    assert_eq!(app.get("/api/v1/me").auth(&member).send().await.status, 200);
    let id = member.id;
    app.with_conn(move |conn| {
        use mecigep::db::schema::users;
        diesel::update(users::table.find(id))
            .set(users::active.eq(false))
            .execute(conn)
            .unwrap();
    });
    app.get("/api/v1/me")
        .auth(&member)
        .send()
        .await
        .assert_problem(401, "unauthorized");
}
