#!/usr/bin/env python3
"""Files kept in an S3-compatible store, end to end: a real S3 API (moto's server, started by
.ci/objects/run) behind `MECIGEP_FILES_URL=s3://…`.

    check.py BINARY WORKDIR S3_ENDPOINT

Starts the server on a fresh SQLite with its files in `s3://mecigep-files/production`, then:
uploads a 6 MiB PDF (put in parts) and a small CSV, reads them back whole and in ranges,
finds their content under the prefix in the bucket (and none of it in the database), attaches
one to a need and reads it anonymously once the need is open; runs `mecigep backup` (the
content is copied beside the database's copy) and `mecigep restore` into a new database and a
new prefix, whose server serves the same bytes. Exits non-zero on the first difference.
"""

import hashlib
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

import boto3

BINARY, WORK, ENDPOINT = sys.argv[1], sys.argv[2], sys.argv[3]
PORT = 18093
BUCKET = "mecigep-files"
ADMIN, PASSWORD = "admin@objects.example", "objects check admin password"
AWS = {"AWS_ENDPOINT": ENDPOINT, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def s3():
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def call(method, path, body=None, headers=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    h = dict(headers or {})
    if token:
        h["authorization"] = "Bearer " + token
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        h["content-type"] = "application/json"
    c.request(method, path, body, h)
    res = c.getresponse()
    return res.status, dict(res.getheaders()), res.read()


def serve(database, prefix):
    env = dict(os.environ, **AWS)
    env.update({"DATABASE_URL": database, "MECIGEP_BIND": f"127.0.0.1:{PORT}",
                "MECIGEP_FILES_URL": f"s3://{BUCKET}/{prefix}", "MECIGEP_ADMIN_EMAIL": ADMIN,
                "MECIGEP_ADMIN_PASSWORD": PASSWORD, "MECIGEP_JOBS": "false", "RUST_LOG": "warn",
                "MECIGEP_JWT_SECRET": "objects-check-secret-of-at-least-32-bytes"})
    log = open(os.path.join(WORK, f"server-{prefix}.log"), "w")
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=log, stderr=log)
    for _ in range(240):
        try:
            if call("GET", "/health/ready")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.25)
    raise SystemExit("objects: the server did not start; see " + log.name)


def command(args, database, prefix):
    env = dict(os.environ, **AWS)
    env.update({"DATABASE_URL": database, "MECIGEP_FILES_URL": f"s3://{BUCKET}/{prefix}",
                "MECIGEP_DB_WAIT_SECS": "0"})
    out = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    print("objects:", out.stdout.strip())


def token():
    status, _, body = call("POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})
    assert status == 200, (status, body)
    return json.loads(body)["access_token"]


def upload(tok, data, name, ctype):
    status, headers, body = call("POST", "/api/v1/files", data,
                                 {"content-type": ctype, "content-disposition": f'attachment; filename="{name}"'}, tok)
    assert status == 201, (status, body[:300])
    return json.loads(body)


def main():
    s3().create_bucket(Bucket=BUCKET)
    database = os.path.join(WORK, "objects.sqlite3")
    proc = serve(database, "production")
    try:
        tok = token()
        rng = random.Random(7)
        big = b"%PDF-1.7\n" + rng.randbytes(6 * 1024 * 1024)
        small = "año,programa,monto\n2025,evaluación,1200\n".encode()
        f_big = upload(tok, big, "informe.pdf", "application/pdf")
        f_small = upload(tok, small, "presupuesto.csv", "text/csv")
        assert f_big["sha256"] == hashlib.sha256(big).hexdigest()
        assert f_big["media_type"] == "application/pdf" and f_small["media_type"] == "text/csv"

        status, headers, body = call("GET", f"/api/v1/files/{f_big['id']}", token=tok)
        assert status == 200 and body == big, status
        status, headers, body = call("GET", f"/api/v1/files/{f_big['id']}", token=tok,
                                     headers={"range": "bytes=5242870-5242899"})
        assert status == 206 and body == big[5242870:5242900], (status, len(body))
        assert headers["content-range"] == f"bytes 5242870-5242899/{len(big)}", headers

        keys = sorted(o["Key"] for o in s3().list_objects_v2(Bucket=BUCKET, Prefix="production/").get("Contents", []))
        assert keys == sorted(f"production/blobs/{f['sha256']}" for f in (f_big, f_small)), keys
        chunks = sqlite3.connect(database).execute("SELECT COUNT(*) FROM blob_chunks").fetchone()[0]
        assert chunks == 0, "content is in the store, not the database"

        status, _, body = call("POST", "/api/v1/needs", {"country": "ARG", "thematic_area": "public-budget",
                                                        "kind": "training", "title": "Evaluation",
                                                        "description": "Evaluation of budget programs."}, token=tok)
        assert status == 201, body
        need = json.loads(body)["id"]
        status, _, body = call("POST", "/api/v1/attachments", {"file": f_small["id"], "parent_type": "need",
                                                              "parent_id": need}, token=tok)
        assert status == 201, body
        assert call("GET", f"/api/v1/files/{f_small['id']}")[0] == 404, "a draft need's file is not public"
        assert call("POST", f"/api/v1/needs/{need}/open", token=tok)[0] == 200
        status, _, body = call("GET", f"/api/v1/files/{f_small['id']}")
        assert status == 200 and body == small
    finally:
        proc.terminate()
        proc.wait()

    backup = os.path.join(WORK, "objects.backup")
    command(["backup", backup], database, "production")
    assert sorted(os.listdir(backup + ".files")) == sorted([f_big["sha256"], f_small["sha256"]])
    restored = os.path.join(WORK, "restored.sqlite3")
    command(["restore", backup], restored, "restored")
    proc = serve(restored, "restored")
    try:
        tok = token()
        status, _, body = call("GET", f"/api/v1/files/{f_big['id']}", token=tok)
        assert status == 200 and body == big, status
        keys = [o["Key"] for o in s3().list_objects_v2(Bucket=BUCKET, Prefix="restored/").get("Contents", [])]
        assert len(keys) == 2, keys
    finally:
        proc.terminate()
        proc.wait()
    print("objects: uploads, ranges, visibility, backup and restore through an S3 API: as expected")


if __name__ == "__main__":
    main()
