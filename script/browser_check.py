#!/usr/bin/env python3
"""Drives script/browser-check: the reference client at /app/ in headless Debian chromium,
through Playwright for Python, against a running server with the demo data.

Two browser contexts (two people, each with their own sessionStorage and stream):
- the doctor of Vårdcentralen Halmstad signs in and keeps his inbox open;
- Kerstin (Halmstad's home health care) signs in, writes a receptförnyelse for Tolvan to the
  vårdcentral; the live draft check shows AKUT beside the body while she types "snarast" (no
  click on send), and drops it when she rephrases; she sends, and the message is in her outbox
  with its reply window;
- the doctor's unread badge goes 0 → 1 without a reload; he opens the message and replies
  "utfört"; Kerstin's outbox shows it answered, without a reload.
Also: Tab reaches the compose fields and the send button in order, every visible control has
a label, and neither page logs a console error, throws, or trips the Content-Security-Policy.

Then the statistics dashboard at /statistik/: a fixture written straight into the statistics
tables (STATISTIK_FIXTURE below, with its hand-computed figures) is opened by the statistik
persona, and every figure the dashboard shows — key figures, the share answered in time per
month (chart and table), volumes per category, working hours per receiving unit, refusals per
rule, the unit and category filters — must be the hand-computed one; the CSV download is
parsed back; axe-core, labels, Tab order, console and CSP as for /app/.
Each check waits at most TIMEOUT seconds and is then a FAIL; the table ends the run (exit 1 on
any FAIL).
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

TIMEOUT_MS = 10_000
SUBJECT = "Förnyelse av Enalapril"
URGENT_BODY = "Tabletterna tar slut. Kan receptet förnyas snarast?"
CALM_BODY = "Tabletterna räcker en vecka till. Kan receptet förnyas?"
REPLY = "Receptet är förnyat, 100 tabletter. Hälsningar Doktor Demo"
# A subject that would run code if a page put it in as HTML.
# (The API refuses an <img>, as an embedded image: BILAGA.)
HTML_SUBJECT = 'Provtagning Hb <b>fet</b> <script>window.__xss=1</script> & "citat"'

ROWS = []
LOG = None

# The compose fields of a receptförnyelse, in the order Tab must reach them.
TAB_ORDER = [
    "c-category", "c-pnr", "c-pnr-find", "c-recipient-q", "c-recipient-kind", "c-recipient",
    "c-subject", "c-body", "d-drug_name", "d-strength", "d-dosage", "d-atc_code", "d-npl_id",
    "d-kind", "c-send",
]

# axe-core's rules for WCAG 2.0/2.1 levels A and AA (labels, names, contrast, ARIA, …).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Collects CSP violations from the first moment of every page (init scripts run outside the
# page's CSP).
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || ''));
});
"""

UNLABELLED_JS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((e) => e.offsetParent !== null && e.type !== 'hidden')
  .filter((e) => {
    if (e.tagName === 'BUTTON') return !(e.textContent || '').trim() && !e.getAttribute('aria-label');
    return !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
  })
  .map((e) => e.id || e.name || e.outerHTML.slice(0, 60))
"""


# --- The statistics dashboard's fixture --------------------------------------------------------
#
# Written straight into the tables GET /api/v1/statistics reads (migration 000013), for three
# demo units: K = Halmstads kommun hemsjukvård (SE2321000115-DEMOK1380), VC = Vårdcentralen
# Halmstad (SE2321000115-DEMOVC01), HY = Hylte kommun hemsjukvård (SE2321000115-DEMOK1315).
# Every due day is in the past, so "open and overdue" = sent − cancelled − answered, for good.
#
# message_stats (one row R4 split over two shards: the API must add them up):
# | row | sent on    | due on     | from → to | category    | sent | cancelled    | answered | in time | outcomes        |
# | R1  | 2026-10-05 | 2026-10-14 | K → VC    | recept      | 6    | –            | 5        | 4       | utfört 4, ej 1  |
# | R2  | 2026-10-12 | 2026-10-21 | K → VC    | provtagning | 3    | 1 annat      | 2        | 2       | kontakt 2       |
# | R3  | 2026-10-20 | 2026-10-29 | VC → K    | uppfoljning | 1    | –            | 1        | 1       | inget 1         |
# | R4  | 2026-11-03 | 2026-11-12 | K → VC    | recept      | 3+1  | –            | 3+1      | 2+0     | utfört 3+1      |
# | R5  | 2026-11-10 | 2026-11-19 | K → VC    | bokning     | 3    | 1 fel mottag.| 0        | 0       | –               |
# | R6  | 2026-11-17 | 2026-11-26 | VC → K    | provtagning | 2    | –            | 2        | 2       | utfört 2        |
# | R7  | 2026-11-24 | 2026-12-03 | HY → VC   | uppfoljning | 1    | –            | 1        | 0       | ej utfört 1     |
#
# Open and overdue: R1 6−5 = 1, R5 3−1−0 = 2, the rest 0.
# October:  sent 10, cancelled 1, answered 8, in time 7, overdue 1 → share 7 / (8 + 1) = 77,8 %
# November: sent 10, cancelled 1, answered 7, in time 4, overdue 2 → share 4 / (7 + 2) = 44,4 %
# Total:    sent 20, cancelled 2, answered 15, in time 11, overdue 3 → share 11 / 18 = 61,1 %
# Per category: recept 10 sent / 9 answered / 0 cancelled; provtagning 5/4/1; uppföljning 2/2/0;
# bokning 3/0/1.
#
# message_answer_histograms, working time to the first answer in quarter hours (h = quarter / 4),
# one row of sorted arrays per day, parties, category and shard:
#   R1: q8 (2 h) ×2, q18 (4,5 h), q36 (9 h), q250 (62,5 h)   R2: q36 (9 h), q100 (25 h)
#   R3: q6 (1,5 h)                                           R4: q8, q18, q36 (shard 1), q100
#   R6: q30 (7,5 h), q45 (11,25 h)                           R7: q300 (75 h)
# Nearest rank: the k-th smallest of n, k = ceil(p · n).
#   VC receives R1, R2, R4, R7 — 12 answers: 2 2 2 4,5 4,5 9 9 9 25 25 62,5 75;
#     median k = 6 → 9 h; 90th k = ceil(10,8) = 11 → 62,5 h.
#   K receives R3, R6 — 3 answers: 1,5 7,5 11,25; median k = 2 → 7,5 h; 90th k = 3 → 11,25 h.
#   All 15: 1,5 2 2 2 4,5 4,5 7,5 9 9 9 11,25 25 25 62,5 75; median k = 8 → 9 h; 90th k = 14 → 62,5 h.
#   October's 8 (R1 R2 R3): 1,5 2 2 4,5 9 9 25 62,5 → median k = 4 → 4,5 h; 90th k = 8 → 62,5 h.
#   November's 7 (R4 R6 R7): 2 4,5 7,5 9 11,25 25 75 → median k = 4 → 9 h; 90th k = 7 → 75 h.
#
# rule_refusals, by the day they happened (period 2026-10-01 – 2026-11-30):
#   2026-09-30 AKUT (before the period: not counted), 10-06 AKUT, 10-07 NARKOTIKA, 10-21 AKUT,
#   10-22 BILAGA, 11-04 AKUT (a reply), 11-05 NARKOTIKA, 11-18 EJ_INSKRIVEN (VC → K),
#   11-20 OGILTIG_MOTTAGARE (from HY, no recipient), 12-01 NYFORSKRIVNING (after: not counted).
#   Total: AKUT 3, BILAGA 1, NARKOTIKA 2, NYFORSKRIVNING 0, EJ_INSKRIVEN 1, OGILTIG_MOTTAGARE 1,
#   EJ_LEGITIMERAD 0. October: AKUT 2, BILAGA 1, NARKOTIKA 1; November: AKUT 1, NARKOTIKA 1,
#   EJ_INSKRIVEN 1, OGILTIG_MOTTAGARE 1.
#
# Filtered on unit K (sent or received): R7 and HY's refusal drop out → sent 19, answered 14,
#   in time 11, overdue 3 → 11 / 17 = 64,7 %; the 14 answers without 75 h: median k = 7 → 7,5 h;
#   OGILTIG_MOTTAGARE 0.
# Filtered on category recept: R1 + R4 → sent 10, answered 9, in time 6, overdue 1 → 6 / 10 =
#   60,0 %; answers 2 2 2 4,5 4,5 9 9 25 62,5: median k = 5 → 4,5 h.
STATISTIK_FIXTURE = """
BEGIN;
CREATE TEMP TABLE u AS SELECT
  (SELECT id FROM units WHERE hsa_id = 'SE2321000115-DEMOK1380') AS k,
  (SELECT id FROM units WHERE hsa_id = 'SE2321000115-DEMOVC01') AS vc,
  (SELECT id FROM units WHERE hsa_id = 'SE2321000115-DEMOK1315') AS hy;
