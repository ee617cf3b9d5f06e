//! Events and webhooks through HTTP: the feed by role, cursors, long polls and expiry; signed
//! deliveries to a receiver in the test, retried, redelivered, never twice across instances,
//! resumed after a restart; reminders.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use mecigep::jobs::{self, JobSettings, Jobs};
use mecigep::state::AppSettings;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::util::{TestApp, TestUser};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: HashMap<String, String>,
    body: String,
}

/// A webhook receiver: keeps every request and answers the statuses queued, then 200.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    answers: Arc<Mutex<Vec<u16>>>,
    /// Answer this to everything once the queue is empty.
    otherwise: Arc<Mutex<u16>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let r = Receiver {
            url,
            got: Arc::default(),
            answers: Arc::default(),
            otherwise: Arc::new(Mutex::new(200)),
        };
        let me = r.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let me = me.clone();
                std::thread::spawn(move || me.serve(stream));
            }
        });
        r
    }

    fn serve(&self, stream: std::net::TcpStream) {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let status = {
            let mut queue = self.answers.lock().unwrap();
            if queue.is_empty() {
                *self.otherwise.lock().unwrap()
            } else {
                queue.remove(0)
            }
        };
        self.got.lock().unwrap().push(Got {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let answer = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: 8\r\nconnection: close\r\n\r\nreceived"
        );
        let _ = reader.get_mut().write_all(answer.as_bytes());
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `ready` holds of what was received (at most 20 s).
    fn wait_for(&self, what: &str, ready: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let started = Instant::now();
        loop {
            let got = self.got();
            if ready(&got) {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the receiver waited in vain for {what}; it got {got:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The Standard Webhooks check a receiver makes, written from the specification.
fn verify(secret: &str, got: &Got) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = &got.headers["webhook-id"];
    let ts = &got.headers["webhook-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{}", got.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(got.headers["webhook-signature"], expected, "{got:?}");
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp {ts} is not now");
}

fn body(got: &Got) -> Value {
    serde_json::from_str(&got.body).unwrap()
}

fn fast_jobs() -> JobSettings {
    JobSettings {
        allow_private: true,
        retry_scale: 0.001,
        tick: Duration::from_millis(30),
        senders: 2,
        ..JobSettings::default()
    }
}

fn allowing_private() -> AppSettings {
    let mut s = AppSettings::default();
    s.webhooks.allow_private = true;
    s.metrics_token = Some("metrics-token".into());
    s
}

async fn feed(app: &TestApp, who: Option<&TestUser>, query: &str) -> Value {
    let mut req = app.get(&format!("/api/v1/events?{query}"));
    if let Some(u) = who {
        req = req.auth(u);
    }
    let res = req.send().await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    res.json()
}

fn types(feed: &Value) -> Vec<String> {
    feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn create_need(app: &TestApp, who: &TestUser, country: &str) -> i64 {
    let res = app
        .post("/api/v1/needs")
        .auth(who)
        .json(&json!({
            "country": country,
            "thematic_area": "public-budget",
            "kind": "training",
            "title": "Training in results-based budgeting",
            "description": "Staff of the budget office need training."
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn the_feed_shows_each_role_what_it_may_read() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let bra = app.member("BRA");
    let expert = app.expert("CHL");
    let (round, q) = app.open_round(&admin, 1, &["ARG", "BRA", "CHL"]).await;
    let round = round["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/questionnaires/{}/responses", q["id"]))
        .auth(&arg)
        .json(&json!({"country": "ARG"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let response = res.json()["id"].as_i64().unwrap();
    let need = create_need(&app, &arg, "ARG").await;

    let public = types(&feed(&app, None, "").await);
    for t in [
        "round.participant_added",
        "questionnaire.published",
        "round.opened",
    ] {
        assert!(
            public.contains(&t.to_owned()),
            "{t} missing from {public:?}"
        );
    }
    assert!(!public.contains(&"response.created".to_owned()));
    assert!(!public.contains(&"need.created".to_owned()));

    let all = feed(&app, Some(&admin), "").await;
    let admin_types = types(&all);
    assert!(admin_types.contains(&"response.created".to_owned()));
    assert!(admin_types.contains(&"need.created".to_owned()));
    let created = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "response.created")
        .unwrap();
    assert_eq!(
        created["entity_path"],
        format!("/api/v1/responses/{response}")
    );
    assert_eq!(created["country"], "ARG");
    assert_eq!(created["round"], round);
    assert_eq!(created["actor_role"], "member_country");
    assert!(created["actor"].is_i64(), "the secretariat sees who acted");
    // Ids increase in the order of the changes.
    let ids: Vec<i64> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let mine = types(&feed(&app, Some(&arg), "").await);
    assert!(mine.contains(&"response.created".to_owned()));
    assert!(mine.contains(&"need.created".to_owned()));
    assert!(mine.contains(&"round.opened".to_owned()));
    for other in [&bra, &expert] {
        let theirs = feed(&app, Some(other), "").await;
        assert!(!types(&theirs).contains(&"response.created".to_owned()));
        assert!(!types(&theirs).contains(&"need.created".to_owned()));
        assert!(theirs["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"].is_null()));
    }

    // Filters: types (one, or every type of an entity) and country.
    let rounds_only = types(&feed(&app, Some(&admin), "types=round.*").await);
    assert!(!rounds_only.is_empty() && rounds_only.iter().all(|t| t.starts_with("round.")));
    let needs = feed(&app, Some(&admin), "types=need.created&country=ARG").await;
    assert_eq!(types(&needs), ["need.created"]);
    assert_eq!(needs["data"][0]["entity_id"], need.to_string());
    assert!(types(&feed(&app, Some(&admin), "types=need.created&country=BRA").await).is_empty());

    // Cursors: reading on from `next_cursor` gives only what happened since.
    let first = feed(&app, Some(&arg), "limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let mut seen = types(&first);
    loop {
        let page = feed(&app, Some(&arg), &format!("after={cursor}&limit=2")).await;
        seen.extend(types(&page));
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, mine, "paging gives every event once, in order");
    let caught_up = feed(&app, Some(&arg), &format!("after={cursor}")).await;
    assert!(types(&caught_up).is_empty());
    assert_eq!(caught_up["next_cursor"], cursor.as_str());
    let res = app
        .post(&format!("/api/v1/needs/{need}/open"))
        .auth(&arg)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let next = feed(&app, None, &format!("after={cursor}")).await;
    assert_eq!(types(&next), ["need.opened"], "an open need is public");
    assert_eq!(next["data"][0]["payload"]["from"], "draft");
    assert_eq!(next["data"][0]["payload"]["to"], "open");
    assert!(types(&feed(&app, None, "after=latest").await).is_empty());

    // Bad input: 400 with every problem named.
    let res = app
        .get("/api/v1/events?after=nonsense&types=report.eaten&limit=0&wait=31&country=A1")
        .send()
        .await;
    res.assert_problem(400, "invalid-query");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["after", "country", "limit", "types", "wait"]);
}

#[actix_web::test]
async fn a_waiting_read_returns_when_an_event_arrives_and_old_cursors_expire() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let start = feed(&app, Some(&admin), "after=latest").await;
    let cursor = start["next_cursor"].as_str().unwrap().to_owned();
    let waited = Instant::now();
    let path = format!("/api/v1/events?after={cursor}&wait=10");
    let (read, _) =
        futures_util::future::join(async { app.get(&path).auth(&admin).send().await }, async {
            actix_web::rt::time::sleep(Duration::from_millis(400)).await;
            create_need(&app, &arg, "ARG").await
        })
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(types(&read.json()), ["need.created"]);
    let took = waited.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "the read waited for the event, and only for it: {took:?}"
    );
    // Nothing comes: the read answers empty once `wait` is over.
    let waited = Instant::now();
    let quiet = feed(&app, Some(&admin), "after=latest&wait=1").await;
    assert!(types(&quiet).is_empty());
    assert!(waited.elapsed() >= Duration::from_millis(800));

    // Events past retention are removed; a cursor before them is answered 410.
    let removed = jobs::prune(&app.pool, chrono::Duration::zero()).unwrap();
    assert!(removed >= 1);
    let res = app
        .get(&format!("/api/v1/events?after={cursor}"))
        .auth(&admin)
        .send()
        .await;
    let problem = res.assert_problem(410, "cursor-expired");
    let resume = problem["resume_cursor"].as_str().unwrap();
    let after = feed(&app, Some(&admin), &format!("after={resume}")).await;
    assert!(types(&after).is_empty());
}

/// Creates a webhook as `who`; returns `(id, secret)`.
async fn subscribe(app: &TestApp, who: &TestUser, url: &str, types: Value) -> (i64, String) {
    let res = app
        .post("/api/v1/webhooks")
        .auth(who)
        .json(&json!({"url": url, "event_types": types, "description": "national system"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let hook = res.json();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (hook["id"].as_i64().unwrap(), secret)
}

#[actix_web::test]
async fn webhooks_are_signed_retried_redelivered_and_follow_their_owner() {
    let app = TestApp::with_settings(allowing_private()).await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let bra = app.member("BRA");
    let receiver = Receiver::start();
    let (hook, secret) = subscribe(&app, &admin, &receiver.url, json!(["round.*"])).await;
    let (arg_hook, arg_secret) = subscribe(&app, &arg, &receiver.url, json!(["need.*"])).await;
    let (_bra_hook, _) = subscribe(&app, &bra, &receiver.url, json!(["need.*"])).await;

    // The secret is shown once; the subscription reads back without it.
    let res = app
        .get(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.json().get("secret").is_none());
    // Only the owner and the secretariat see a subscription.
    let res = app
        .get(&format!("/api/v1/webhooks/{hook}"))
        .auth(&arg)
        .send()
        .await;
    res.assert_problem(404, "not-found");
    let res = app
        .get(&format!("/api/v1/webhooks/{arg_hook}"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let mine = app.get("/api/v1/webhooks").auth(&arg).send().await.json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    assert_eq!(mine["data"][0]["id"], arg_hook);

    // The receiver fails the first attempt: the message comes again, same id, signed anew.
    receiver.answers.lock().unwrap().push(500);
    let running = jobs::start(app.pool.clone(), fast_jobs()).unwrap();
    let round = app.create_round(&admin, 1).await["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/rounds/{round}/cancel"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let got = receiver.wait_for("the cancellation, twice", |g| {
        g.iter()
            .filter(|r| r.body.contains("round.cancelled"))
            .count()
            >= 2
    });
    let tries: Vec<&Got> = got
        .iter()
        .filter(|r| r.body.contains("round.cancelled"))
        .collect();
    for t in &tries {
        verify(&secret, t);
    }
    assert_eq!(
        tries[0].headers["webhook-id"],
        tries[1].headers["webhook-id"]
    );
    let message = body(tries[1]);
    assert_eq!(message["type"], "round.cancelled");
    assert_eq!(
        message["data"]["entity_path"],
        format!("/api/v1/rounds/{round}")
    );
    assert_eq!(message["data"]["payload"]["to"], "cancelled");
    let event_id = message["data"]["id"].as_i64().unwrap();
    assert_eq!(tries[0].headers["webhook-id"], format!("evt_{event_id}"));

    // Every attempt is logged, once the worker has the receiver's answer: the receiver counts
    // a try when it arrives, before it answers.
    let started = Instant::now();
    let delivered = loop {
        let deliveries = app
            .get(&format!(
                "/api/v1/webhooks/{hook}/deliveries?status=delivered"
            ))
            .auth(&admin)
            .send()
            .await
            .json();
        let found = deliveries["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["event"] == event_id)
            .cloned();
        if let Some(d) = found {
            break d;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "event {event_id} never shown delivered: {deliveries}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(delivered["attempts"], 2);
    let log = delivered["attempt_log"].as_array().unwrap();
    assert_eq!(log[0]["status_code"], 500);
    assert_eq!(log[1]["status_code"], 200);
    assert_eq!(log[1]["response_excerpt"], "received");

    // Redelivery sends the same message again.
    let delivery = delivered["id"].as_i64().unwrap();
    let res = app
        .post(&format!(
            "/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver"
        ))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 202, "{}", String::from_utf8_lossy(&res.body));
    let id = tries[0].headers["webhook-id"].clone();
    receiver.wait_for("the redelivery", |g| {
        g.iter().filter(|r| r.headers["webhook-id"] == id).count() >= 3
    });

    // A test message.
    let res = app
        .post(&format!("/api/v1/webhooks/{hook}/test"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 202);
    let got = receiver.wait_for("the test message", |g| {
        g.iter().any(|r| r.body.contains("webhook.test"))
    });
    verify(
        &secret,
        got.iter()
            .find(|r| r.body.contains("webhook.test"))
            .unwrap(),
    );

    // A focal point's subscription carries what its country may read, nothing else.
    let need = create_need(&app, &arg, "ARG").await;
    let got = receiver.wait_for("ARG's need", |g| {
        g.iter().any(|r| r.body.contains("need.created"))
    });
    let needs: Vec<&Got> = got
        .iter()
        .filter(|r| r.body.contains("need.created"))
        .collect();
    verify(&arg_secret, needs[0]);
    assert_eq!(body(needs[0])["data"]["entity_id"], need.to_string());
    let res = app
        .post(&format!("/api/v1/needs/{need}/open"))
        .auth(&arg)
        .send()
        .await;
    assert_eq!(res.status, 200);
    // The opened need is public: both focal points' subscriptions get it.
    receiver.wait_for("the opened need, twice", |g| {
        g.iter().filter(|r| r.body.contains("need.opened")).count() >= 2
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        receiver
            .got()
            .iter()
            .filter(|r| r.body.contains("need.created"))
            .count(),
        1,
        "BRA's subscription never gets ARG's draft need"
    );
    running.stop();

    // Pausing stops deliveries; the subscription can be removed.
    let res = app
        .patch(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .json(&json!({"status": "paused", "rotate_secret": true}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["status"], "paused");
    assert_ne!(res.json()["secret"].as_str().unwrap(), secret);
    let res = app
        .delete(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    let res = app
        .get(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .send()
        .await;
    res.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn webhooks_refuse_other_roles_and_unsafe_targets() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let expert = app.expert("CHL");
    let body = json!({"url": "https://93.184.215.14/hook"});
    let res = app.post("/api/v1/webhooks").json(&body).send().await;
    res.assert_problem(401, "authentication-required");
    let res = app
        .post("/api/v1/webhooks")
        .auth(&expert)
        .json(&body)
        .send()
        .await;
    res.assert_problem(403, "forbidden");
    let res = app.get("/api/v1/webhooks").auth(&expert).send().await;
    res.assert_problem(403, "forbidden");
    for (url, code) in [
        ("http://127.0.0.1:9/hook", "private_address"),
        ("https://10.0.0.8/hook", "private_address"),
        ("https://169.254.169.254/latest", "private_address"),
        ("http://93.184.215.14/hook", "insecure"),
        ("ftp://example.org/", "insecure"),
        ("not a url", "url"),
    ] {
        let res = app
            .post("/api/v1/webhooks")
            .auth(&admin)
            .json(&json!({"url": url}))
            .send()
            .await;
        let problem = res.assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["code"], code, "{url}");
    }
    let res = app
        .post("/api/v1/webhooks")
        .auth(&admin)
        .json(&json!({"url": "https://93.184.215.14/hook", "event_types": ["report.eaten", "need.*"]}))
        .send()
        .await;
    assert_eq!(
        res.assert_problem(422, "validation")["errors"][0]["field"],
        "event_types"
    );
    let res = app
        .post("/api/v1/webhooks")
        .auth(&admin)
        .json(&json!({"url": 5}))
        .send()
        .await;
    res.assert_problem(422, "validation");
    let res = app.get("/api/v1/webhooks/999").auth(&admin).send().await;
    res.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn a_receiver_that_keeps_failing_gets_its_webhook_disabled() {
    let app = TestApp::with_settings(allowing_private()).await;
    let admin = app.secretariat();
    let receiver = Receiver::start();
    *receiver.otherwise.lock().unwrap() = 503;
    let (hook, _) = subscribe(&app, &admin, &receiver.url, json!(["round.*"])).await;
    let running = jobs::start(
        app.pool.clone(),
        JobSettings {
            retry_scale: 0.0001,
            ..fast_jobs()
        },
    )
    .unwrap();
    cancelled_round(&app, &admin, 1).await;
    let attempts = mecigep::webhooks::max_attempts() as usize;
    receiver.wait_for("every attempt", |g| g.len() >= attempts);
    let started = Instant::now();
    let hook_now = loop {
        let h = app
            .get(&format!("/api/v1/webhooks/{hook}"))
            .auth(&admin)
            .send()
            .await
            .json();
        if h["status"] == "disabled" || started.elapsed() > Duration::from_secs(10) {
            break h;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    running.stop();
    let metrics = app
        .get("/metrics")
        .header("authorization", "Bearer metrics-token")
        .send()
        .await;
    let text = String::from_utf8_lossy(&metrics.body).into_owned();
    assert!(
        text.contains("mecigep_webhook_attempts_total{result=\"failure\"}"),
        "{text}"
    );
    assert!(text.contains("mecigep_webhook_deliveries_created_total"));
    assert_eq!(hook_now["status"], "disabled", "{hook_now}");
    assert!(hook_now["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("failed"));
    assert_eq!(receiver.got().len(), attempts, "no attempt after the last");
    let events = feed(&app, Some(&admin), "types=webhook.disabled").await;
    assert_eq!(events["data"][0]["entity_id"], hook.to_string());
    // Resuming clears the failures.
    let res = app
        .patch(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .json(&json!({"status": "active"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["consecutive_failures"], 0);
    let res = app
        .patch(&format!("/api/v1/webhooks/{hook}"))
        .auth(&admin)
        .json(&json!({"status": "disabled"}))
        .send()
        .await;
    res.assert_problem(422, "validation");
}

#[actix_web::test]
async fn two_instances_deliver_each_event_once_and_delivery_resumes_after_a_restart() {
    let app = TestApp::with_settings(allowing_private()).await;
    let admin = app.secretariat();
    let receiver = Receiver::start();
    let (_, secret) = subscribe(&app, &admin, &receiver.url, json!([])).await;
    // Nothing runs: the events wait in the database.
    for n in 1..=10 {
        cancelled_round(&app, &admin, n).await;
    }
    // Two instances' jobs, each with its own pool, on one database.
    let other_pool = mecigep::db::connect(&app.db.target, &Default::default()).unwrap();
    let one: Jobs = jobs::start(app.pool.clone(), fast_jobs()).unwrap();
    let two: Jobs = jobs::start(other_pool, fast_jobs()).unwrap();
    let expected = 10;
    receiver.wait_for("every event", |g| g.len() >= expected);
    one.stop();
    std::thread::sleep(Duration::from_millis(300));
    for n in 11..=15 {
        cancelled_round(&app, &admin, n).await;
    }
    // `one` stopped (as a killed instance would); `two` carries on alone.
    receiver.wait_for("the later events", |g| g.len() >= expected + 5);
    two.stop();
    std::thread::sleep(Duration::from_millis(300));
    let got = receiver.got();
    let mut ids: Vec<&str> = got
        .iter()
        .map(|g| g.headers["webhook-id"].as_str())
        .collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a message was sent twice");
    assert_eq!(ids.len(), expected + 5);
    for g in &got {
        verify(&secret, g);
    }
}

/// A round created and cancelled: one event.
async fn cancelled_round(app: &TestApp, admin: &TestUser, n: i32) {
    let round = app.create_round(admin, n).await["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/rounds/{round}/cancel"))
        .auth(admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn reminders_come_seven_days_and_one_day_before_and_after_the_due_date_once() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let arg = app.member("ARG");
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let due: chrono::NaiveDate = round["responses_due_on"].as_str().unwrap().parse().unwrap();
    let remind = |days: i64| {
        mecigep::responses::reminders::emit_due(&app.pool, due - chrono::Duration::days(days))
            .unwrap()
    };
    assert_eq!(remind(10), 0);
    assert_eq!(remind(6), 2, "one per participant");
    assert_eq!(remind(5), 0, "once");
    assert_eq!(remind(1), 2);
    assert_eq!(remind(-2), 2);
    assert_eq!(remind(-3), 0);
    let seen = feed(&app, Some(&arg), "types=response.due_soon,response.overdue").await;
    let data = seen["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "ARG's own reminders only");
    assert!(data.iter().all(|e| e["country"] == "ARG"));
    assert_eq!(data[0]["payload"]["days_left"], 6);
    assert_eq!(data[1]["payload"]["reminder"], "due_in_1_day");
    assert_eq!(data[2]["type"], "response.overdue");
    assert!(types(&feed(&app, None, "types=response.*").await).is_empty());
}

#[actix_web::test]
async fn lists_give_what_changed_since_an_instant() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (round, _) = app.open_round(&admin, 1, &["ARG", "BRA"]).await;
    let round = round["id"].as_i64().unwrap();
    let before = (chrono::Utc::now() - chrono::Duration::seconds(2)).to_rfc3339();
    let after = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let res = app
        .post("/api/v1/reports")
        .auth(&admin)
        .json(&json!({"round": round, "kind": "hemispheric", "title": "Hemispheric Report"}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let report = res.json()["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/reports/{report}/recommendations"))
        .auth(&admin)
        .json(&json!({"text": "Publish performance indicators."}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .post(&format!("/api/v1/reports/{report}/comments"))
        .auth(&admin)
        .json(&json!({"body": "Add the annex."}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    app.member("ARG");
    for list in [
        "/api/v1/reports".to_owned(),
        "/api/v1/recommendations".to_owned(),
        format!("/api/v1/reports/{report}/comments"),
        "/api/v1/users".to_owned(),
    ] {
        let since = |t: &str| format!("{list}?updated_since={}", t.replace('+', "%2B"));
        let res = app.get(&since(&before)).auth(&admin).send().await;
        assert_eq!(
            res.status,
            200,
            "{list}: {}",
            String::from_utf8_lossy(&res.body)
        );
        assert!(!res.json()["data"].as_array().unwrap().is_empty(), "{list}");
        let res = app.get(&since(&after)).auth(&admin).send().await;
        assert_eq!(res.status, 200, "{list}");
        assert!(res.json()["data"].as_array().unwrap().is_empty(), "{list}");
        let res = app
            .get(&format!("{list}?updated_since=yesterday"))
            .auth(&admin)
            .send()
            .await;
        assert_eq!(
            res.assert_problem(400, "invalid-query")["errors"][0]["field"],
            "updated_since"
        );
    }
}

#[actix_web::test]
async fn an_expert_reads_the_events_of_the_reports_it_reviews() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let countries = ["ARG", "BRA", "CHL", "PER", "URY"];
    let (round, _) = app.open_round(&admin, 1, &countries).await;
    let round = round["id"].as_i64().unwrap();
    let reviewers = app.draw_reviewers(&admin, round, 11, "ARG").await;
    let outsider = countries
        .iter()
        .find(|c| **c != "ARG" && !reviewers.contains(&c.to_string()))
        .unwrap();
    let res = app
        .post("/api/v1/reports")
        .auth(&admin)
        .json(&json!({"round": round, "kind": "country", "country": "ARG", "title": "Argentina"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let report = res.json()["id"].as_i64().unwrap().to_string();
    let sees = |feed: &Value| {
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "report.created" && e["entity_id"] == report.as_str())
    };
    let reviewer = app.expert(&reviewers[0]);
    let other = app.expert(outsider);
    assert!(sees(&feed(&app, Some(&reviewer), "types=report.*").await));
    assert!(sees(
        &feed(&app, Some(&app.member("ARG")), "types=report.*").await
    ));
    assert!(sees(&feed(&app, Some(&admin), "types=report.*").await));
    assert!(!sees(&feed(&app, Some(&other), "types=report.*").await));
    assert!(!sees(
        &feed(&app, Some(&app.member(outsider)), "types=report.*").await
    ));
    assert!(!sees(&feed(&app, None, "types=report.*").await));
    // The draw itself is public.
    assert!(types(&feed(&app, None, "types=draw.made").await) == ["draw.made"]);
}
