use serde_json::{json, Value};

use crate::util::{TestApp, PASSWORD};

#[actix_web::test]
async fn secretariat_creates_reads_lists_and_changes_users() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .post("/api/v1/users")
        .auth(&admin)
        .header("x-action-notes", "appointed by note verbale 123")
        .json(&json!({
            "email": " Focal.Point@Example.GOV ", "display_name": "María Pérez",
            "role": "member_country", "country": "arg", "password": "a long enough password"
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let u = res.json();
    assert_eq!(u["email"], "focal.point@example.gov");
    assert_eq!(u["country"], "ARG");
    assert_eq!(u["active"], true);
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let id = u["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/users/{id}")
    );
    let etag = res.header("etag").unwrap().to_owned();

    let got = app
        .get(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    let res = app
        .get(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 304);

    assert_eq!(
        app.login("FOCAL.point@example.gov", "a long enough password")
            .await
            .status,
        200
    );

    let res = app
        .patch(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"display_name": "María P. Pérez"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["display_name"], "María P. Pérez");
    let res = app
        .patch(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"display_name": "Stale write"}))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");
    let now = app
        .get(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .send()
        .await
        .json();
    assert_eq!(
        now["display_name"], "María P. Pérez",
        "the stale write changed nothing"
    );

    let res = app
        .patch(&format!("/api/v1/users/{id}"))
        .auth(&admin)
        .json(&json!({"role": "secretariat", "country": null}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["role"], "secretariat");
    assert_eq!(res.json()["country"], Value::Null);

    let rows = app.audit_rows("user.create");
    let row = rows.iter().find(|r| r.1 == id.to_string()).unwrap();
    assert_eq!(row.0, Some(admin.id));
    assert_eq!(row.3.as_deref(), Some("appointed by note verbale 123"));
    let updates = app.audit_rows("user.update");
    assert_eq!(updates.len(), 2);
    let summary: Value = serde_json::from_str(&updates[1].2).unwrap();
    assert_eq!(summary["role"]["from"], "member_country");
    assert_eq!(summary["role"]["to"], "secretariat");
}

#[actix_web::test]
async fn new_user_validation_lists_every_problem() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .post("/api/v1/users")
        .auth(&admin)
        .json(&json!({"email": "not an email", "display_name": "", "role": "king", "country": "XYZ", "password": "short"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["country", "display_name", "email", "password", "role"]
    );

    for (body, field) in [
        (
            json!({"email": "a@example.org", "display_name": "A", "role": "member_country", "password": PASSWORD}),
            "country",
        ),
        (
            json!({"email": "a@example.org", "display_name": "A", "role": "expert", "password": PASSWORD}),
            "country",
        ),
        (
            json!({"email": "a@example.org", "display_name": "A", "role": "secretariat", "country": "ARG", "password": PASSWORD}),
            "country",
        ),
        (
            json!({"email": "a@example.org", "display_name": "x".repeat(201), "role": "secretariat", "password": PASSWORD}),
            "display_name",
        ),
        (
            json!({"email": "a@example.org", "display_name": "A", "role": "secretariat", "password": PASSWORD, "active": false}),
            "active",
        ),
    ] {
        let res = app
            .post("/api/v1/users")
            .auth(&admin)
            .json(&body)
            .send()
            .await;
        res.assert_problem(422, "validation");
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    let res = app
        .post("/api/v1/users")
        .auth(&admin)
        .json(&json!({"email": admin.email.to_uppercase(), "display_name": "A", "role": "secretariat", "password": PASSWORD}))
        .send()
        .await;
    res.assert_problem(409, "email-taken");
    let res = app
        .post("/api/v1/users")
        .auth(&admin)
        .json(&json!([1, 2]))
        .send()
        .await;
    res.assert_problem(422, "validation");
}

#[actix_web::test]
async fn only_the_secretariat_manages_users() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let member = app.member("ARG");
    let expert = app.expert("BRA");
    let body = json!({"email": "x@example.org", "display_name": "X", "role": "secretariat", "password": PASSWORD});
    for who in [&member, &expert] {
        app.get("/api/v1/users")
            .auth(who)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.post("/api/v1/users")
            .auth(who)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.get(&format!("/api/v1/users/{}", admin.id))
            .auth(who)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.delete(&format!("/api/v1/users/{}", admin.id))
            .auth(who)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/users")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.post("/api/v1/users")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "authentication-required");
    app.get("/api/v1/users/99999")
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/users/abc")
        .auth(&admin)
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn mass_assignment_is_refused() {
    let app = TestApp::new().await;
    let member = app.member("ARG");
    let res = app
        .patch(&format!("/api/v1/users/{}", member.id))
        .auth(&member)
        .json(&json!({"role": "secretariat"}))
        .send()
        .await;
    res.assert_problem(403, "forbidden");
    let res = app
        .patch(&format!("/api/v1/users/{}", member.id))
        .auth(&member)
        .json(&json!({"country": "BRA"}))
        .send()
        .await;
    res.assert_problem(403, "forbidden");
    for body in [
        json!({"role": "secretariat"}),
        json!({"country": "BRA"}),
        json!({"display_name": "ok", "active": false}),
        json!({}),
    ] {
        let res = app
            .patch("/api/v1/me")
            .auth(&member)
            .json(&body)
            .send()
            .await;
        res.assert_problem(422, "validation");
    }
    let me = app.get("/api/v1/me").auth(&member).send().await.json();
    assert_eq!(me["role"], "member_country");
    assert_eq!(me["country"], "ARG");
    let res = app
        .patch("/api/v1/me")
        .auth(&member)
        .json(&json!({"display_name": "Ana"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["display_name"], "Ana");
    let res = app
        .patch("/api/v1/me")
        .auth(&member)
        .json(&json!({"display_name": ""}))
        .send()
        .await;
    res.assert_problem(422, "validation");
}

#[actix_web::test]
async fn list_filters_and_pages() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    for c in ["ARG", "ARG", "BRA"] {
        app.member(c);
    }
    app.expert("ARG");
    let get = |q: &str| {
        let url = format!("/api/v1/users?{q}");
        let t = admin.token.clone();
        let app = &app;
        async move { app.get(&url).bearer(&t).send().await }
    };
    let all = get("").await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    assert_eq!(
        get("country=ARG").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        get("role=member_country&country=arg").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get("role=expert").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get("q=EXPERT.arg").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let page1 = get("limit=2").await;
    assert!(page1.header("link").is_some());
    let c = page1.json()["next_cursor"].as_str().unwrap().to_owned();
    let page2 = get(&format!("limit=2&cursor={c}")).await.json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 2);
    assert_ne!(page1.json()["data"][0]["id"], page2["data"][0]["id"]);
    let res = get("role=king&active=maybe").await;
    res.assert_problem(400, "invalid-query");
    let mut f = res.error_fields();
    f.sort();
    assert_eq!(f, ["active", "role"]);
}

#[actix_web::test]
async fn the_last_secretariat_cannot_be_removed() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .delete(&format!("/api/v1/users/{}", admin.id))
        .auth(&admin)
        .send()
        .await;
    res.assert_problem(409, "last-secretariat");
    let res = app
        .patch(&format!("/api/v1/users/{}", admin.id))
        .auth(&admin)
        .json(&json!({"role": "expert", "country": "ARG"}))
        .send()
        .await;
    res.assert_problem(409, "last-secretariat");
    let second = app.secretariat();
    let res = app
        .delete(&format!("/api/v1/users/{}", admin.id))
        .auth(&second)
        .send()
        .await;
    assert_eq!(res.status, 204);
}

#[actix_web::test]
async fn changing_ones_password() {
    let app = TestApp::new().await;
    let member = app.member("CRI");
    let res = app
        .post("/api/v1/me/password")
        .auth(&member)
        .json(&json!({"current_password": "wrong one entirely", "new_password": "a brand new password"}))
        .send()
        .await;
    res.assert_problem(403, "forbidden");
    let res = app
        .post("/api/v1/me/password")
        .auth(&member)
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    assert_eq!(res.error_fields(), ["new_password"]);
    let res = app
        .post("/api/v1/me/password")
        .auth(&member)
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new password"}))
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/me")
        .auth(&member)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.login(&member.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        app.login(&member.email, "a brand new password")
            .await
            .status,
        200
    );
    app.post("/api/v1/me/password")
        .json(&json!({}))
        .send()
        .await
        .assert_problem(401, "authentication-required");
}