CREATE TEMP VIEW unit_of AS SELECT 'k' AS name, k AS id FROM u
  UNION ALL SELECT 'vc', vc FROM u UNION ALL SELECT 'hy', hy FROM u;
INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, shard,
  sent, cancelled_wrong_patient, cancelled_wrong_recipient, cancelled_other, answered,
  answered_in_time, outcome_utfort, outcome_ej_utfort, outcome_kontakt_behovs, outcome_none)
SELECT v.sent_on::date, v.due_on::date, s.id, r.id, v.category, v.shard, v.sent, v.cwp, v.cwr,
       v.co, v.answered, v.in_time, v.utf, v.ej, v.kb, v.none
FROM (VALUES
  -- R1..R7 of the table above
  ('2026-10-05', '2026-10-14', 'k',  'vc', 'recept',      0, 6, 0, 0, 0, 5, 4, 4, 1, 0, 0),
  ('2026-10-12', '2026-10-21', 'k',  'vc', 'provtagning', 0, 3, 0, 0, 1, 2, 2, 0, 0, 2, 0),
  ('2026-10-20', '2026-10-29', 'vc', 'k',  'uppfoljning', 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1),
  ('2026-11-03', '2026-11-12', 'k',  'vc', 'recept',      0, 3, 0, 0, 0, 3, 2, 3, 0, 0, 0),
  ('2026-11-03', '2026-11-12', 'k',  'vc', 'recept',      1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0),
  ('2026-11-10', '2026-11-19', 'k',  'vc', 'bokning',     0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0),
  ('2026-11-17', '2026-11-26', 'vc', 'k',  'provtagning', 0, 2, 0, 0, 0, 2, 2, 2, 0, 0, 0),
  ('2026-11-24', '2026-12-03', 'hy', 'vc', 'uppfoljning', 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0)
) AS v(sent_on, due_on, sn, rn, category, shard, sent, cwp, cwr, co, answered, in_time, utf, ej, kb, none)
JOIN unit_of s ON s.name = v.sn JOIN unit_of r ON r.name = v.rn;
INSERT INTO message_answer_histograms (sent_on, sender_unit_id, recipient_unit_id, category, shard,
    quarters, counts)
SELECT v.sent_on::date, s.id, r.id, v.category, v.shard,
       array_agg(v.quarter ORDER BY v.quarter), array_agg(v.n ORDER BY v.quarter)
