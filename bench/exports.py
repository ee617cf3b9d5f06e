#!/usr/bin/env python3
"""Export throughput and server memory (standard library only).

    bench/exports.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD SERVER_PID [ANSWERS]

Generates, through the API, about ANSWERS answers (default 1,000,000): rounds with a
1,000-question questionnaire, 33 countries each, the secretariat answering on their behalf
with bulk PUTs (8 threads). Then streams `GET /api/v1/exports/answers` as CSV: the whole set, and
one round of it, sampling the server's resident memory (VmRSS of SERVER_PID) every
20 ms. Prints rows/s, MB/s and peak RSS of each, and the RSS before.
"""

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

BASE, EMAIL, PASSWORD, PID = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
TARGET = int(sys.argv[5]) if len(sys.argv) > 5 else 1_000_000
URL = urlparse(BASE)
QUESTIONS = 1000
COUNTRIES = [
    "ARG", "ATG", "BHS", "BLZ", "BOL", "BRA", "BRB", "CAN", "CHL", "COL", "CRI", "DMA", "DOM", "ECU",
    "GRD", "GTM", "GUY", "HND", "HTI", "JAM", "KNA", "LCA", "MEX", "PAN", "PER", "PRY", "SLV", "SUR",
    "TTO", "URY", "USA", "VCT", "VEN",
]


class Client:
    def __init__(self, token=None):
        self.conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=600)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = "Bearer " + self.token
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers=headers)
        res = self.conn.getresponse()
        return res.status, res.read()


def must(status, payload, expected):
    if status != expected:
        sys.exit(f"setup failed: {status} {payload[:300]!r}")
    return json.loads(payload) if payload else None


def questionnaire():
    qs = []
    for i in range(QUESTIONS):
        kind = ["text", "integer", "boolean", "single_choice"][i % 4]
        q = {"code": f"Q{i:04}", "prompt": f"Question {i}", "kind": kind}
        if kind == "integer":
            q.update({"min": 0, "max": 1_000_000})
        if kind == "single_choice":
            q["options"] = [{"value": v, "label": v.title()} for v in ("low", "medium", "high")]
        qs.append(q)
    return {"title": "Export bench", "sections": [
        {"code": f"S{s:02}", "title": f"Section {s}", "questions": qs[s * 50:(s + 1) * 50]} for s in range(QUESTIONS // 50)]}


def answers(seed):
    out = []
    for i in range(QUESTIONS):
        kind = i % 4
        value = [f"Answer {i}, country {seed} — \"framework\"", (i * 7 + seed) % 1000, (i + seed) % 2 == 0,
                 ("low", "medium", "high")[(i + seed) % 3]][kind]
        out.append({"question": f"Q{i:04}", "value": value})
    return out


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def generate(token):
    admin = Client(token)
    rounds = max(1, round(TARGET / (QUESTIONS * len(COUNTRIES))))
    status, payload = admin.call("GET", "/api/v1/rounds?limit=500")
    first = max([r["number"] for r in must(status, payload, 200)["data"]] + [0]) + 1
    doc = questionnaire()
    work = []
    round_ids = []
    for n in range(first, first + rounds):
        r = must(*admin.call("POST", "/api/v1/rounds", {
            "number": n, "title": f"Export round {n}", "thematic_areas": ["public-budget"],
            "starts_on": "2026-01-01", "responses_due_on": "2099-12-31", "ends_on": "2099-12-31"}), 201)
        round_ids.append(r["id"])
        q = must(*admin.call("POST", "/api/v1/questionnaires", dict(doc, round=r["id"])), 201)
        must(*admin.call("POST", f"/api/v1/questionnaires/{q['id']}/publish"), 200)
        for c in COUNTRIES:
            must(*admin.call("PUT", f"/api/v1/rounds/{r['id']}/participants/{c}"), 201)
        must(*admin.call("POST", f"/api/v1/rounds/{r['id']}/open"), 200)
        for k, c in enumerate(COUNTRIES):
            resp = must(*admin.call("POST", f"/api/v1/questionnaires/{q['id']}/responses", {"country": c}), 201)
            work.append((resp["id"], k))
    failures = []

    def worker(items):
        c = Client(token)
        for rid, seed in items:
            status, payload = c.call("PUT", f"/api/v1/responses/{rid}/answers", answers(seed))
            if status != 200:
                failures.append((status, payload[:200]))
                return

    threads = [threading.Thread(target=worker, args=(work[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(f"generation failed: {failures[0]}")
    return round_ids, len(work) * QUESTIONS


def export(token, query, label):
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=600)
    start = time.perf_counter()
    conn.request("GET", f"/api/v1/exports/answers?{query}", headers={"authorization": "Bearer " + token})
    res = conn.getresponse()
    lines = 0
    size = 0
    while True:
        chunk = res.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    rows = lines - 1
    print(f"{label:<34} {rows:>9} rows {elapsed:7.2f} s {rows / elapsed:>10,.0f} rows/s "
          f"{size / elapsed / 1e6:6.1f} MB/s  peak RSS {peak[0] / 1024:6.1f} MiB  (status {res.status}, "
          f"chunked: {res.getheader('transfer-encoding') == 'chunked'})")


def main():
    anon = Client()
    token = must(*anon.call("POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD}), 200)["access_token"]
    start = time.perf_counter()
    round_ids, total = generate(token)
    print(f"generated {total:,} answers in {len(round_ids)} rounds in {time.perf_counter() - start:.0f} s")
    print(f"server RSS before the exports: {rss_kib() / 1024:.1f} MiB")
    export(token, f"round={round_ids[0]}", "export, 1 round (CSV)")
    export(token, "", "export, everything (CSV)")
    export(token, "", "export, everything again (CSV)")
    export(token, "format=ndjson", "export, everything (NDJSON)")
    print(f"server RSS after the exports: {rss_kib() / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
