#!/usr/bin/env python3
"""The change feed and webhook deliveries under load (standard library only).

    bench/events.py [BINARY] [POSTGRES_URL] [EVENTS] [READERS]

Starts one server (`target/release/mecigep` by default) on a fresh PostgreSQL database with the
demo content and its background jobs, a webhook receiver on this machine (answering 204), and:

1. subscribes the secretariat and three focal points to the receiver (every event type), then
   has 8 writers create EVENTS needs (default 3,000) for random countries as the secretariat,
   each write appending a `need.created` event: writes/s with events numbered in commit order;
2. measures delivery throughput: from the first write to the last delivery the receiver got
   (the secretariat's subscription gets every event, each focal point its own country's
   drafts: need drafts are their country's), deliveries/s, and checks signatures' presence and
   that no message id came twice per subscription;
3. reads the feed with READERS (default 32) concurrent clients for 15 s, each request drawing
   its role (anonymous, secretariat, a focal point of a random country, an expert), a random
   cursor position, a random `types` filter or none, and limit 100: requests/s, events/s
   served, p50/p99 latency.

Prints one JSON document with the figures.
"""

import base64
import http.client
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else next(
    (p for p in (os.path.join(ROOT, "target/release/mecigep"), os.path.join(ROOT, "target/debug/mecigep")) if os.path.exists(p)),
    None,
)
PG = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432"
EVENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
READERS = int(sys.argv[4]) if len(sys.argv) > 4 else 32
DB = "mecigep_events_bench"
ADMIN, PASSWORD = "admin@events.example", "events bench admin password"
PORT = 18291
COUNTRIES = ["ARG", "BRA", "CHL", "COL", "CRI", "MEX", "PER", "URY", "JAM", "TTO", "CAN", "PAN"]
FOCAL = ["ARG", "BRA", "MEX"]
TYPES = [None, None, "need.*", "need.created", "round.*,report.*", "response.*", "cooperation.*,need.*"]


def psql(sql):
    subprocess.run(["psql", PG + "/postgres", "-qAtc", sql], check=True, capture_output=True)


class Conn:
    def __init__(self, token=None):
        self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.token = token

    def call(self, method, path, body=None, token=None):
        h = {"content-type": "application/json"}
        tok = token if token is not None else self.token
        if tok:
            h["authorization"] = "Bearer " + tok
        self.c.request(method, path, json.dumps(body).encode() if body is not None else None, h)
        res = self.c.getresponse()
        data = res.read()
        return res.status, (json.loads(data) if data else None)


def login(email, password):
    status, body = Conn().call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert status == 200, (status, body)
    return body["access_token"]


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.got = []  # (path, webhook-id, time)
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        self.rfile.read(n)
        ok = self.headers.get("webhook-signature", "").startswith("v1,")
        with self.server.lock:
            self.server.got.append((self.path, self.headers.get("webhook-id"), time.monotonic(), ok))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


