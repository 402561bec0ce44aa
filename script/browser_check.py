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
Each check waits at most TIMEOUT seconds and is then a FAIL; the table ends the run (exit 1 on
any FAIL).
"""

import argparse
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
