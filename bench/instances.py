#!/usr/bin/env python3
"""Two API instances on one PostgreSQL database (standard library only).

    bench/instances.py [BINARY] [POSTGRES_URL]

Starts two servers (`target/release/mecigep` by default, else the debug build) on a fresh
database of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432), with one JWT
secret, and measures what an operator behind a load balancer relies on:

1. a change to the public Guide made through A shows in B's public search and read, and how
   long it takes (the bound is MECIGEP_GUIDE_CACHE_RECHECK_MS, 100 ms by default);
2. an account deactivated through A is refused by B within MECIGEP_AUTH_RECHECK_MS (1 s);
3. an Idempotency-Key used through A is replayed by B (shared, in the database);
4. an account's failed logins count on every instance (they are read from the audit log),
   while rate limits are per instance (documented);
5. killing A with SIGKILL while writers create needs through both loses nothing: every write
   acknowledged by A or B is read back, and every write whose answer was lost with A is
   retried through B with its key and stored once;
6. webhook deliveries are shared: both instances run the jobs; a receiver subscribed to
   `need.*` gets one `need.created` per acknowledged need, each message once while both run,
   and the deliveries A held when it was killed are sent by B once their lease lapses.

Prints one JSON document with the figures.
"""

import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else next(
    (p for p in (os.path.join(ROOT, "target/release/mecigep"), os.path.join(ROOT, "target/debug/mecigep")) if os.path.exists(p)),
    None,
)
PG = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432"
DB = "mecigep_instances"
ADMIN, PASSWORD = "admin@instances.example", "instances admin password"
SECRET = "instances-bench-secret-of-at-least-32-bytes"
PORTS = (18191, 18192)


def psql(sql):
    subprocess.run(["psql", PG + "/postgres", "-qAtc", sql], check=True, capture_output=True)


def call(port, method, path, token=None, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"content-type": "application/json"}
    if token:
        h["authorization"] = "Bearer " + token
    h.update(headers or {})
    conn.request(method, path, json.dumps(body).encode() if body is not None else None, h)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return res.status, dict((k.lower(), v) for k, v in res.getheaders()), parsed


def start(port, log, demo):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"{PG}/{DB}",
        "MECIGEP_BIND": f"127.0.0.1:{port}",
        "MECIGEP_JWT_SECRET": SECRET,
        "MECIGEP_ADMIN_EMAIL": ADMIN,
        "MECIGEP_ADMIN_PASSWORD": PASSWORD,
        "RUST_LOG": "warn",
        # The writers and the poller below are one caller each, as fast as they can go.
        "MECIGEP_RATE_LIMIT_WRITES": "0",
        "MECIGEP_RATE_LIMIT_SEARCH": "0",
        "MECIGEP_RATE_LIMIT_EXPORTS": "2",
        # The webhook receiver below listens on this machine.
        "MECIGEP_WEBHOOK_ALLOW_PRIVATE": "true",
    })
    if demo:
        env["MECIGEP_DEMO"] = "true"
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=log, stderr=log)
    for _ in range(240):
        try:
            if call(port, "GET", "/health/ready", timeout=1)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"instance on {port} did not start")


def login(port, email=ADMIN, password=PASSWORD):
    status, _, body = call(port, "POST", "/api/v1/auth/login", body={"email": email, "password": password})
    if status != 200:
        raise SystemExit(f"login on {port}: {status} {body}")
    return body["access_token"]


