#!/usr/bin/env python3
"""Generates a Guide of many experiences through the API (standard library only).

    bench/experiences.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD [COUNT] [CLIENTS]
    bench/experiences.py --lua-vocabulary     # the word list, for bench/search_mix.lua

Creates COUNT experiences (default 10,000) spread over the 35 member states and the 12
thematic areas, in Spanish with an English title, each with two institutions, three legal
instruments and three tags, texts drawn from a public-management vocabulary (with accents, so
accent-insensitive search has work to do); submits and publishes each one. Prints the first and
last id created, for the load scripts. Bench data only: the demo Guide is `mecigep seed --demo`.
"""

import http.client
import json
import random
import sys
import threading
from urllib.parse import urlparse

# Set by main(); module-level so that bench/peers can import `experience` alone.
BASE = EMAIL = PASSWORD = URL = None
COUNT, CLIENTS = 10_000, 8

COUNTRIES = [
    "ARG", "ATG", "BHS", "BLZ", "BOL", "BRA", "BRB", "CAN", "CHL", "COL", "CRI", "CUB", "DMA",
    "DOM", "ECU", "GRD", "GTM", "GUY", "HND", "HTI", "JAM", "KNA", "LCA", "MEX", "NIC", "PAN",
    "PER", "PRY", "SLV", "SUR", "TTO", "URY", "USA", "VCT", "VEN",
]
AREAS = [
    "long-term-vision", "national-planning", "public-budget", "civil-service", "coordination",
    "policy-evaluation", "regulatory-frameworks", "transparency-accountability", "ict",
    "decentralization", "public-services-quality", "citizen-participation",
]
WORDS = (
    "gestión pública presupuesto planificación evaluación desempeño resultados indicadores "
    "transparencia rendición cuentas participación ciudadana servicio civil mérito concurso "
    "carrera gobierno digital interoperabilidad datos abiertos trámites simplificación "
    "regulación impacto consulta coordinación interinstitucional descentralización municipios "
    "regiones transferencias calidad servicios atención usuarios satisfacción estrategia "
    "nacional desarrollo visión largo plazo metas programas proyectos inversión control interno "
    "auditoría información acceso ética integridad capacitación innovación institucional "
    "modernización eficiencia eficacia equidad género territorio seguimiento monitoreo"
).split()
TAGS = [
    "results", "merit", "open-data", "digital", "budget", "evaluation", "participation",
    "transparency", "regulation", "planning", "quality", "territorial", "integrity", "innovation",
]
KINDS = ["constitution", "law", "decree", "regulation", "policy", "other"]


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
        return res.status, res.read()


# Word frequencies follow Zipf's law, as in real text: the k-th word of WORDS is drawn with
# weight 1/k. The searches of the mixed load (bench/search_mix.lua) draw their words the same way.
ZIPF = [1.0 / (k + 1) for k in range(len(WORDS))]


def words(rng, n):
    return " ".join(rng.choices(WORDS, weights=ZIPF, k=n))


def lua_vocabulary():
    """The vocabulary and its weights as a Lua table, for the load scripts."""
    items = ", ".join(f'"{w}"' for w in WORDS)
    return f"local words = {{{items}}}\n"


def experience(i):
    rng = random.Random(i)
    title = words(rng, 6).capitalize()
    return {
        "country": COUNTRIES[i % len(COUNTRIES)],
        "thematic_area": AREAS[(i // len(COUNTRIES)) % len(AREAS)],
        "language": "es",
        "snapshot_date": f"{2015 + i % 11}-{1 + i % 12:02}-{1 + i % 28:02}",
        "title": {"es": title, "en": f"Experience {i}: {words(rng, 4)}"},
        "introduction": ". ".join(words(rng, 15).capitalize() for _ in range(8)) + ".",
        "institutions": [
            {"name": f"Institución {words(rng, 3)}", "acronym": f"I{i % 997}",
             "role": words(rng, 12), "website": f"https://example.org/inst/{i}/{k}"}
            for k in range(2)
        ],
        "strategies": ". ".join(words(rng, 15).capitalize() for _ in range(8)) + ".",
        "legal_framework": [
            {"title": f"Ley de {words(rng, 4)}", "kind": KINDS[(i + k) % len(KINDS)],
             "number": str(1000 + (i * 7 + k) % 9000), "year": 1950 + (i + k) % 75,
             "url": f"https://example.org/law/{i}/{k}"}
            for k in range(3)
        ],
        "tags": sorted({TAGS[(i + k * 5) % len(TAGS)] for k in range(3)}),
    }


def main():
    global BASE, EMAIL, PASSWORD, URL, COUNT, CLIENTS
    BASE, EMAIL, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
    COUNT = int(sys.argv[4]) if len(sys.argv) > 4 else COUNT
    CLIENTS = int(sys.argv[5]) if len(sys.argv) > 5 else CLIENTS
    URL = urlparse(BASE)
    anon = Client()
    status, payload = anon.call("POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})
    if status != 200:
        sys.exit(f"login failed: {status} {payload[:200]!r}")
    token = json.loads(payload)["access_token"]
    ids, lock, failures = [], threading.Lock(), []

    def worker(numbers):
        c = Client(token)
        for i in numbers:
            status, payload = c.call("POST", "/api/v1/experiences", experience(i))
            if status != 201:
                failures.append((status, payload[:200]))
                return
            eid = json.loads(payload)["id"]
            for action in ("submit", "publish"):
                status, payload = c.call("POST", f"/api/v1/experiences/{eid}/{action}")
                if status != 200:
                    failures.append((status, payload[:200]))
                    return
            with lock:
                ids.append(eid)

    threads = [threading.Thread(target=worker, args=(range(k, COUNT, CLIENTS),)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(f"generation failed: {failures[0]}")
    print(min(ids), max(ids))


if __name__ == "__main__":
    if sys.argv[1:] == ["--lua-vocabulary"]:
        sys.stdout.write(lua_vocabulary())
    else:
        main()
