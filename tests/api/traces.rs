//! Traces over OTLP: a server started with `OTEL_EXPORTER_OTLP_ENDPOINT` sends its spans (the
//! request's, with its request id, and its database calls') to the collector named.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the collector received: `(request line, body)` of each request.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A collector that keeps what is POSTed to it.
fn collector() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                let lower = header.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            kept.lock().unwrap().push((line.trim().to_owned(), body));
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (address, received)
}

fn get(port: u16, path: &str, request_id: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nx-request-id: {request_id}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn requests_and_database_calls_are_exported_as_spans() {
    let (address, received) = collector();
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_mecigep"))
        .arg("serve")
        .env("DATABASE_URL", dir.path().join("t.sqlite3"))
        .env("MECIGEP_BIND", format!("127.0.0.1:{port}"))
        .env("MECIGEP_ADMIN_PASSWORD", "a long admin password")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{address}"))
        .env("OTEL_SERVICE_NAME", "mecigep-trace-test")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !get(port, "/health/ready", "ready-probe").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let answer = get(port, "/api/v1/countries/ARG", "trace-probe-42").unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A graceful stop sends what is still batched.
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let started = Instant::now();
    while server.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = received.lock().unwrap().clone();
    assert!(!got.is_empty(), "no spans were sent");
    assert!(
        got.iter()
            .all(|(line, _)| line.starts_with("POST /v1/traces ")),
        "{got:?}"
    );
    let all: Vec<u8> = got.into_iter().flat_map(|(_, b)| b).collect();
    let has = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"mecigep-trace-test"), "the service name");
    assert!(
        has(b"trace-probe-42"),
        "the request span carries the request id"
    );
    assert!(has(b"/api/v1/countries/ARG"), "and the path");
    assert!(
        has(b"request") && has(b"db") && has(b"read"),
        "a database call's span"
    );
}
