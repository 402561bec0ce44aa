#!/usr/bin/env python3
"""Drives script/webhooks-check: webhooks end to end against a running server and
script/webhook_receiver.py (which verifies with the reference library). Standard library only.

Steps (each a row of the table): register an endpoint for the integration client's two units;
create, read, answer, close and cancel messages and send a test event; every event of the feed
arrives, verified; rotate the secret mid-way and check the deliveries carry two signatures,
each verified by the reference library with its own secret; a wrong secret is refused by the
reference library (400), and the delivery arrives once the right one is back; every delivery
is `succeeded`; report duplicates.
"""

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

VC = "SE2321000115-DEMOVC01"
KOMMUN = "SE2321000115-DEMOK1380"
TOLVAN = "19121212-1212"
ROWS = []


def row(step, expectation, measured, ok):
    ROWS.append((step, expectation, measured, bool(ok)))
    print(f"webhooks-check: {'PASS' if ok else 'FAIL'} {step}: {measured}", file=sys.stderr, flush=True)


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


class Check:
    def __init__(self, args):
        self.api, self.rx, self.secrets_file, self.log = args.api, args.receiver, args.secrets, args.log
        self.nurse = os.environ["NURSE_TOKEN"]
        self.doctor = os.environ["DOCTOR_TOKEN"]
        self.integration = os.environ["INTEGRATION_TOKEN"]

    def ok(self, status, body, method, path, want):
        if status != want:
            raise SystemExit(f"webhooks-check: {method} {path}: {status} {body} (expected {want})")
        return body

    def a(self, method, path, token, body=None, want=200):
        status, doc = call(self.api, method, path, token, body)
        return self.ok(status, doc, method, path, want)

    def secrets(self, *lines):
        with open(self.secrets_file, "w") as f:
            f.write("\n".join(lines) + "\n")

    def stats(self):
        status, doc = call(self.rx, "GET", "/_stats")
        return doc

    def entries(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def feed_seqs(self):
        seqs, after = [], 0
        while True:
            page = self.a("GET", f"/api/v1/events?after={after}&limit=1000", self.integration)
            seqs += [e["seq"] for e in page["events"]]
            if not page["events"]:
                return seqs
            after = page["last_seq"]

    def wait_for(self, what, cond, timeout=60.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if cond():
                return time.monotonic() - t0
            time.sleep(0.2)
        return None

    def message(self, patient, unit, subject):
        return self.a("POST", "/api/v1/messages/recept", self.nurse, {
            "patient_id": patient, "recipient_unit_id": unit, "subject": subject,
            "body": "Tabletterna räcker en vecka till. Tacksam för förnyelse.",
            "details": {"drug_name": "Enalapril", "strength": "10 mg", "dosage": "1x1", "kind": "fornyelse"},
        }, want=201)["id"]

    def run(self):
        self.secrets()
        made = self.a("POST", "/api/v1/webhooks", self.integration,
                      {"url": self.rx + "/hooks", "units": [VC, KOMMUN], "description": "webhooks-check"},
                      want=201)
        endpoint, old = made["id"], made["secret"]
        self.secrets(old)
        row("register", "201 with a whsec_ secret", f"endpoint {endpoint[:8]}…, secret {len(base64.b64decode(old[6:]))} bytes",
            old.startswith("whsec_") and len(base64.b64decode(old[6:])) >= 24)

        patient = self.a("POST", "/api/v1/patients/lookup", self.nurse, {"personal_identity_number": TOLVAN})["id"]
        units = self.a("GET", "/api/v1/units?q=V%C3%A5rdcentralen%20Halmstad", self.nurse)["items"]
        unit = next(u["id"] for u in units if u["hsa_id"] == VC)
        ids = [self.message(patient, unit, f"Receptförnyelse {i}") for i in range(8)]
        for m in ids[:4]:
            self.a("POST", f"/api/v1/messages/{m}/replies", self.doctor, {"body": "Förnyat.", "outcome": "utfort"}, want=201)
        for m in ids[:2]:
            self.a("POST", f"/api/v1/messages/{m}/close", self.nurse, {})
        self.a("POST", f"/api/v1/messages/{ids[7]}/cancel", self.nurse, {"reason": "other", "comment": "Fel dos."})
        self.a("POST", f"/api/v1/webhooks/{endpoint}/test", self.integration, want=202)
        feed = self.feed_seqs()
        took = self.wait_for("all", lambda: set(feed) <= set(self.stats()["seqs"]) and self.stats()["by_type"].get("webhook.test"))
        st = self.stats()
        types = ", ".join(f"{k} ×{v}" for k, v in sorted(st["by_type"].items()))
        row("every event arrives, verified", f"{len(feed)} feed events + 1 test, 0 unverified",
            f"{st['distinct']} distinct in {took if took is None else round(took, 1)} s ({types}); unverified {st['unverified']}",
            took is not None and st["unverified"] == 0 and st["distinct"] == len(feed) + 1)

        rotated = self.a("POST", f"/api/v1/webhooks/{endpoint}/rotate-secret", self.integration)
        new = rotated["secret"]
        self.secrets(new, old)
        during = [self.message(patient, unit, f"Under rotationen {i}") for i in range(3)]
        took = self.wait_for("rotation", lambda: set(during) <= {e["message_id"] for e in self.entries() if e["status"] == 200})
        mine = [e for e in self.entries() if e["message_id"] in during and e["status"] == 200]
        both = all(e["signatures"] == 2 and sorted(e["verified_by"]) == [0, 1] for e in mine)
        row("rotation: both secrets sign", "2 signatures, each verified by the reference library with its own secret",
            f"{len(mine)} deliveries, {sum(e['signatures'] == 2 for e in mine)} with 2 signatures, "
            f"{sum(sorted(e['verified_by']) == [0, 1] for e in mine)} verified by both", took is not None and both and len(mine) == 3)

        wrong = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        self.secrets(wrong)
        before = self.stats()["unverified"]
        control = self.message(patient, unit, "Kontroll med fel nyckel")
        refused = self.wait_for("refusal", lambda: self.stats()["unverified"] > before, timeout=20)
        self.secrets(new)
        arrived = self.wait_for("after", lambda: control in {e["message_id"] for e in self.entries() if e["status"] == 200}, timeout=30)
        row("a wrong secret is refused", "the reference library refuses it (400); retried, it arrives with the right one",
            f"refused after {refused if refused is None else round(refused, 1)} s; arrived {arrived if arrived is None else round(arrived, 1)} s after the fix",
            refused is not None and arrived is not None)

        deliveries, cursor = [], None
        while True:
            q = f"/api/v1/webhooks/{endpoint}/deliveries?limit=200" + (f"&cursor={cursor}" if cursor else "")
            page = self.a("GET", q, self.integration)
            deliveries += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        by_status = {}
        for d in deliveries:
            by_status[d["status"]] = by_status.get(d["status"], 0) + 1
        feed = self.feed_seqs()
        st = self.stats()
        row("every delivery succeeded", f"{len(feed) + 1} succeeded", json.dumps(by_status),
            by_status == {"succeeded": len(feed) + 1} and set(feed) <= set(st["seqs"]))
        row("duplicates", "reported (webhook-id repeated after a 2xx)", f"{st['duplicates']} of {st['accepted']} accepted", True)

        print("\n| step | expectation | measured | result |\n|---|---|---|---|")
        for step, expectation, measured, ok in ROWS:
            print(f"| {step} | {expectation} | {measured} | {'PASS' if ok else 'FAIL'} |")
        return all(ok for *_, ok in ROWS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--log", required=True)
    sys.exit(0 if Check(ap.parse_args()).run() else 1)


if __name__ == "__main__":
    main()