FROM (VALUES
  ('2026-10-05', 'k',  'vc', 'recept',        8, 0, 2),
  ('2026-10-05', 'k',  'vc', 'recept',       18, 0, 1),
  ('2026-10-05', 'k',  'vc', 'recept',       36, 0, 1),
  ('2026-10-05', 'k',  'vc', 'recept',      250, 0, 1),
  ('2026-10-12', 'k',  'vc', 'provtagning',  36, 0, 1),
  ('2026-10-12', 'k',  'vc', 'provtagning', 100, 0, 1),
  ('2026-10-20', 'vc', 'k',  'uppfoljning',   6, 0, 1),
  ('2026-11-03', 'k',  'vc', 'recept',        8, 0, 1),
  ('2026-11-03', 'k',  'vc', 'recept',       18, 0, 1),
  ('2026-11-03', 'k',  'vc', 'recept',       36, 1, 1),
  ('2026-11-03', 'k',  'vc', 'recept',      100, 0, 1),
  ('2026-11-17', 'vc', 'k',  'provtagning',  30, 0, 1),
  ('2026-11-17', 'vc', 'k',  'provtagning',  45, 0, 1),
  ('2026-11-24', 'hy', 'vc', 'uppfoljning', 300, 0, 1)
) AS v(sent_on, sn, rn, category, quarter, shard, n)
JOIN unit_of s ON s.name = v.sn JOIN unit_of r ON r.name = v.rn
GROUP BY v.sent_on, s.id, r.id, v.category, v.shard;
INSERT INTO rule_refusals (at, refused_on, sender_unit_id, recipient_unit_id, category, operation, rule_code)
SELECT (v.day || ' 10:00 Europe/Stockholm')::timestamptz, v.day::date, s.id, r.id, v.category, v.op, v.rule
FROM (VALUES
  ('2026-09-30', 'k',  'vc', 'recept',      'create', 'AKUT'),
  ('2026-10-06', 'k',  'vc', 'recept',      'create', 'AKUT'),
  ('2026-10-07', 'k',  'vc', 'recept',      'create', 'NARKOTIKA'),
  ('2026-10-21', 'k',  'vc', 'provtagning', 'create', 'AKUT'),
  ('2026-10-22', 'k',  'vc', 'provtagning', 'create', 'BILAGA'),
  ('2026-11-04', 'k',  'vc', 'recept',      'reply',  'AKUT'),
  ('2026-11-05', 'k',  'vc', 'recept',      'create', 'NARKOTIKA'),
  ('2026-11-18', 'vc', 'k',  'provtagning', 'create', 'EJ_INSKRIVEN'),
  ('2026-11-20', 'hy', NULL, 'bokning',     'create', 'OGILTIG_MOTTAGARE'),
  ('2026-12-01', 'k',  'vc', 'recept',      'create', 'NYFORSKRIVNING')
) AS v(day, sn, rn, category, op, rule)
JOIN unit_of s ON s.name = v.sn LEFT JOIN unit_of r ON r.name = v.rn;
COMMIT;
"""
STATS_FROM, STATS_TO = "2026-10-01", "2026-11-30"
# What the dashboard must show for the period (texts as shown: decimal comma, "h" for hours).
EXPECT_KEY = {"kf-sent": "20", "kf-share": "61,1 %", "kf-share-of": "11 av 18 avgjorda (mål 100,0 %)",
              "kf-overdue": "3", "kf-median": "9 h", "kf-p90": "90:e percentilen 62,5 h (15 svar)"}
# Month | sent | answered | in time | open and overdue | share
EXPECT_MONTHS = [["okt 2026", "10", "8", "7", "1", "77,8 %"],
                 ["nov 2026", "10", "7", "4", "2", "44,4 %"]]
EXPECT_SHARES = {"2026-10": 7 / 9, "2026-11": 4 / 9}
# Category | sent | answered | cancelled
EXPECT_CATEGORIES = [["Receptförnyelse", "10", "9", "0"], ["Provtagning", "5", "4", "1"],
                     ["Uppföljning", "2", "2", "0"], ["Bokning", "3", "0", "1"]]
# Receiving unit | sent | answers | median h | 90th percentile h
EXPECT_UNITS = [["Halmstads kommun hemsjukvård (demo)", "3", "3", "7,5", "11,25"],
                ["Vårdcentralen Halmstad (demo)", "17", "12", "9", "62,5"]]
# Rule | what it means | refusals
EXPECT_RULES = [["AKUT", "Akut ärende", "3"], ["BILAGA", "Bilaga eller inbäddat dokument", "1"],
                ["NARKOTIKA", "Narkotikaklassat läkemedel", "2"], ["NYFORSKRIVNING", "Nyförskrivning", "0"],
                ["EJ_INSKRIVEN", "Patienten är inte inskriven", "1"],
                ["OGILTIG_MOTTAGARE", "Ogiltig mottagare", "1"], ["EJ_LEGITIMERAD", "Ej legitimerad personal", "0"]]
# The CSV of group_by=month: the columns after the month, then the total row.
CSV_RULES = ["AKUT", "BILAGA", "NARKOTIKA", "NYFORSKRIVNING", "EJ_INSKRIVEN", "OGILTIG_MOTTAGARE", "EJ_LEGITIMERAD"]
CSV_HEADER = (["månad", "skickade", "återkallade: fel patient", "återkallade: fel mottagare",
               "återkallade: annat", "besvarade", "besvarade i tid", "andel besvarade i tid (%)",
               "öppna och försenade", "arbetstimmar till svar: median",
               "arbetstimmar till svar: 90:e percentilen", "utfall: utfört", "utfall: ej utfört",
               "utfall: kontakt behövs", "utfall: inget angivet"]
              + [f"stoppade av regeln {r}" for r in CSV_RULES])
CSV_ROWS = [
    "2026-10;10;0;0;1;8;7;77,8;1;4,50;62,50;4;1;2;1;2;1;1;0;0;0;0".split(";"),
    "2026-11;10;0;1;0;7;4;44,4;2;9,00;75,00;6;1;0;0;1;0;1;0;1;1;0".split(";"),
    "totalt;20;0;1;1;15;11;61,1;3;9,00;62,50;10;2;2;1;3;1;2;0;1;1;0".split(";"),
]
# The dashboard's controls, in the order Tab must reach them.
STATS_TAB_ORDER = ["f-from", "f-to", "f-unit", "f-category", "f-show", "csv-group", "csv-download"]

TABLE_JS = """
(id) => [...document.querySelectorAll('#' + id + ' tbody tr')]
  .map((tr) => [...tr.children].map((c) => c.textContent.replace(/[\\u00a0\\u202f]/g, ' ').trim()))
"""
SVG_VALUES_JS = """
(id) => [...document.querySelectorAll('#' + id + ' svg[role="img"] text.c-value')]
  .map((t) => t.textContent.replace(/[\\u00a0\\u202f]/g, ' ').trim())
