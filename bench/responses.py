#!/usr/bin/env python3
"""Load of the focal points' writes against a running server (standard library only).

    bench/responses.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD [CLIENTS] [SECONDS]

Sets up, through the API, rounds with a 300-question questionnaire and responses of many
countries (the secretariat answers on their behalf), then measures:
  put    PUT /responses/{id}/answers with 300 answers, each client on its own response,
         alternating two answer sets so every request really rewrites all 300 answers; then
         the same with `Prefer: return=minimal` (the answers are not echoed back);
  burst  the focal points' systems saving at the same moment: every client sends one PUT of
         300 answers at once, waits until all are answered, then all again (BURSTS times, a
         fifth of a second apart); the p99 is over every save of every burst;
  submit POST /responses/{id}/submit, each response once.
Prints requests/s, p50 and p99 in milliseconds.

The PUT load comes from wrk (one thread and one connection per client, a Lua script choosing
the body) when wrk is installed: the Python threads share one interpreter lock, and with 8 of
them on the 2 cores the wait for that lock showed up in the measured latency. PUT_LOAD=python
measures with the Python threads instead.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlparse

BASE, EMAIL, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
CLIENTS = int(sys.argv[4]) if len(sys.argv) > 4 else 8
SECONDS = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
URL = urlparse(BASE)
QUESTIONS = 300
COUNTRIES = [
    "ARG", "ATG", "BHS", "BLZ", "BOL", "BRA", "BRB", "CAN", "CHL", "COL", "CRI", "DMA", "DOM", "ECU",
    "GRD", "GTM", "GUY", "HND", "HTI", "JAM", "KNA", "LCA", "MEX", "PAN", "PER", "PRY", "SLV", "SUR",
    "TTO", "URY", "USA", "VCT", "VEN",
]


class Client:
    def __init__(self, token=None):
        self.conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = "Bearer " + self.token
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers=headers)
        res = self.conn.getresponse()
        payload = res.read()
        return res.status, payload


def must(status, payload, expected):
    if status != expected:
        sys.exit(f"setup failed: {status} {payload[:300]!r}")
    return json.loads(payload) if payload else None


def questionnaire():
    questions = []
    for i in range(QUESTIONS):
        kind = "integer" if i % 5 == 0 else "text"
        q = {"code": f"Q{i:03}", "prompt": f"Question {i}", "kind": kind, "required": i % 10 == 0}
        if kind == "integer":
            q.update({"min": 0, "max": 1_000_000})
        questions.append(q)
    sections = [{"code": f"S{s}", "title": f"Section {s}", "questions": questions[s * 30:(s + 1) * 30]} for s in range(10)]
    return {"title": "Bench questionnaire", "sections": sections}


def answers(flip):
    out = []
    for i in range(QUESTIONS):
        if i % 5 == 0:
            out.append({"question": f"Q{i:03}", "value": i * 10 + flip})
        else:
            out.append({"question": f"Q{i:03}", "value": f"Answer {i} ({'a' if flip else 'b'}) — institutional framework"})
    return out


def setup(admin, rounds):
    """Creates `rounds` open rounds of all COUNTRIES; returns response ids by round."""
    status, payload = admin.call("GET", "/api/v1/rounds?limit=500")
    first = max([r["number"] for r in must(status, payload, 200)["data"]] + [0]) + 1
    doc = questionnaire()
    by_round = []
    for n in range(first, first + rounds):
        r = must(*admin.call("POST", "/api/v1/rounds", {
            "number": n, "title": f"Bench round {n}", "thematic_areas": ["public-budget"],
            "starts_on": "2026-01-01", "responses_due_on": "2099-12-31", "ends_on": "2099-12-31"}), 201)
        q = must(*admin.call("POST", "/api/v1/questionnaires", dict(doc, round=r["id"])), 201)
        must(*admin.call("POST", f"/api/v1/questionnaires/{q['id']}/publish"), 200)
        for c in COUNTRIES:
            must(*admin.call("PUT", f"/api/v1/rounds/{r['id']}/participants/{c}"), 201)
        must(*admin.call("POST", f"/api/v1/rounds/{r['id']}/open"), 200)
        ids = []
        for c in COUNTRIES:
            resp = must(*admin.call("POST", f"/api/v1/questionnaires/{q['id']}/responses", {"country": c}), 201)
            ids.append(resp["id"])
        by_round.append(ids)
    return by_round


def percentile(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, int(round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def report(name, latencies, elapsed, errors):
    latencies.sort()
    rps = len(latencies) / elapsed if elapsed else 0
    print(f"{name:<34} {rps:12.1f} {percentile(latencies, 50):10.2f} {percentile(latencies, 99):10.2f}"
          f"   ({len(latencies)} requests, {errors} errors, {CLIENTS} clients)")


WRK_PUT = """
local ids = {%s}
local n = 0
function setup(thread)
    n = n + 1
    thread:set("rid", ids[n])
end
function init(args)
    local function slurp(path)
        local f = assert(io.open(path, "rb")); local s = f:read("*a"); f:close(); return s
    end
    bodies = {slurp("%s"), slurp("%s")}
    flip = 1
