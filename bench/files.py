#!/usr/bin/env python3
"""Uploads and downloads under load, and the server's memory during a 25 MiB upload (standard
library only).

    bench/files.py [BINARY] [DATABASE] [UPLOADERS] [READERS]

DATABASE is `sqlite` (a fresh file, the default) or a PostgreSQL server URL
(`postgres://postgres@127.0.0.1:5432`, a fresh database on it). Starts one server
(`target/release/mecigep` by default) with the demo content, files kept in the database, and:

1. 25 MiB upload while the server's resident memory is sampled every 20 ms (from
   /proc/<pid>/status): the peak above the idle figure, and the upload's time;
2. UPLOADERS (default 8) focal points of different countries upload distinct files for 15 s,
   each drawing a size (10 KiB to 4 MiB, most small, as evidence documents are), a type (PDF,
   CSV, PNG) and raw or multipart form: uploads/s, MiB/s, p50/p99;
3. READERS (default 32) clients download for 15 s, each request drawing a caller (the uploader,
   the secretariat, anonymous for the files attached to open needs), a file, and whole or a
   random range: downloads/s, MiB/s, p50/p99, and how many answered 404 as they should
   (another country's unattached upload).

Prints one JSON document with the figures.
"""

import http.client
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
DATABASE = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
UPLOADERS = int(sys.argv[3]) if len(sys.argv) > 3 else 8
READERS = int(sys.argv[4]) if len(sys.argv) > 4 else 32
DB = "mecigep_files_bench"
ADMIN, PASSWORD = "admin@files.example", "files bench admin password"
PORT = 18292
COUNTRIES = ["ARG", "BRA", "CHL", "COL", "CRI", "MEX", "PER", "URY", "JAM", "TTO", "CAN", "PAN"]
SECONDS = 15


def psql(sql):
    subprocess.run(["psql", DATABASE + "/postgres", "-qAtc", sql], check=True, capture_output=True)


class Conn:
    def __init__(self, token=None):
        self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.token = token

    def call(self, method, path, body=None, headers=None, token=None):
        h = dict(headers or {})
        tok = token if token is not None else self.token
        if tok:
            h["authorization"] = "Bearer " + tok
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("content-type", "application/json")
        for attempt in range(2):
            try:
                self.c.request(method, path, body, h)
                res = self.c.getresponse()
                return res.status, res.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closes a keep-alive connection idle past its timeout: reconnect.
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                if attempt == 1:
                    raise


def login(email, password):
    status, body = Conn().call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert status == 200, (status, body)
    return json.loads(body)["access_token"]