"""


def load_statistik_fixture():
    """Writes STATISTIK_FIXTURE into the server's database (DATABASE_URL, as browser-check
    exports it) with psql, through script/bootstrap --psql."""
    db = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([os.path.join(root, "script", "bootstrap"), "--psql", "-d", db, "-q", "-v", "ON_ERROR_STOP=1"],
                          input=STATISTIK_FIXTURE, text=True, capture_output=True)
    if done.returncode != 0:
        raise AssertionError(f"psql failed: {done.stderr.strip()[:300]}")


def norm(text):
    return re.sub(r"[\u00a0\u202f]", " ", text or "").strip()


def log(text):
    if LOG:
        LOG.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        LOG.flush()


def row(step, expectation, measured, ok):
    ROWS.append((step, expectation, str(measured).replace("|", "/"), bool(ok)))
    print(f"browser-check: {'PASS' if ok else 'FAIL'} {step}: {measured}", file=sys.stderr, flush=True)
    log(f"{'PASS' if ok else 'FAIL'} {step}: {measured}")


def check(step, expectation, fn):
    """Runs fn() -> (ok, measured); an exception (a timeout) is a FAIL with its first line."""
    t0 = time.monotonic()
    try:
        ok, measured = fn()
    except (PlaywrightError, AssertionError, KeyError, ValueError, OSError) as e:
        ok, measured = False, str(e).strip().splitlines()[0][:160]
    row(step, expectation, f"{measured} ({time.monotonic() - t0:.1f} s)", ok)
    return ok


class Person:
    """One browser context: a person's page, with its console errors and page errors."""

    def __init__(self, browser, name, base):
        self.name = name
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE",
                                       timezone_id="Europe/Stockholm")
        self.ctx.add_init_script(CSP_PROBE)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors = []
        self.outage_errors = []  # logged while the server is down on purpose: expected
        self.in_outage = False
        self.stream_urls = []
        self.loads = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self._error(f"pageerror: {e}"))
        self.page.on("load", self._load)
        self.page.on("request", lambda r: self.stream_urls.append(r.url) if "/messages/stream" in r.url else None)
        self.base = base

    def _console(self, msg):
        log(f"[{self.name} console.{msg.type}] {msg.text}")
        if msg.type == "error" or "Content Security Policy" in msg.text:
            self._error(f"console.{msg.type}: {msg.text}")

    def _error(self, text):
        log(f"[{self.name}] {text}{' (server down on purpose)' if self.in_outage else ''}")
        (self.outage_errors if self.in_outage else self.errors).append(text)

    def _load(self, _page):
        self.loads += 1
        log(f"[{self.name}] load #{self.loads}")

    def sign_in(self, token):
        self.page.goto(self.base + "/app/")
        self.page.get_by_label("Token").fill(token)
        self.page.get_by_role("button", name="Logga in").click()
        self.page.wait_for_selector("#who:not([hidden])")
        self.page.wait_for_selector("body[data-stream='open']")
        return self.page.locator("#who-text").inner_text()

    def mark(self, value):
        """A marker in the page's window: it survives everything but a reload."""
        self.page.evaluate("(v) => { window.__marker = v; }", value)

    def marker(self):
        return self.page.evaluate("() => window.__marker || null")

    def csp(self):
        return self.page.evaluate("() => window.__csp || []")