end
function request()
    flip = 3 - flip
    return wrk.format("PUT", "/api/v1/responses/" .. rid .. "/answers",
        {["content-type"] = "application/json", ["authorization"] = "Bearer %s"%s}, bodies[flip])
end
"""


def wrk_ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float(v)


def bench_put_wrk(token, response_ids, minimal):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for flip in (0, 1):
            paths.append(os.path.join(d, f"answers{flip}.json"))
            with open(paths[-1], "wb") as f:
                f.write(json.dumps(answers(flip)).encode())
        script = os.path.join(d, "put.lua")
        with open(script, "w") as f:
            prefer = ', ["prefer"] = "return=minimal"' if minimal else ""
            f.write(WRK_PUT % (", ".join(str(i) for i in response_ids[:CLIENTS]), paths[0], paths[1], token, prefer))
        out = subprocess.run(["wrk", f"-t{CLIENTS}", f"-c{CLIENTS}", f"-d{int(SECONDS)}s", "--latency",
                              "-s", script, BASE], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = wrk_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = wrk_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    name = "PUT …/answers (300), minimal" if minimal else "PUT /responses/{id}/answers (300)"
    print(f"{name:<34} {rps:12.1f} {p50:10.2f} {p99:10.2f}"
          f"   ({total} requests, {errors} errors, {CLIENTS} clients, wrk)")


def bench_put(token, response_ids):
    bodies = [json.dumps(answers(0)).encode(), json.dumps(answers(1)).encode()]
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + SECONDS

    def worker(rid):
        c = Client(token)
        flip = 0
        mine = []
        while time.monotonic() < deadline:
            flip ^= 1
            t = time.perf_counter()
            c.conn.request("PUT", f"/api/v1/responses/{rid}/answers", body=bodies[flip],
                           headers={"content-type": "application/json", "authorization": "Bearer " + token})
            res = c.conn.getresponse()
            res.read()
            ms = (time.perf_counter() - t) * 1000
            if res.status == 200:
                mine.append(ms)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in response_ids[:CLIENTS]]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report("PUT /responses/{id}/answers (300)", latencies, time.monotonic() - start, errors[0])


def bench_burst(token, response_ids, bursts):
    bodies = [json.dumps(answers(0)).encode(), json.dumps(answers(1)).encode()]
    latencies, errors, lock = [], [0], threading.Lock()
    clients = response_ids[:CLIENTS]
    go = threading.Barrier(len(clients))

    def worker(rid):
        c = Client(token)
        c.conn.connect()
        mine = []
        for n in range(bursts):
            go.wait()
            t = time.perf_counter()
            c.conn.request("PUT", f"/api/v1/responses/{rid}/answers", body=bodies[n % 2],
                           headers={"content-type": "application/json", "authorization": "Bearer " + token})
            res = c.conn.getresponse()
            res.read()
            ms = (time.perf_counter() - t) * 1000
            if res.status == 200:
                mine.append(ms)
            else:
                with lock:
                    errors[0] += 1
            go.wait()
            time.sleep(0.2)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in clients]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    print(f"{'PUT (300), all clients at once':<34} {'':>12} {percentile(latencies, 50):10.2f} {percentile(latencies, 99):10.2f}"
          f"   ({len(latencies)} requests in {bursts} bursts, {errors[0]} errors, {CLIENTS} clients;"
          f" max {latencies[-1] if latencies else float('nan'):.1f} ms)")


def bench_submit(token, response_ids):
    required = [a for a in answers(0) if int(a["question"][1:]) % 10 == 0]
    filler = Client(token)
    for rid in response_ids:
        must(*filler.call("PUT", f"/api/v1/responses/{rid}/answers", required), 200)
    latencies, errors, lock = [], [0], threading.Lock()
    chunks = [response_ids[i::CLIENTS] for i in range(CLIENTS)]

    def worker(ids):
        c = Client(token)
        mine = []
        for rid in ids:
            t = time.perf_counter()
            status, _ = c.call("POST", f"/api/v1/responses/{rid}/submit")
            ms = (time.perf_counter() - t) * 1000
            if status == 200:
                mine.append(ms)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(ids,)) for ids in chunks]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report("POST /responses/{id}/submit", latencies, time.monotonic() - start, errors[0])


def main():
    anon = Client()
    token = must(*anon.call("POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD}), 200)["access_token"]
    admin = Client(token)
    by_round = setup(admin, rounds=4)
    # One response per client, across rounds when there are more clients than countries.
    ids = [rid for round_ids in by_round for rid in round_ids]
    if len(ids) <= CLIENTS:
        sys.exit(f"{len(ids)} responses for {CLIENTS} clients: too many clients")
    put_ids, submit_ids = ids[:CLIENTS], ids[CLIENTS:]
    if os.environ.get("PUT_LOAD") != "python" and shutil.which("wrk"):
        bench_put_wrk(token, put_ids, minimal=False)
        bench_put_wrk(token, put_ids, minimal=True)
    else:
        bench_put(token, put_ids)
    bench_burst(token, put_ids, int(os.environ.get("BURSTS", "40")))
    bench_submit(token, submit_ids)


if __name__ == "__main__":
    main()