def guide_visibility(a, b, token, rounds=20):
    """Publishes a new version through A, polls B's public search and read for its word."""
    _, _, page = call(a, "GET", "/api/v1/experiences?limit=1")
    exp = page["data"][0]["id"]
    delays = []
    for n in range(rounds):
        word = "instance" + uuid.uuid4().hex[:8]
        # Warm B's caches with the current state, so that B must notice the change.
        call(b, "GET", f"/api/v1/experiences?q={word}")
        call(b, "GET", f"/api/v1/experiences/{exp}?lang=all")
        status, _, _ = call(a, "PATCH", f"/api/v1/experiences/{exp}", token, {"strategies": f"Version {n}: {word}."})
        assert status == 200, status
        for action in ("submit", "publish"):
            status, _, body = call(a, "POST", f"/api/v1/experiences/{exp}/{action}", token)
            assert status == 200, (status, body)
        published = time.monotonic()
        while True:
            _, _, found = call(b, "GET", f"/api/v1/experiences?q={word}")
            _, _, read = call(b, "GET", f"/api/v1/experiences/{exp}?lang=all")
            if found["data"] and word in json.dumps(read):
                delays.append((time.monotonic() - published) * 1000)
                break
            if time.monotonic() - published > 5:
                delays.append(float("inf"))
                break
            time.sleep(0.005)
    delays.sort()
    return {"rounds": rounds, "median_ms": round(delays[len(delays) // 2], 1), "max_ms": round(delays[-1], 1)}


def deactivation(a, b, token):
    email = f"focal.{uuid.uuid4().hex[:6]}@instances.example"
    status, _, user = call(a, "POST", "/api/v1/users", token, {
        "email": email, "display_name": "Focal point", "role": "member_country", "country": "ARG",
        "password": "a long focal password"})
    assert status == 201, (status, user)
    focal = login(b, email, "a long focal password")
    before = call(b, "GET", "/api/v1/me", focal)[0]
    status, _, _ = call(a, "DELETE", f"/api/v1/users/{user['id']}", token)
    assert status in (200, 204), status
    # B keeps what the account said of a token for at most MECIGEP_AUTH_RECHECK_MS (1 s).
    start = time.monotonic()
    after = call(b, "GET", "/api/v1/me", focal)[0]
    while after == 200 and time.monotonic() - start < 2:
        time.sleep(0.02)
        after = call(b, "GET", "/api/v1/me", focal)[0]
    return {"before": before, "on_b": after,
            "refused_on_b_after_ms": round((time.monotonic() - start) * 1000)}


def idempotency(a, b, token):
    key = "instances-" + uuid.uuid4().hex
    body = {"name": f"Partner {key[-6:]}", "kind": "university"}
    s1, _, first = call(a, "POST", "/api/v1/partners", token, body, {"idempotency-key": key})
    s2, h2, again = call(b, "POST", "/api/v1/partners", token, body, {"idempotency-key": key})
    return {"first": s1, "retry_on_b": s2, "replayed": h2.get("idempotency-replayed") == "true",
            "same_id": first["id"] == again["id"]}


def throttles(a, b, token):
    """An account's failed logins count on every instance; rate limits are per instance."""
    email = f"nobody.{uuid.uuid4().hex[:6]}@instances.example"
    statuses_a = [call(a, "POST", "/api/v1/auth/login", body={"email": email, "password": "a wrong password"})[0] for _ in range(11)]
    first_b = call(b, "POST", "/api/v1/auth/login", body={"email": email, "password": "a wrong password"})[0]
    exports_a = [call(a, "GET", "/api/v1/exports/needs", token)[0] for _ in range(3)]
    first_export_b = call(b, "GET", "/api/v1/exports/needs", token)[0]
    return {"failed_logins_on_a": f"{statuses_a.count(401)} x 401 then {statuses_a.count(429)} x 429",
            "same_account_first_attempt_on_b": first_b,
            "exports_on_a_with_a_limit_of_2": exports_a,
            "first_export_on_b": first_export_b}


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Hook)
        self.got = []  # (webhook-id, entity id)
        self.lock = threading.Lock()


class Hook(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        with self.server.lock:
            self.server.got.append((self.headers.get("webhook-id"), body["data"]["entity_id"]))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def deliveries(receiver, acked, killed_at, limit=120):
    """Waits until every acknowledged need's event came (A's leased deliveries after their lease)."""
    wanted = {str(i) for i in acked.values()}
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with receiver.lock:
            seen = {e for _, e in receiver.got}
        if wanted <= seen:
            break
        time.sleep(0.5)
    with receiver.lock:
        got = list(receiver.got)
    ids = [m for m, _ in got]
    return {"acknowledged_needs": len(wanted), "delivered_needs": len(wanted & {e for _, e in got}),
            "messages": len(got), "message_ids_received_twice": len(ids) - len(set(ids)),
            "last_delivery_seconds_after_kill": round(time.monotonic() - killed_at, 1)}


def kill_one(a, b, token, procs, seconds=6.0, writers=6):
    """Writers create needs through A and B alternately; A is killed half-way."""
    acked, lost_answers, errors = {}, [], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def writer(n):
        i = 0
        while time.monotonic() < stop:
            key = f"kill-{n}-{i}-{uuid.uuid4().hex[:6]}"
            body = {"country": "PER", "thematic_area": "public-budget", "kind": "training",
                    "title": f"Need {key}", "description": "Written during a kill."}
            port = (a, b)[(n + i) % 2]
            for attempt in range(20):
                try:
                    status, _, res = call(port, "POST", "/api/v1/needs", token, body, {"idempotency-key": key}, timeout=5)
                except OSError:
                    # The instance died with the request: the answer is lost; retry on the other.
                    with lock:
                        lost_answers.append(key)
                    port = b
                    time.sleep(0.05)
                    continue
                if status == 201:
                    with lock:
                        acked[key] = res["id"]
                    break
                if status in (409, 503):
                    time.sleep(0.1)
                    continue
                with lock:
                    errors.append(status)
                break
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    procs[0].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    for t in threads:
        t.join()
    missing = [k for k, i in acked.items() if call(b, "GET", f"/api/v1/needs/{i}", token)[0] != 200]
    ids = list(acked.values())
    return acked, killed_at, {"acknowledged": len(acked), "requests_a_did_not_answer_retried_on_b": len(set(lost_answers)),
            "missing": len(missing), "ids_given_twice": len(ids) - len(set(ids)),
            "other_failures": errors, "seconds_after_kill": round(stop - killed_at, 1)}


def main():
    if not BINARY:
        raise SystemExit("build the server first: cargo build --release")
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    logdir = tempfile.mkdtemp(prefix="mecigep-instances-")
    procs = []
    try:
        with open(os.path.join(logdir, "a.log"), "w") as la, open(os.path.join(logdir, "b.log"), "w") as lb:
            procs.append(start(PORTS[0], la, demo=True))
            procs.append(start(PORTS[1], lb, demo=False))
            a, b = PORTS
            token = login(a)
            receiver = Receiver()
            threading.Thread(target=receiver.serve_forever, daemon=True).start()
            status, _, _ = call(a, "POST", "/api/v1/webhooks", token,
                                {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "event_types": ["need.created"]})
            assert status == 201, status
            out = {
                "binary": os.path.relpath(BINARY, ROOT),
                "guide_change_through_a_seen_by_b": guide_visibility(a, b, token),
                "account_deactivated_through_a": deactivation(a, b, token),
                "idempotency_key_through_a_then_b": idempotency(a, b, token),
                "throttles": throttles(a, b, token),
            }
            acked, killed_at, out["a_killed_during_writes"] = kill_one(a, b, token, procs)
            out["webhook_deliveries_by_both"] = deliveries(receiver, acked, killed_at)
            print(json.dumps(out, indent=2))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