def api(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def port_open(base):
    host, port = base.split("//")[1].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def ready(base):
    try:
        with urllib.request.urlopen(base + "/health/ready", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def restart_server(args):
    """kill -9 the server, wait until its port is closed, start the same binary again (same
    environment: script/browser-check exports the bind address), wait until it is ready."""
    with open(args.server_pidfile) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while port_open(args.base) and time.monotonic() < deadline:
        time.sleep(0.05)
    logf = open(args.server_log, "a")
    proc = subprocess.Popen([args.server, "serve"], stdout=logf, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    with open(args.server_pidfile, "w") as f:
        f.write(str(proc.pid))
    deadline = time.monotonic() + 30
    while not ready(args.base):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise AssertionError("the restarted server did not get ready")
        time.sleep(0.1)


def axe(page):
    """(ok, measured): axe-core's WCAG A/AA violations on the page as it is now."""
    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
    rules = [f"{v['id']} ×{len(v['nodes'])} ({', '.join(' '.join(n['target']) for n in v['nodes'][:3])})"
             for v in found]
    return not rules, "; ".join(rules) or "no violations (WCAG 2.1 A/AA rules of axe-core 4.12)"


def subsequence(want, got):
    it = iter(got)
    return all(any(w == g for g in it) for w in want)


def statistik_checks(browser, args, shots):
    """The dashboard against STATISTIK_FIXTURE, as the statistik persona."""
    stat_token, nurse_token = os.environ["STATISTIK_TOKEN"], os.environ["NURSE_TOKEN"]
    fixture_ok = check("statistik: fixture", "STATISTIK_FIXTURE written to the statistics tables with psql",
                       lambda: (load_statistik_fixture() or True, "message_stats 8 rows, message_answer_histograms 7, "
                                                                    "rule_refusals 10"))
    stat = Person(browser, "statistiker", args.base)
    sp = stat.page
    table = lambda ident: sp.evaluate(TABLE_JS, ident)  # noqa: E731
    values = lambda ident: sp.evaluate(SVG_VALUES_JS, ident)  # noqa: E731

    def show(unit="", category=""):
        sp.get_by_label("Från och med", exact=True).fill(STATS_FROM)
        sp.get_by_label("Till och med", exact=True).fill(STATS_TO)
        sp.get_by_label("Enhet (skickat eller mottaget)").select_option(unit)
        sp.get_by_label("Kategori", exact=True).select_option(category)
        sp.get_by_role("button", name="Visa", exact=True).click()
        want = f"from={STATS_FROM}&to={STATS_TO}" + (f"&unit_id={unit}" if unit else "") + \
            (f"&category={category}" if category else "")
        sp.wait_for_selector(f"body[data-state='loaded'][data-loaded='{want}']")

    def sign_in():
        sp.goto(args.base + "/statistik/")
        sp.wait_for_selector("body[data-ready]")
        sp.get_by_label("Token").fill(stat_token)
        sp.get_by_role("button", name="Logga in").click()
        sp.wait_for_selector("body[data-state='loaded']")
        who = norm(sp.locator("#who-text").inner_text())
        show()
        return fixture_ok and "Statistik Demo" in who, f"'{who}'; period {STATS_FROM} – {STATS_TO} shown"
    signed_in = check("statistik: sign in", "a statistik token opens the dashboard; period chosen", sign_in)

    def key_figures():
        got = {k: norm(sp.locator(f"#{k}").inner_text()) for k in EXPECT_KEY}
        wrong = {k: (v, EXPECT_KEY[k]) for k, v in got.items() if v != EXPECT_KEY[k]}
        return not wrong, f"wrong (got, want): {wrong}" if wrong else \
            f"sent {got['kf-sent']}, in time {got['kf-share']}, overdue {got['kf-overdue']}, median {got['kf-median']}"

    def months():
        rows = table("table-months")
        labels = values("chart-months")
        points = sp.evaluate("""() => {
            const s = document.querySelector('#chart-months svg[role="img"]');
            const y0 = Number(s.dataset.y0), y100 = Number(s.dataset.y100);
            return [...s.querySelectorAll('circle.c-point')].map((c) =>
              [c.dataset.month, (y0 - Number(c.getAttribute('cy'))) / (y0 - y100)]);
        }""")
        goal = sp.evaluate("""() => {
            const s = document.querySelector('#chart-months svg[role="img"]');
            const g = s.querySelector('line.c-goal');
            return [Number(g.getAttribute('y1')) === Number(s.dataset.y100), g.getAttribute('y1') === g.getAttribute('y2'),
                    getComputedStyle(g).strokeDasharray, (s.querySelector('text.c-goal-label') || {}).textContent];
        }""")
        placed = all(abs(share - EXPECT_SHARES.get(m, -1)) < 0.005 for m, share in points) and len(points) == 2
        want_labels = [r[5] for r in EXPECT_MONTHS]
        ok = rows == EXPECT_MONTHS and [norm(x) for x in labels] == want_labels and placed and goal[0] and goal[1] \
            and goal[2] not in ("none", "") and norm(goal[3]) == "Mål 100,0 %"
        return ok, (f"table {rows}; points at {[(m, round(v, 3)) for m, v in points]}, labelled {labels}; "
                    f"goal at 100 %: {goal[0]}, dashed '{goal[2]}'")

    def categories():
        rows = table("table-categories")
        want_bars = [v for r in EXPECT_CATEGORIES for v in r[1:]]
        bars = values("chart-categories")
        patterns = sp.evaluate("""() => [...document.querySelectorAll('#chart-categories svg[role="img"] rect.s-b, '
            + '#chart-categories svg[role="img"] rect.s-c')].every((r) => /^url\\(#/.test(r.getAttribute('fill') || ''))""")
        return rows == EXPECT_CATEGORIES and bars == want_bars and patterns, \
            f"table {rows}; bar labels {bars}; answered/cancelled bars patterned: {patterns}"

    def units():
        rows = table("table-units")
        bars = values("chart-units")
        want_bars = [f"{v} h" for r in EXPECT_UNITS for v in r[3:]]
        return rows == EXPECT_UNITS and bars == want_bars, f"table {rows}; bar labels {bars}"

    def rules():
        rows = table("table-rules")
        bars = values("chart-rules")
        return rows == EXPECT_RULES and bars == [r[2] for r in EXPECT_RULES], f"table {rows}; bar labels {bars}"

    for name, expectation, fn in [
        ("statistik: key figures", "sent 20, 61,1 % in time (11 of 18), 3 overdue, median 9 h, p90 62,5 h", key_figures),
        ("statistik: share in time per month", "okt 77,8 %, nov 44,4 % in table, labels and point heights; "
         "dashed goal at 100 %", months),
        ("statistik: volumes per category", "sent/answered/cancelled per category in table and bars", categories),
        ("statistik: working hours per receiving unit", "K 7,5 / 11,25 h, VC 9 / 62,5 h (median / p90)", units),
        ("statistik: refusals per rule", "all seven rules: AKUT 3, BILAGA 1, NARKOTIKA 2, …", rules),
    ]:
        check(name, expectation, (lambda fn=fn: fn() if signed_in else (False, "not reached")))

    if signed_in:
        sp.evaluate("() => window.scrollTo(0, document.getElementById('filters').offsetTop - 8)")
        shots["statistik"] = os.path.join(args.screenshots, "statistik.png")
        sp.screenshot(path=shots["statistik"])
        check("axe: statistics dashboard", "no WCAG A/AA violation", lambda: axe(sp))

    def labels_and_tab():
        if not signed_in:
            return False, "not reached"
        missing = sp.evaluate(UNLABELLED_JS)
        sp.focus("#f-from")
        seen = ["f-from"]
        for _ in range(60):
            sp.keyboard.press("Tab")
            ident = sp.evaluate("() => document.activeElement && document.activeElement.id")
            seen.append(ident or "?")
            if ident == "csv-download":
                break
        # Date inputs take several Tab stops of their own (day, month, year): count each id once.
        order = [x for i, x in enumerate(seen) if x != "?" and (i == 0 or seen[i - 1] != x)]
        ok = not missing and subsequence(STATS_TAB_ORDER, order)
        return ok, f"unlabelled: {missing or 'none'}; Tab: {' → '.join(order)}"
    check("statistik: labels and Tab order", "every control labelled; filters, Visa, then the CSV controls",
          labels_and_tab)

    def filter_unit():
        if not signed_in:
            return False, "not reached"
        unit = sp.evaluate("""() => [...document.querySelectorAll('#f-unit option')]
            .find((o) => o.textContent.includes('SE2321000115-DEMOK1380')).value""")
        show(unit=unit)
        got = [norm(sp.locator(f"#{k}").inner_text()) for k in ("kf-sent", "kf-share", "kf-median")]
        ogiltig = [r for r in table("table-rules") if r[0] == "OGILTIG_MOTTAGARE"][0][2]
        show(category="recept")
        got_cat = [norm(sp.locator(f"#{k}").inner_text()) for k in ("kf-sent", "kf-share", "kf-median")]
        cats = [r[0] for r in table("table-categories")]
        show()
        ok = got == ["19", "64,7 %", "7,5 h"] and ogiltig == "0" and got_cat == ["10", "60,0 %", "4,5 h"] \
            and cats == ["Receptförnyelse"]
        return ok, (f"unit Halmstads kommun: sent/share/median {got}, OGILTIG_MOTTAGARE {ogiltig}; "
                    f"category recept: {got_cat}, categories shown {cats}")
    check("statistik: filters", "unit K: 19, 64,7 %, 7,5 h, OGILTIG_MOTTAGARE 0; recept: 10, 60,0 %, 4,5 h",
          filter_unit)

    def csv_download():
        if not signed_in:
            return False, "not reached"
        sp.get_by_label("Rader i filen").select_option("month")
        with sp.expect_download() as info:
            sp.get_by_role("button", name="Ladda ner CSV").click()
        download = info.value
        path = os.path.join(args.screenshots, "..", "statistik.csv")
        download.save_as(path)
        raw = open(path, "rb").read()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        crlf = text.count("\r\n") == text.count("\n")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        ok = bom and crlf and rows == [CSV_HEADER] + CSV_ROWS and \
            download.suggested_filename == f"samverkan-statistik-{STATS_FROM}-{STATS_TO}.csv"
        shown = " | ".join(";".join(r[:9]) + ";…" for r in rows[1:])
        return ok, (f"{download.suggested_filename}: BOM {bom}, CRLF {crlf}, {len(rows)} rows, header as "
                    f"expected: {rows[:1] == [CSV_HEADER]}; {shown}")
    check("statistik: CSV download", "Accept: text/csv saved as a file; BOM, ';', decimal comma; the "
          "hand-computed rows", csv_download)

    def printed():
        if not signed_in:
            return False, "not reached"
        sp.emulate_media(media="print")
        try:
            hidden = sp.locator("#filters").is_hidden() and sp.locator("#csv-download").is_hidden()
            charts = sp.locator("svg[role='img']:visible").count()
            tables = sp.locator("table.data:visible").count()
        finally:
            sp.emulate_media(media="screen")
        return hidden and charts == 4 and tables == 4, \
            f"print: controls hidden {hidden}, {charts} charts and {tables} tables shown"
    check("statistik: print stylesheet", "controls hidden; the four charts and their tables printed", printed)

    def wrong_role():
        visitor = Person(browser, "nurse-on-statistik", args.base)  # its 403 is logged: not counted
        vp = visitor.page
        vp.goto(args.base + "/statistik/")
        vp.get_by_label("Token").fill(nurse_token)
        vp.get_by_role("button", name="Logga in").click()
        vp.wait_for_selector("#problem[data-code='ROLE_REQUIRED']:not([hidden])")
        title = norm(vp.locator("#problem .problem-title").inner_text())
        out = vp.locator("#dashboard").is_hidden() and vp.evaluate("() => sessionStorage.length") == 0
        visitor.ctx.close()
        return out, f"403 ROLE_REQUIRED shown ('{title}'); dashboard hidden, no token kept: {out}"
    check("statistik: other roles refused", "a nurse's token: ROLE_REQUIRED shown, nothing kept", wrong_role)

    def sign_out():
        if not signed_in:
            return False, "not reached"
        sp.get_by_role("button", name="Logga ut").click()
        sp.wait_for_selector("#view-signin:not([hidden])")
        return sp.evaluate("() => sessionStorage.length") == 0, "token forgotten"
    check("statistik: sign out", "Logga ut forgets the token", sign_out)

    csp = stat.csp()
    check("statistiker: no console errors", "no console error, no uncaught exception",
          lambda: (not stat.errors, "; ".join(stat.errors)[:200] or "none"))
    check("statistiker: no CSP violations", "no securitypolicyviolation",
          lambda: (not csp, "; ".join(csp)[:200] or "none"))
    stat.ctx.close()


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--screenshots", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--update-docs", default=None, help="also copy the screenshots here")
    ap.add_argument("--server", required=True, help="the samverkan binary (for the restart)")
    ap.add_argument("--server-pidfile", required=True)
    ap.add_argument("--server-log", required=True)
    args = ap.parse_args()
    LOG = open(args.log, "w", encoding="utf-8")
    os.makedirs(args.screenshots, exist_ok=True)
    nurse_token, doctor_token = os.environ["NURSE_TOKEN"], os.environ["DOCTOR_TOKEN"]
    shots = {}
    started = time.monotonic()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True,
                                    args=["--no-sandbox"])
        doctor = Person(browser, "doctor", args.base)
        kerstin = Person(browser, "kerstin", args.base)
        dp, kp = doctor.page, kerstin.page
        message_id = None

        # --- The doctor signs in and keeps his inbox open ------------------------------------
        def doctor_in():
            who = doctor.sign_in(doctor_token)
            dp.wait_for_selector("body[data-view='inbox'][data-list-loaded]")
            badge = dp.locator("#badge-unread").get_attribute("data-count")
            doctor.mark("doctor-no-reload")
            return "Doktor Demo" in who and badge == "0", f"'{who}', unread badge {badge}, live stream open"
        doctor_ready = check("doctor signs in, inbox open", "/me shown, unread badge 0, stream open", doctor_in)

        # --- Kerstin signs in and opens the compose form -------------------------------------
        def kerstin_in():
            who = kerstin.sign_in(nurse_token)
            kp.get_by_role("link", name="Nytt meddelande").click()
            kp.wait_for_selector("#view-compose:not([hidden])")
            kp.wait_for_selector("body[data-recipients-loaded]")
            kerstin.mark("kerstin-no-reload")
            return "Kerstin Demo" in who, f"'{who}'"
        check("Kerstin signs in, opens compose", "/me shown; compose form", kerstin_in)

        def tab_order():
            kp.focus("#c-category")
            seen = ["c-category"]
            for _ in range(40):
                kp.keyboard.press("Tab")
                ident = kp.evaluate("() => document.activeElement && document.activeElement.id")
                seen.append(ident or "?")
                if ident == "c-send":
                    break
            return subsequence(TAB_ORDER, seen), " → ".join(seen)
        check("keyboard: Tab order", "Tab reaches the fields in order, then Skicka", tab_order)

        def labels_compose():
            missing = kp.evaluate(UNLABELLED_JS)
            return not missing, f"unlabelled: {missing}" if missing else "every visible control labelled"
        check("labels (compose)", "every visible input/select/textarea/button has a label", labels_compose)

        # --- Patient, recipient, details, then the body with "snarast" -----------------------
        def fill_draft():
            kp.get_by_label("Personnummer eller samordningsnummer").fill("19121212-1212")
            kp.get_by_role("button", name="Hämta patient").click()
            kp.wait_for_selector("#c-patient[data-patient-id]")
            patient = kp.locator("#c-patient").inner_text()
            kp.get_by_label("Sök mottagare").fill("Halmstad")
            kp.get_by_label("Typ av enhet").select_option("narsjukvard")
            kp.wait_for_function(
                "() => [...document.querySelectorAll('#c-recipient option')]"
                ".some((o) => o.textContent.includes('Vårdcentralen Halmstad'))")
            value = kp.evaluate(
                "() => [...document.querySelectorAll('#c-recipient option')]"
                ".find((o) => o.textContent.includes('Vårdcentralen Halmstad')).value")
            kp.get_by_label("Mottagare", exact=True).select_option(value)
            kp.get_by_label("Ämne").fill(SUBJECT)
            kp.get_by_label("Läkemedel (produktnamn)").fill("Enalapril Sandoz")
            kp.get_by_label("Styrka").fill("10 mg")
            kp.get_by_label("Dosering").fill("1 tablett på morgonen")
            kp.get_by_label("ATC-kod (valfri)").fill("C09AA02")
            return "Tolvan" in patient, f"{patient.strip()}; recipient chosen"
        check("compose: patient and recipient", "lookup by personnummer; recipient from /recipients", fill_draft)

        def akut_while_typing():
            body = kp.get_by_label("Meddelande", exact=True)
            body.click()
            body.press_sequentially(URGENT_BODY, delay=15)
            t0 = time.monotonic()
            akut = kp.locator("#c-body-msgs [data-code='AKUT']")
            akut.wait_for(state="visible")
            took = time.monotonic() - t0
            invalid = body.get_attribute("aria-invalid")
            described = body.get_attribute("aria-describedby") or ""
            text = akut.inner_text()
            sent = kp.evaluate("() => document.body.dataset.view")
            ok = invalid == "true" and "c-body-msgs" in described.split() and sent == "compose"
            return ok, (f"AKUT beside the body {took:.1f} s after the last key, no send; aria-invalid={invalid}, "
                        f"aria-describedby='{described}'; text: {text[:60]}…")
        akut_ok = check("live check: AKUT while typing", "AKUT violation beside the body, no click on send",
                        akut_while_typing)
        if akut_ok:
            kp.evaluate("() => window.scrollTo(0, document.getElementById('compose-h').offsetTop - 8)")
            shots["compose"] = os.path.join(args.screenshots, "compose.png")
            kp.screenshot(path=shots["compose"])

        if akut_ok:
            check("axe: compose with a violation shown", "no WCAG A/AA violation", lambda: axe(kp))

        def rephrase():
            kp.get_by_label("Meddelande", exact=True).fill(CALM_BODY)
            kp.locator("#c-body-msgs [data-code='AKUT']").wait_for(state="detached")
            kp.wait_for_selector("#c-check[data-state='ok']")
            invalid = kp.locator("#c-body").get_attribute("aria-invalid")
            return invalid is None, f"AKUT gone, check says valid, aria-invalid={invalid}"
        check("live check: rephrased", "the violation disappears", rephrase)

        def window_preview():
            text = kp.locator("#c-window").inner_text()
            return "förväntas svar från" in text and "senast" in text, text
        check("reply-window preview", "'svar från … senast …' before sending", window_preview)

        # --- Kerstin sends; the doctor's badge moves without a reload -----------------------
        def send():
            nonlocal message_id
            kp.get_by_role("button", name="Skicka", exact=True).click()
            kp.wait_for_selector("body[data-view='outbox']")
            row_ = kp.locator("#list-body tr", has_text=SUBJECT).first
            row_.wait_for()
            message_id = row_.get_attribute("data-id")
            win = row_.locator(".reply-window").inner_text().replace("\n", " ")
            status = row_.get_attribute("data-status")
            return bool(message_id) and "från" in win and "senast" in win and status == "sent", \
                f"in the outbox: status {status}, reply window '{win}'"
        sent = check("Kerstin sends", "201; the message in her outbox with its reply window", send)

        def badge_moves():
            if not (sent and doctor_ready):
                return False, "not reached"
            dp.wait_for_selector("#badge-unread[data-count='1']")
            dp.locator("#list-body tr", has_text=SUBJECT).first.wait_for()
            same = doctor.marker() == "doctor-no-reload" and doctor.loads == 1
            return same, f"unread badge 0 → 1, the message in the list; page loads {doctor.loads}, marker kept: {same}"
        badge_ok = check("doctor: live unread badge", "0 → 1 without a reload (stream)", badge_moves)
        if badge_ok:
            shots["inbox"] = os.path.join(args.screenshots, "inbox.png")
            dp.screenshot(path=shots["inbox"])

        if badge_ok:
            check("axe: inbox", "no WCAG A/AA violation", lambda: axe(dp))

        # --- The doctor opens the message and replies "utfört" -------------------------------
        def doctor_replies():
            if not badge_ok:
                return False, "not reached"
            dp.locator("#list-body tr", has_text=SUBJECT).first.get_by_role("link").click()
            dp.wait_for_selector(f"#view-message[data-id='{message_id}']")
            win = dp.locator("#msg-window").inner_text()
            missing = dp.evaluate(UNLABELLED_JS)
            dp.get_by_label("Svar", exact=True).fill(REPLY)
            dp.get_by_label("Utfall").select_option("utfort")
            dp.get_by_role("button", name="Skicka svar").click()
            dp.wait_for_selector("#msg-status[data-status='answered']")
            dp.wait_for_selector("#msg-thread li[data-outcome='utfort']")
            ok = "Svar förväntas från" in win and not missing
            return ok, f"opened ('{win[:70]}…'), replied utfört: status answered; unlabelled: {missing or 'none'}"
        replied = check("doctor opens and replies", "reply window shown; reply utfört → answered", doctor_replies)
        if replied:
            check("axe: message with its thread", "no WCAG A/AA violation", lambda: axe(dp))

        def kerstin_sees_answer():
            if not replied:
                return False, "not reached"
            r = kp.locator(f"#list-body tr[data-id='{message_id}'][data-status='answered']")
            r.wait_for()
            outcome = r.locator(".outcome").inner_text()
            same = kerstin.marker() == "kerstin-no-reload" and kerstin.loads == 1
            return same and outcome == "Utfört", \
                f"outbox row answered, outcome '{outcome}'; page loads {kerstin.loads}, marker kept: {same}"
        check("Kerstin: live answer", "status answered in her outbox without a reload", kerstin_sees_answer)

        # --- A stale view: If-Match refuses the close, the page says so and reloads ---------
        def stale_close():
            if not replied:
                return False, "not reached"
            stale = Person(browser, "kerstin-stale", args.base)
            sp = stale.page
            # This tab hears nothing live, so its copy of the message goes stale.
            sp.route("**/api/v1/messages/stream*", lambda route: route.abort())
            sp.goto(args.base + f"/app/#meddelande/{message_id}")
            sp.get_by_label("Token").fill(nurse_token)
            sp.get_by_role("button", name="Logga in").click()
            sp.wait_for_selector(f"#view-message[data-id='{message_id}'][data-status='answered']")
            dp.get_by_label("Svar", exact=True).fill("Tillägg: nästa förnyelse om tre månader.")
            dp.get_by_role("button", name="Skicka svar").click()
            dp.wait_for_function("() => document.querySelectorAll('#msg-thread li').length === 2")
            sp.get_by_role("button", name="Avsluta ärendet").click()
            sp.wait_for_selector("#problem[data-code='PRECONDITION_FAILED']:not([hidden])")
            sp.wait_for_function("() => document.querySelectorAll('#msg-thread li').length === 2")
            title = sp.locator("#problem .problem-title").inner_text()
            sp.get_by_role("button", name="Avsluta ärendet").click()
            sp.wait_for_selector("#msg-status[data-status='closed']")
            stale.ctx.close()
            return True, f"412 shown ('{title}'), the message reloaded with the new reply; closed on the second try"
        closed = check("If-Match: stale close", "412 PRECONDITION_FAILED shown, message reloaded, then closed",
                       stale_close)

        def both_see_closed():
            if not closed:
                return False, "not reached"
            kp.locator(f"#list-body tr[data-id='{message_id}'][data-status='closed']").wait_for()
            dp.wait_for_selector("#msg-status[data-status='closed']")
            hidden = dp.locator("#reply-form").is_hidden() and dp.locator("#act-close").is_hidden()
            return hidden and doctor.loads == 1 and kerstin.loads == 1, \
                f"closed in Kerstin's outbox and in the doctor's open message, actions gone: {hidden}"
        check("live close", "both pages show closed without a reload", both_see_closed)

        # --- The server goes down and comes back: both pages reconnect, nothing is lost -----
        def reconnect():
            if not closed:
                return False, "not reached"
            dp.get_by_role("link", name=re.compile("^Inkorg")).click()
            dp.wait_for_selector("body[data-view='inbox']")
            dp.wait_for_selector("#badge-unread[data-count='0']", state="attached")
            seen = len(doctor.stream_urls)
            doctor.in_outage = kerstin.in_outage = True
            t0 = time.monotonic()
            restart_server(args)
            down = time.monotonic() - t0
            # Sent at once, before the pages' next attempt (their first retry waits 1 s).
            patient = api(args.base, "POST", "/api/v1/patients/lookup", nurse_token,
                          {"personal_identity_number": "19121212-1212"})
            vc = api(args.base, "GET", "/api/v1/recipients?category=provtagning&kind=narsjukvard&q=Halmstad",
                     nurse_token)["items"][0]
            api(args.base, "POST", "/api/v1/messages/provtagning", nurse_token, {
                "patient_id": patient["id"], "recipient_unit_id": vc["id"], "subject": HTML_SUBJECT,
                "body": "Kan vi ta Hb hemma på torsdag?",
                "details": {"analyses": ["Hb"], "fasting": False, "sampled_by": "kommun"}})
            dp.wait_for_selector("#badge-unread[data-count='1']")
            dp.wait_for_selector("body[data-stream='open']")
            kp.wait_for_selector("body[data-stream='open']")
            doctor.in_outage = kerstin.in_outage = False
            again = doctor.stream_urls[seen:]
            resumed = [u for u in again if re.search(r"[?&]after=\d+", u)]
            ok = bool(resumed) and doctor.loads == 1 and kerstin.loads == 1
            shown = re.sub(r"ticket=[^&]+", "ticket=…", resumed[-1] if resumed else (again or ["none"])[-1])
            return ok, (f"server down and back in {down:.1f} s; doctor's badge 0 → 1, both streams open again, "
                        f"no reload; reconnect: {shown.split('/api/v1')[-1]}; expected errors meanwhile: "
                        f"{len(doctor.outage_errors) + len(kerstin.outage_errors)}")
        reconnected = check("stream reconnect after a server restart",
                            "new ticket, after=<last seq>; badge moves; no reload", reconnect)

        def escaped():
            if not reconnected:
                return False, "not reached"
            link = dp.locator("#list-body tr", has_text="Provtagning Hb").first.get_by_role("link")
            link.wait_for()
            text = link.inner_text()
            imgs = dp.evaluate("() => document.querySelectorAll('main b, main script').length")
            ran = dp.evaluate("() => window.__xss || null")
            return text == HTML_SUBJECT and imgs == 0 and ran is None, \
                f"subject shown as text: {text!r}; b/script elements: {imgs}; code ran: {ran is not None}"
        check("API text is escaped", "an HTML-looking subject is shown as text, nothing runs", escaped)

        # --- A wrong token is refused; signing out forgets the token ------------------------
        def wrong_token_and_sign_out():
            visitor = Person(browser, "visitor", args.base)  # its 401 is logged: not counted
            vp = visitor.page
            vp.goto(args.base + "/app/")
            vp.get_by_label("Token").fill("inte.en.token")
            vp.get_by_role("button", name="Logga in").click()
            vp.wait_for_selector("#problem[data-code='UNAUTHENTICATED']:not([hidden])")
            refused = vp.locator("#view-signin").is_visible() and vp.locator("#app").is_hidden()
            visitor.sign_in(nurse_token)
            stored = vp.evaluate("() => sessionStorage.length")
            vp.get_by_role("button", name="Logga ut").click()
            vp.wait_for_selector("#view-signin:not([hidden])")
            after = vp.evaluate("() => sessionStorage.length")
            vp.reload()
            vp.wait_for_selector("body[data-ready]")
            still_out = vp.locator("#view-signin").is_visible() and vp.locator("#app").is_hidden()
            visitor.ctx.close()
            return refused and stored == 1 and after == 0 and still_out, \
                (f"wrong token: UNAUTHENTICATED shown, not signed in: {refused}; token kept in sessionStorage "
                 f"({stored} item), gone after Logga ut ({after}); after a reload still signed out: {still_out}")
        check("sign-in refused, sign-out", "401 shown; sign-out forgets the token", wrong_token_and_sign_out)

        # --- Nothing went wrong in either page -----------------------------------------------
        for person in (doctor, kerstin):
            csp = person.csp()
            check(f"{person.name}: no console errors", "no console error, no uncaught exception",
                  lambda person=person: (not person.errors, "; ".join(person.errors)[:200] or "none"))
            check(f"{person.name}: no CSP violations", "no securitypolicyviolation",
                  lambda csp=csp: (not csp, "; ".join(csp)[:200] or "none"))

        # --- The statistics dashboard (/statistik/) ------------------------------------------
        statistik_checks(browser, args, shots)

        browser.close()

    if args.update_docs:
        os.makedirs(args.update_docs, exist_ok=True)
        for name, path in shots.items():
            shutil.copyfile(path, os.path.join(args.update_docs, f"{name}.png"))
            print(f"browser-check: copied {name}.png to {args.update_docs}", file=sys.stderr)

    print(f"\n| step | expectation | measured | result |\n|---|---|---|---|")
    for step, expectation, measured, ok in ROWS:
        print(f"| {step} | {expectation} | {measured} | {'PASS' if ok else 'FAIL'} |")
    failed = sum(1 for *_, ok in ROWS if not ok)
    print(f"\nbrowser-check: {len(ROWS) - failed} passed, {failed} failed in {time.monotonic() - started:.0f} s; "
          f"screenshots in {args.screenshots}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