def content(kind, size, rng):
    """Distinct bytes of `kind`, `size` long."""
    noise = rng.randbytes(size)
    if kind == "pdf":
        return b"%PDF-1.7\n" + noise[: size - 9]
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise[: size - 16]
    line = b"year,program,amount\n"
    rows = (line + b"".join(b"%d,p%d,%d\n" % (2000 + i % 25, i, rng.randrange(10**6)) for i in range(size // 16 + 1)))
    return rows[:size].rsplit(b"\n", 1)[0] + b"\n"


def upload(conn, kind, data, name, form):
    if form:
        boundary = "bench%d" % random.randrange(10**9)
        ctype = {"pdf": "application/pdf", "png": "image/png", "csv": "text/csv"}[kind]
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    else:
        body = data
        headers = {"content-type": "application/octet-stream",
                   "content-disposition": f"attachment; filename=\"{name}\""}
    return conn.call("POST", "/api/v1/files", body, headers)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


def size_draw(rng):
    # Most evidence is small (a decree, a table); some are long reports.
    r = rng.random()
    if r < 0.6:
        return rng.randrange(10 * 1024, 200 * 1024)
    if r < 0.9:
        return rng.randrange(200 * 1024, 1024 * 1024)
    return rng.randrange(1024 * 1024, 4 * 1024 * 1024)


def main():
    if not BINARY:
        raise SystemExit("build the server first: cargo build --release")
    work = tempfile.mkdtemp(prefix="mecigep-files-")
    if DATABASE == "sqlite":
        url = os.path.join(work, "bench.sqlite3")
    else:
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {DB}")
        url = f"{DATABASE}/{DB}"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url, "MECIGEP_BIND": f"127.0.0.1:{PORT}", "MECIGEP_DEMO": "true",
        "MECIGEP_ADMIN_EMAIL": ADMIN, "MECIGEP_ADMIN_PASSWORD": PASSWORD, "RUST_LOG": "warn",
        "MECIGEP_JWT_SECRET": "files-bench-secret-of-at-least-32-bytes!",
        "MECIGEP_DB_POOL_SIZE": "20", "MECIGEP_RATE_LIMIT_WRITES": "0", "MECIGEP_JOBS": "false",
    })
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=log, stderr=log)
    out = {"binary": os.path.relpath(BINARY, ROOT), "database": "sqlite" if DATABASE == "sqlite" else "postgresql"}
    try:
        for _ in range(240):
            try:
                if Conn().call("GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.25)
        admin = login(ADMIN, PASSWORD)
        tokens = {}
        for country in COUNTRIES[:UPLOADERS]:
            email = f"fp.{country.lower()}@files.example"
            status, _ = Conn(admin).call("POST", "/api/v1/users", {"email": email, "display_name": email,
                                                                  "role": "member_country", "country": country,
                                                                  "password": "files bench password"})
            assert status == 201, status
            tokens[country] = login(email, "files bench password")

        # 1. one 25 MiB upload, memory sampled
        time.sleep(1)
        idle = rss_kib(proc.pid)
        peak = [idle]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(proc.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        big = content("pdf", 25 * 1024 * 1024 - 1024, random.Random(1))
        t0 = time.perf_counter()
        status, body = upload(Conn(tokens[COUNTRIES[0]]), "pdf", big, "informe-anual.pdf", False)
        took = time.perf_counter() - t0
        done.set()
        sampler.join()
        assert status == 201, (status, body[:200])
        big_id = json.loads(body)["id"]
        t0 = time.perf_counter()
        status, data = Conn(tokens[COUNTRIES[0]]).call("GET", f"/api/v1/files/{big_id}")
        down = time.perf_counter() - t0
        assert status == 200 and len(data) == len(big)
        out["upload_25mib"] = {"seconds": round(took, 3), "mib_per_s": round(25 / took, 1),
                               "rss_idle_mib": round(idle / 1024, 1), "rss_peak_mib": round(peak[0] / 1024, 1),
                               "rss_growth_mib": round((peak[0] - idle) / 1024, 1),
                               "download_seconds": round(down, 3)}

        # 2. concurrent uploads of distinct files
        uploaded = {c: [] for c in tokens}
        latencies, sizes, errors = [], [], []
        lock = threading.Lock()
        stop = time.perf_counter() + SECONDS

        def uploader(n, country):
            rng = random.Random(100 + n)
            conn = Conn(tokens[country])
            while time.perf_counter() < stop:
                kind = rng.choice(["pdf", "pdf", "csv", "png"])
                size = size_draw(rng)
                data = content(kind, size, rng)
                t = time.perf_counter()
                status, body = upload(conn, kind, data, f"evidence-{n}-{rng.randrange(10**6)}.{kind}", rng.random() < 0.3)
                dt = time.perf_counter() - t
                with lock:
                    if status == 201:
                        latencies.append(dt)
                        sizes.append(len(data))
                        uploaded[country].append((json.loads(body)["id"], len(data)))
                    else:
                        errors.append(status)

        threads = [threading.Thread(target=uploader, args=(n, c)) for n, c in enumerate(tokens)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        out["uploads"] = {"clients": len(threads), "uploads": len(latencies), "errors": len(errors),
                          "per_s": round(len(latencies) / elapsed, 1),
                          "mib_per_s": round(sum(sizes) / elapsed / 2**20, 1),
                          "mean_kib": round(sum(sizes) / max(1, len(sizes)) / 1024),
                          "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                          "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}

        # Half of each country's files go on an open need: public from then on.
        public = []
        for country, files in uploaded.items():
            conn = Conn(tokens[country])
            status, body = conn.call("POST", "/api/v1/needs", {"thematic_area": "public-budget", "kind": "training",
                                                               "title": "Evaluation", "description": "Evaluation of programs."})
            assert status == 201, (status, body)
            need = json.loads(body)["id"]
            for fid, size in files[: len(files) // 2]:
                status, _ = conn.call("POST", "/api/v1/attachments", {"file": fid, "parent_type": "need", "parent_id": need})
                assert status == 201
                public.append((fid, size))
            conn.call("POST", f"/api/v1/needs/{need}/open")

        # 3. downloads: whole or a range, as the uploader, the secretariat, anyone, a stranger
        latencies, read_bytes, statuses = [], [0], {}
        stop = time.perf_counter() + SECONDS
        countries = list(uploaded)

        def reader(n):
            rng = random.Random(1000 + n)
            conns = {}
            while time.perf_counter() < stop:
                who = rng.random()
                if who < 0.4:
                    country = rng.choice(countries)
                    fid, size = rng.choice(uploaded[country])
                    token, expect = tokens[country], 200
                elif who < 0.8:
                    fid, size = rng.choice(public)
                    token, expect = None, 200
                elif who < 0.9:
                    country = rng.choice(countries)
                    fid, size = rng.choice(uploaded[country])
                    token, expect = admin, None
                else:
                    country = rng.choice(countries)
                    fid, size = rng.choice(uploaded[country][len(uploaded[country]) // 2:] or uploaded[country])
                    other = rng.choice([c for c in countries if c != country])
                    token, expect = tokens[other], 404
                conn = conns.setdefault(token, Conn(token))
                headers = {}
                if rng.random() < 0.3:
                    a = rng.randrange(size)
                    headers["range"] = f"bytes={a}-{min(size - 1, a + rng.randrange(1, 256 * 1024))}"
                t = time.perf_counter()
                status, data = conn.call("GET", f"/api/v1/files/{fid}", headers=headers)
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    read_bytes[0] += len(data) if status in (200, 206) else 0
                    statuses[status] = statuses.get(status, 0) + 1
                    if expect == 404:
                        assert status == 404, status

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        out["downloads"] = {"clients": READERS, "requests": len(latencies),
                            "per_s": round(len(latencies) / elapsed, 1),
                            "mib_per_s": round(read_bytes[0] / elapsed / 2**20, 1),
                            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                            "statuses": statuses}
    finally:
        proc.terminate()
        proc.wait()
        if DATABASE != "sqlite":
            psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