def main():
    if not BINARY:
        raise SystemExit("build the server first: cargo build --release")
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"{PG}/{DB}", "MECIGEP_BIND": f"127.0.0.1:{PORT}", "MECIGEP_DEMO": "true",
        "MECIGEP_ADMIN_EMAIL": ADMIN, "MECIGEP_ADMIN_PASSWORD": PASSWORD, "RUST_LOG": "warn",
        "MECIGEP_JWT_SECRET": "events-bench-secret-of-at-least-32-bytes",
        "MECIGEP_WEBHOOK_ALLOW_PRIVATE": "true", "MECIGEP_DB_POOL_SIZE": "20",
        "MECIGEP_RATE_LIMIT_WRITES": "0", "MECIGEP_RATE_LIMIT_SEARCH": "0",
    })
    log = open(os.path.join(tempfile.mkdtemp(prefix="mecigep-events-"), "server.log"), "w")
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=log, stderr=log)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    rport = receiver.server_address[1]
    try:
        for _ in range(240):
            try:
                if Conn().call("GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.25)
        admin = login(ADMIN, PASSWORD)
        tokens = {"secretariat": admin}
        c = Conn(admin)
        for country in FOCAL + ["CHL"]:
            role = "expert" if country == "CHL" else "member_country"
            email = f"{role}.{country.lower()}@events.example"
            status, _ = c.call("POST", "/api/v1/users", {"email": email, "display_name": email, "role": role,
                                                         "country": country, "password": "events bench password"})
            assert status == 201, status
            tokens[f"{role}:{country}"] = login(email, "events bench password")
        for who in ["secretariat"] + [f"member_country:{x}" for x in FOCAL]:
            status, body = c.call("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{rport}/{who}"}, tokens[who])
            assert status == 201, (status, body)

        # 1. writes, each with its event
        per_writer = EVENTS // 8
        latencies = []
        lock = threading.Lock()

        def writer(n):
            w = Conn(admin)
            rnd = random.Random(n)
            for i in range(per_writer):
                country = rnd.choice(COUNTRIES)
                t = time.monotonic()
                status, body = w.call("POST", "/api/v1/needs", {
                    "country": country, "thematic_area": "public-budget", "kind": "training",
                    "title": f"Need {n}-{i}", "description": "Written by the events bench."})
                assert status == 201, (status, body)
                with lock:
                    latencies.append(time.monotonic() - t)

        started = time.monotonic()
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wrote = time.monotonic() - started
        written = per_writer * 8

        # 2. deliveries: every event to the secretariat, FOCAL countries' drafts to theirs
        expected_admin = written
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with receiver.lock:
                admin_got = [g for g in receiver.got if g[0] == "/secretariat"]
            if len(admin_got) >= expected_admin:
                break
            time.sleep(0.2)
        with receiver.lock:
            got = list(receiver.got)
        last = max(g[2] for g in got)
        by_hook = {}
        for path, mid, _, _ in got:
            by_hook.setdefault(path, []).append(mid)
        duplicates = sum(len(v) - len(set(v)) for v in by_hook.values())
        deliveries = {
            "deliveries": len(got),
            "per_subscription": {k: len(v) for k, v in sorted(by_hook.items())},
            "secretariat_events_expected": expected_admin,
            "seconds_from_first_write_to_last_delivery": round(last - started, 2),
            "deliveries_per_s": round(len(got) / (last - started), 1),
            "duplicate_message_ids": duplicates,
            "all_signed": all(g[3] for g in got),
        }

        # 3. the feed under a varied mix
        _, latest = Conn(admin).call("GET", "/api/v1/events?after=latest")
        top = latest["next_cursor"]
        top_id = json.loads(base64.urlsafe_b64decode(top + "=" * (-len(top) % 4)))
        roles = [None, "secretariat"] + [f"member_country:{x}" for x in FOCAL] + ["expert:CHL"]
        lat, served = [], [0, 0]
        stop = time.monotonic() + 15

        def reader(n):
            r = Conn()
            rnd = random.Random(1000 + n)
            while time.monotonic() < stop:
                who = rnd.choice(roles)
                after = rnd.randint(0, max(1, top_id))
                cursor = base64.urlsafe_b64encode(json.dumps(after).encode()).decode().rstrip("=")
                types = rnd.choice(TYPES)
                q = f"/api/v1/events?after={cursor}&limit=100" + (f"&types={types}" if types else "")
                t = time.monotonic()
                status, body = r.call("GET", q, token=tokens.get(who, "") if who else "")
                d = time.monotonic() - t
                assert status == 200, (status, body)
                with lock:
                    lat.append(d)
                    served[0] += 1
                    served[1] += len(body["data"])

        t0 = time.monotonic()
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - t0
        out = {
            "binary": os.path.relpath(BINARY, ROOT),
            "writes_with_events": {"writers": 8, "created": written, "per_s": round(written / wrote, 1),
                                   "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                                   "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)},
            "webhook_deliveries": deliveries,
            "feed_reads": {"readers": READERS, "events_in_table": top_id, "requests": served[0],
                           "per_s": round(served[0] / took, 1), "events_served_per_s": round(served[1] / took, 1),
                           "p50_ms": round(percentile(lat, 0.5) * 1000, 1), "p99_ms": round(percentile(lat, 0.99) * 1000, 1)},
        }
        print(json.dumps(out, indent=2))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        receiver.shutdown()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
