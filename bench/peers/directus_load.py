#!/usr/bin/env python3
"""Loads the bench Guide into Directus, the peer of bench/peers/ab.sh (standard library only).

    bench/peers/directus_load.py DIRECTUS_URL ADMIN_EMAIL ADMIN_PASSWORD [COUNT]

Creates an `experiences` collection with the fields the Guide's list and page show (country,
area, language, snapshot date, title, introduction, strategies, institutions, legal framework,
tags), lets the public role read it (as the Guide is public), and inserts the same COUNT
experiences bench/experiences.py gives our API (ids 1..COUNT), 40 per request: Directus' item
API refuses much larger batches by default.
"""

import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from experiences import experience  # noqa: E402

BASE, EMAIL, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
COUNT = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            payload = res.read()
            return json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read()[:300]!r}")


def field(name, kind, **schema):
    return {"field": name, "type": kind, "schema": schema or {}, "meta": {}}


def main():
    token = call("POST", "/auth/login", {"email": EMAIL, "password": PASSWORD})["data"]["access_token"]
    call("POST", "/collections", {
        "collection": "experiences", "meta": {}, "schema": {},
        "fields": [
            {"field": "id", "type": "integer", "meta": {"hidden": True},
             "schema": {"is_primary_key": True, "has_auto_increment": True}},
            field("country", "string"), field("thematic_area", "string"), field("language", "string"),
            field("snapshot_date", "date"), field("title", "string"), field("introduction", "text"),
            field("strategies", "text"), field("institutions", "json"), field("legal_framework", "json"),
            field("tags", "csv"),
        ]}, token)
    call("POST", "/permissions", {"role": None, "collection": "experiences", "action": "read",
                                  "fields": ["*"], "permissions": {}}, token)
    batch = []
    for i in range(COUNT):
        e = experience(i)
        batch.append({
            "country": e["country"], "thematic_area": e["thematic_area"], "language": e["language"],
            "snapshot_date": e["snapshot_date"], "title": e["title"]["es"],
            "introduction": e["introduction"], "strategies": e["strategies"],
            "institutions": e["institutions"], "legal_framework": e["legal_framework"],
            "tags": e["tags"],
        })
        if len(batch) == 40 or i == COUNT - 1:
            call("POST", "/items/experiences", batch, token)
            batch = []
    print(f"loaded {COUNT} experiences into Directus")


if __name__ == "__main__":
    main()
