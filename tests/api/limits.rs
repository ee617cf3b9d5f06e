//! Rate limits per caller, through HTTP: 429 problem+json with `Retry-After` and the IETF
//! `RateLimit` fields, per class and per caller.

use mecigep::http::rate_limit::RateLimits;
use mecigep::state::AppSettings;
use serde_json::json;

use crate::util::TestApp;

#[actix_web::test]
async fn each_class_is_limited_per_caller() {
    let app = TestApp::with_settings(AppSettings {
        rate_limits: RateLimits {
            writes: 2,
            logins: 2,
            exports: 1,
            search: 1,
        },
        ..AppSettings::default()
    })
    .await;
    let admin = app.secretariat();
    let other = app.secretariat();
    let partner = |n: u32| json!({"name": format!("University {n}"), "kind": "university"});
    for n in 0..2 {
        let res = app
            .post("/api/v1/partners")
            .auth(&admin)
            .json(&partner(n))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.header("ratelimit-policy"), Some("\"writes\";q=2;w=60"));
        assert_eq!(
            res.header("ratelimit").unwrap(),
            if n == 0 {
                "\"writes\";r=1;t=30"
            } else {
                "\"writes\";r=0;t=60"
            }
        );
    }
    let res = app
        .post("/api/v1/partners")
        .auth(&admin)
        .json(&partner(9))
        .send()
        .await;
    let p = res.assert_problem(429, "too-many-requests");
    assert!(p["detail"].as_str().unwrap().contains("2 writes a minute"));
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(
        res.header("ratelimit").unwrap(),
        format!("\"writes\";r=0;t={wait}")
    );
    assert_eq!(
        app.get("/api/v1/partners").send().await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "the refused write did nothing"
    );
    let res = app
        .post("/api/v1/partners")
        .auth(&other)
        .json(&partner(3))
        .send()
        .await;
    assert_eq!(res.status, 201, "another caller has a bucket of its own");

    // Searches (anonymous callers by address), not plain reads.
    let res = app.get("/api/v1/experiences?q=budget").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("ratelimit-policy"), Some("\"search\";q=1;w=60"));
    app.get("/api/v1/needs?q=budget")
        .send()
        .await
        .assert_problem(429, "too-many-requests");
    let res = app.get("/api/v1/needs").send().await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("ratelimit").is_none(),
        "plain reads are not limited"
    );
    assert_eq!(
        app.get("/api/v1/needs?q=budget")
            .auth(&admin)
            .send()
            .await
            .status,
        200
    );

    // Exports.
    assert_eq!(
        app.get("/api/v1/exports/needs")
            .auth(&admin)
            .send()
            .await
            .status,
        200
    );
    app.get("/api/v1/exports/offers")
        .auth(&admin)
        .send()
        .await
        .assert_problem(429, "too-many-requests");

    // Logins, by address whoever the account.
    for _ in 0..2 {
        let res = app.login("nobody@example.org", "a wrong password").await;
        assert_eq!(res.status, 401);
        assert!(res.header("ratelimit").is_some());
    }
    app.login("someone@example.org", "a wrong password")
        .await
        .assert_problem(429, "too-many-requests");
}
