#!/usr/bin/env python3
"""Access tokens of a population of signed-in callers, for the mixed load (standard library only).

    bench/tokens.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD

Creates through the API, as the secretariat: focal points of 12 countries, 8 experts, and a
machine client for each of 4 focal points; logs each in (the clients by `client_credentials`)
and prints their access tokens with the secretariat's own, a line per kind
(`secretariat=…`, `member_country=…`, `expert=…`, `client=…`, comma-separated): each request of
the load then stands for one of 25 callers. Run the server with a long
MECIGEP_ACCESS_TOKEN_TTL for loads that outlast the default 15 minutes.
"""

import base64
import http.client
import json
import sys
import uuid
from urllib.parse import urlparse

BASE, EMAIL, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
URL = urlparse(BASE)
MEMBERS = ["ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY", "CAN", "JAM", "CRI", "ECU", "PAN"]
EXPERTS = ["BOL", "DOM", "GTM", "HND", "PRY", "SLV", "TTO", "USA"]
SECRET = "bench-password-0123"


def call(method, path, body=None, token=None, headers=None):
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
    h = {"content-type": "application/json"}
    if token:
        h["authorization"] = "Bearer " + token
    h.update(headers or {})
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
    res = conn.getresponse()
    data = res.read()
    if res.status >= 300:
        sys.exit(f"{method} {path}: {res.status} {data[:200]!r}")
    return json.loads(data) if data else None


def login(email, password):
    return call("POST", "/api/v1/auth/login", {"email": email, "password": password})["access_token"]


def main():
    admin = login(EMAIL, PASSWORD)
    tokens = {"secretariat": [admin], "member_country": [], "expert": [], "client": []}
    run = uuid.uuid4().hex[:8]
    for role, countries in (("member_country", MEMBERS), ("expert", EXPERTS)):
        for c in countries:
            email = f"bench-{run}-{role}-{c.lower()}@example.org"
            call("POST", "/api/v1/users", {"email": email, "display_name": f"Bench {role} {c}",
                                           "role": role, "country": c, "password": SECRET}, admin)
            token = login(email, SECRET)
            tokens[role].append(token)
            if role == "member_country" and len(tokens["client"]) < 4:
                client = call("POST", "/api/v1/me/clients", {"name": f"{c} system"}, token)
                basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
                got = call("POST", "/api/v1/auth/token", {"grant_type": "client_credentials"},
                           headers={"authorization": "Basic " + basic.decode()})
                tokens["client"].append(got["access_token"])
    for role, ts in tokens.items():
        print(f"{role}={','.join(ts)}")


if __name__ == "__main__":
    main()
