#!/usr/bin/env python3
"""Writers under database restarts (standard library only), run by bench/pg_restart.sh.

    bench/outage.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD SECONDS [WRITERS]

Each writer creates rounds one after another, each POST with its own Idempotency-Key, and
retries that key (as a focal point's system would) until it gets its answer. It records every
acknowledged round (201, first answer or replay) and every failure answer with how long it
took. At the end every acknowledged round is read back; prints one JSON line: acknowledged,
lost (acknowledged but absent), replayed answers, ids answered twice for one key, 503s and
their slowest and 99th percentile answer times, other failures by status.
"""

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

BASE, EMAIL, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
SECONDS = float(sys.argv[4])
WRITERS = int(sys.argv[5]) if len(sys.argv) > 5 else 8
URL = urlparse(BASE)

lock = threading.Lock()
acked = {}  # key -> round id
replayed = 0
mismatched = 0
unavailable = []  # seconds each 503 took
other = {}  # status -> count
no_retry_after = 0


def call(conn, method, path, token=None, body=None, headers=None):
    h = {"content-type": "application/json"}
    if token:
        h["authorization"] = "Bearer " + token
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=h)
    res = conn.getresponse()
    return res.status, res.getheaders(), res.read()


def login():
    for _ in range(60):
        try:
            conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
            status, _, payload = call(
                conn,
                "POST",
                "/api/v1/auth/login",
                body={"email": EMAIL, "password": PASSWORD},
            )
            if status == 200:
                return json.loads(payload)["access_token"]
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("cannot log in")


def writer(n, token, until):
    global replayed, mismatched, no_retry_after
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
    i = 0
    while time.time() < until:
        i += 1
        number = n * 1_000_000 + i
        key = f"outage-{n}-{i}"
        body = {
            "number": number,
            "title": f"Round {number}",
            "starts_on": "2027-01-15",
            "responses_due_on": "2027-04-30",
            "ends_on": "2027-12-15",
            "thematic_areas": ["civil-service"],
        }
        first_id = None
        # Retry this key until answered, whatever happens (bounded so the run ends).
        for _ in range(600):
            started = time.time()
            try:
                status, headers, payload = call(
                    conn, "POST", "/api/v1/rounds", token, body, {"idempotency-key": key}
                )
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
                time.sleep(0.1)
                continue
            took = time.time() - started
            if status == 201:
                rid = json.loads(payload)["id"]
                with lock:
                    if dict(headers).get("idempotency-replayed") == "true":
                        replayed += 1
                    if key in acked and acked[key] != rid:
                        mismatched += 1
                    acked[key] = rid
                first_id = rid
                break
            with lock:
                if status == 503:
                    unavailable.append(took)
                    if not any(k.lower() == "retry-after" for k, _ in headers):
                        no_retry_after += 1
                else:
                    other[status] = other.get(status, 0) + 1
            time.sleep(0.2)
        if first_id is None:
            with lock:
                other["gave-up"] = other.get("gave-up", 0) + 1


def main():
    token = login()
    until = time.time() + SECONDS
    threads = [threading.Thread(target=writer, args=(n + 1, token, until)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    token = login()
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
    lost = 0
    for key, rid in acked.items():
        for _ in range(20):
            try:
                status, _, _ = call(conn, "GET", f"/api/v1/rounds/{rid}", token)
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
                time.sleep(0.2)
        else:
            sys.exit("the server does not answer the read-back")
        if status != 200:
            lost += 1
    times = sorted(unavailable)
    p99 = times[int(len(times) * 0.99)] if times else 0
    print(
        json.dumps(
            {
                "acknowledged": len(acked),
                "lost": lost,
                "replayed": replayed,
                "one_key_two_ids": mismatched,
                "answers_503": len(times),
                "answers_503_without_retry_after": no_retry_after,
                "slowest_503_ms": round(times[-1] * 1000) if times else 0,
                "p99_503_ms": round(p99 * 1000),
                "other_failures": other,
            }
        )
    )


main()
