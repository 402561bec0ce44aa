#!/usr/bin/env python3
"""Drives script/oidc-check: the API against a real OpenID provider (panva's oidc-provider,
script/oidc/provider.mjs) on loopback. Standard library only. Starts and stops the provider and
several API processes itself (it restarts the provider to rotate keys and kills it to take it
away); every process it started is stopped when it exits, whatever happens.

Rows of the table (script/oidc-check --help describes them):
  0  the provider alone: discovery, client credentials, authorization code + PKCE, the claims
  1  client credentials against the API (integration client registration)
  2  staff sign-in (authorization code + PKCE) against the API, four accounts, a forged token
  3  key rotation while the API runs (RS256, then ES256 and PS256 signing keys)
  4  the provider stopped: cached keys keep working; a fresh API without keys answers 503
  5  a flood of unknown `kid`s causes at most one JWKS fetch per cooldown
With --provider-only only rows 0 run (no API, no database).
"""

import argparse
import base64
import hashlib
import html
import http.cookiejar
import json
import os
import re
import secrets
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

RESOURCE = "urn:samverkan:api"
RESOURCE_SCOPE = "samverkan"
FRONTEND = "samverkan-frontend"
REDIRECT_URI = "http://127.0.0.1:9/cb"
# The same secrets as in script/oidc/provider.mjs.
CLIENT_SECRETS = {
    "platform-1": "platform-1-secret-for-oidc-check-only-0123456789",
    "platform-2": "platform-2-secret-for-oidc-check-only-0123456789",
}
KERSTIN_CLAIMS = {
    "employeeHsaId": "SE2321000115-DEMOP0001",
    "commissionHsaId": "SE2321000115-DEMOC0001",
    "commissionPurpose": "Vård och behandling",
    "healthCareProviderHsaId": "SE2321000115-DEMOVG1",
    "healthCareUnitHsaId": "SE2321000115-DEMOK1380",
    "healthcareProfessionalLicense": ["SJ"],
    "given_name": "Kerstin",
    "family_name": "Svensson",
}
VC = "SE2321000115-DEMOVC01"
KOMMUN = "SE2321000115-DEMOK1380"
PROBLEM_JSON = "application/problem+json"

TAG = "oidc-check"
ROWS = []


def log(msg):
    print(f"{TAG}: {msg}", file=sys.stderr, flush=True)


def row(step, expectation, measured, ok):
    ROWS.append((step, expectation, measured, bool(ok)))
    print(f"{TAG}: {'PASS' if ok else 'FAIL'} {step}: {measured}", file=sys.stderr, flush=True)


class Failed(Exception):
    """A step that cannot go on (the row is written by whoever catches it)."""


# ---------------------------------------------------------------------------------------------
# HTTP without redirects, without proxies, with an optional cookie jar.


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def request(method, url, headers=None, body=None, jar=None, timeout=15):
    """(status, headers, bytes); never raises for an HTTP status; status 0 when nothing answers."""
    handlers = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        return 0, {}, str(e).encode()


def form(fields):
    return urllib.parse.urlencode(fields).encode()


class Answer:
    """An API answer: status, media type, parsed JSON (or None), and the problem `code`."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.ctype = (headers.get("Content-Type") or "").split(";")[0].strip() if headers else ""
        try:
            self.doc = json.loads(raw) if raw else None
        except ValueError:
            self.doc = None
        self.raw = raw
        self.code = self.doc.get("code") if isinstance(self.doc, dict) else None

    def short(self):
        if self.status == 0:
            return "no answer"
        if self.code is not None:
            return f"{self.status} {self.code} ({self.ctype})"
        return f"{self.status}"

    def problem(self, status, code):
        """True when this is a problem+json answer with this status and code."""
        return self.status == status and self.code == code and self.ctype == PROBLEM_JSON


def api(base, method, path, token=None, body=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return Answer(*request(method, base + path, headers, data))


# ---------------------------------------------------------------------------------------------
# Tokens


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    head, payload, _sig = token.split(".")
    return json.loads(b64url_decode(head)), json.loads(b64url_decode(payload))


def aud_list(payload):
    aud = payload.get("aud")
    return aud if isinstance(aud, list) else [aud]


class Provider:
    """One provider process (restartable on the same port, so the issuer stays the same)."""

    def __init__(self, runner, name, port, log_path, max_age=None):
        self.runner, self.name, self.port, self.log_path = runner, name, port, log_path
        self.issuer = f"http://127.0.0.1:{port}"
        self.max_age = max_age
        self.proc = None
        self.meta = None

    def start(self, keys_file, kids):
        env = dict(os.environ, PORT=str(self.port), ISSUER=self.issuer, KEYS_FILE=keys_file)
        if self.max_age is not None:
            env["JWKS_MAX_AGE"] = str(self.max_age)
        self.proc = self.runner.spawn(
            f"provider {self.name} [{', '.join(kids)}]",
            [self.runner.node, "--no-warnings", os.path.join(self.runner.provider_dir, "provider.mjs"), "serve"],
            env, self.log_path, cwd=self.runner.provider_dir)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            st, _, raw = request("GET", self.issuer + "/.well-known/openid-configuration", timeout=2)
            if st == 200:
                self.meta = json.loads(raw)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failed(f"the provider {self.name} did not start; see {self.log_path}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None:
            self.runner.stop(self.proc, sig)
            self.proc = None

    def restart(self, keys_file, kids):
        self.stop()
        self.start(keys_file, kids)

    def stats(self):
        st, _, raw = request("GET", self.issuer + "/__stats")
        if st != 200:
            raise Failed(f"GET {self.issuer}/__stats: {st}")
        return json.loads(raw)["jwks_fetches"]

    def client_credentials(self, client_id):
        basic = base64.b64encode(f"{client_id}:{CLIENT_SECRETS[client_id]}".encode()).decode()
        st, _, raw = request("POST", self.meta["token_endpoint"],
                          {"Authorization": "Basic " + basic,
                           "Content-Type": "application/x-www-form-urlencoded"},
                          form({"grant_type": "client_credentials", "resource": RESOURCE,
                                "scope": RESOURCE_SCOPE}))
        if st != 200:
            raise Failed(f"client credentials for {client_id}: {st} {raw[:300]!r}")
        return json.loads(raw)["access_token"]

    def authorization_code(self, login, pkce=True):
        """Signs `login` in through the devInteractions forms; returns the token response."""
        jar = http.cookiejar.CookieJar()
        verifier = b64url(secrets.token_bytes(32))
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(16)
        params = {
            "client_id": FRONTEND, "response_type": "code", "redirect_uri": REDIRECT_URI,
            "scope": f"openid {RESOURCE_SCOPE}", "resource": RESOURCE, "state": state,
            "nonce": secrets.token_urlsafe(16),
        }
        if pkce:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        url = self.meta["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)
        method, body, code = "GET", None, None
        for _ in range(12):
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            st, hdrs, raw = request(method, url, headers, body, jar=jar)
            if st in (302, 303) and hdrs.get("Location"):
                loc = urllib.parse.urljoin(url, hdrs["Location"])
                if loc.startswith(REDIRECT_URI):
                    q = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)
                    if "error" in q:
                        raise Failed(f"{login}: the provider answered {q['error'][0]}: "
                                     f"{q.get('error_description', [''])[0]}")
                    if q.get("state", [None])[0] != state:
                        raise Failed(f"{login}: state mismatch in {loc}")
                    code = q["code"][0]
                    break
                url, method, body = loc, "GET", None
                continue
            page = raw.decode(errors="replace")
            action = re.search(r'<form[^>]*action="([^"]+)"', page)
            prompt = re.search(r'name="prompt" value="([a-z]+)"', page)
            if st == 200 and action and prompt:
                url = urllib.parse.urljoin(url, html.unescape(action.group(1)))
                method = "POST"
                if prompt.group(1) == "login":
                    body = form({"prompt": "login", "login": login, "password": "vilket-som-helst"})
                else:
                    body = form({"prompt": prompt.group(1)})
                continue
            raise Failed(f"{login}: {method} {url}: {st} {page[:300]!r}")
        if code is None:
            raise Failed(f"{login}: no code after 12 steps")
        st, _, raw = request("POST", self.meta["token_endpoint"],
                          {"Content-Type": "application/x-www-form-urlencoded"},
                          form({"grant_type": "authorization_code", "code": code,
                                "redirect_uri": REDIRECT_URI, "client_id": FRONTEND,
                                "code_verifier": verifier, "resource": RESOURCE}))
        if st != 200:
            raise Failed(f"{login}: token endpoint {st} {raw[:300]!r}")
        return json.loads(raw)

    def access_token(self, login):
        return self.authorization_code(login)["access_token"]


# ---------------------------------------------------------------------------------------------
# Processes


class Runner:
    def __init__(self, args):
        self.args = args
        self.node = args.node
        self.provider_dir = args.provider_dir
        self.procs = []

    def spawn(self, label, argv, env, log_path, cwd=None):
        with open(log_path, "a") as f:
            f.write(f"\n===== {time.strftime('%H:%M:%S')} {TAG}: start {label}\n")
        out = open(log_path, "a")
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
        out.close()
        proc.label = label
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self):
        for proc in list(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 5
        for proc in list(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def genkey(self, kid, alg, path):
        out = subprocess.run([self.node, "--no-warnings", os.path.join(self.provider_dir, "provider.mjs"),
                              "genkey", kid, alg], check=True, capture_output=True, text=True)
        with open(path, "w") as f:
            f.write(out.stdout)
        return json.loads(out.stdout)

    def api(self, name, port, issuer, extra_env=None, wait_ready=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKAN_")}
        env.update(
            SAMVERKAN_BIND=f"127.0.0.1:{port}", SAMVERKAN_WORKERS="2",
            SAMVERKAN_OIDC_ISSUER=issuer, SAMVERKAN_OIDC_ALLOW_HTTP="true",
            SAMVERKAN_JWT_AUDIENCE=RESOURCE, RUST_LOG=os.environ.get("RUST_LOG", "info"),
            NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
        )
        env.update(extra_env or {})
        log_path = os.path.join(self.args.log_dir, f"oidc-api-{name}.log")
        proc = self.spawn(f"api {name} on {port} " + " ".join(f"{k}={v}" for k, v in (extra_env or {}).items()),
                          [self.args.bin, "serve"], env, log_path)
        base = f"http://127.0.0.1:{port}"
        want = "/health/ready" if wait_ready else "/health/live"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if request("GET", base + want, timeout=2)[0] == 200:
                return base, proc
            if proc.poll() is not None:
                raise Failed(f"the API {name} exited ({proc.returncode}) before {want} answered 200; see {log_path}")
            time.sleep(0.1)
        raise Failed(f"the API {name}: {want} did not answer 200 in 30 s; see {log_path}")


def poll(fn, until, timeout, interval=0.2):
    """Calls fn() until until(result); returns (result, seconds waited, reached)."""
    t0 = time.monotonic()
    while True:
        result = fn()
        waited = time.monotonic() - t0
        if until(result):
            return result, waited, True
        if waited >= timeout:
            return result, waited, False
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------


class Check:
    def __init__(self, args, runner):
        self.args, self.r = args, runner
        # Private to this run: a second run at the same time must not rotate our provider's keys.
        self.keys_dir = tempfile.mkdtemp(prefix="samverkan-oidc-keys.")
        for name in ("provider", "provider-flood"):
            open(os.path.join(args.log_dir, f"oidc-{name}.log"), "w").close()
        if not args.provider_only:
            for name in ("main", "rotation", "flood", "cold"):
                open(os.path.join(args.log_dir, f"oidc-api-{name}.log"), "w").close()

    def keyset(self, name, *keys):
        path = os.path.join(self.keys_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump(list(keys), f)
        return path, [k["kid"] for k in keys]

    # -- 0 ----------------------------------------------------------------------------------
    def provider_alone(self, p):
        m = p.meta
        row("0 provider: discovery", f"issuer {p.issuer}, jwks_uri /jwks, S256, client_credentials",
            f"issuer {m.get('issuer')}, jwks_uri {m.get('jwks_uri')}, "
            f"pkce {m.get('code_challenge_methods_supported')}",
            m.get("issuer") == p.issuer and m.get("jwks_uri") == p.issuer + "/jwks"
            and "S256" in (m.get("code_challenge_methods_supported") or [])
            and "client_credentials" in (m.get("grant_types_supported") or []))

        tok = p.authorization_code("kerstin")
        head, claims = jwt_parts(tok["access_token"])
        if self.args.provider_only:
            log("kerstin's access token, header: " + json.dumps(head, ensure_ascii=False))
            log("kerstin's access token, claims: " + json.dumps(claims, ensure_ascii=False, indent=1))
        missing = {k: claims.get(k) for k, v in KERSTIN_CLAIMS.items() if claims.get(k) != v}
        row("0 provider: authorization code + PKCE (kerstin)",
            "a JWT access token: typ at+jwt, RS256, kid k1, aud urn:samverkan:api, scope samverkan, the Inera claims",
            f"typ {head.get('typ')}, {head.get('alg')}, kid {head.get('kid')}, aud {claims.get('aud')}, "
            f"scope {claims.get('scope')!r}, sub {claims.get('sub')}, iss {claims.get('iss')}, "
            + (f"claims differ: {missing}" if missing else f"{len(KERSTIN_CLAIMS)} Inera claims as set")
            + f"; id_token {'yes' if tok.get('id_token') else 'no'}",
            head.get("typ") == "at+jwt" and head.get("alg") == "RS256" and head.get("kid") == "k1"
            and aud_list(claims) == [RESOURCE] and RESOURCE_SCOPE in (claims.get("scope") or "").split()
            and claims.get("iss") == p.issuer and not missing and tok.get("id_token"))

        try:
            p.authorization_code("kerstin", pkce=False)
            refused = "issued a code"
        except Failed as e:
            refused = str(e)
        row("0 provider: PKCE required for the public client", "an authorization request without "
            "code_challenge is refused", refused, "invalid_request" in refused)

        cc = p.client_credentials("platform-1")
        head, claims = jwt_parts(cc)
        if self.args.provider_only:
            log("platform-1's access token, header: " + json.dumps(head))
            log("platform-1's access token, claims: " + json.dumps(claims, indent=1))
        row("0 provider: client credentials (platform-1)",
            "a JWT access token: typ at+jwt, sub = client_id = platform-1, aud urn:samverkan:api, no person claims",
            f"typ {head.get('typ')}, {head.get('alg')}, kid {head.get('kid')}, sub {claims.get('sub')}, "
            f"client_id {claims.get('client_id')}, aud {claims.get('aud')}, scope {claims.get('scope')!r}",
            head.get("typ") == "at+jwt" and claims.get("sub") == "platform-1"
            and claims.get("client_id") == "platform-1" and aud_list(claims) == [RESOURCE]
            and "employeeHsaId" not in claims)

        others = {}
        for login in ("doktor", "admin", "fel-syfte", "tvetydig"):
            _, c = jwt_parts(p.access_token(login))
            others[login] = (c.get("employeeHsaId"), c.get("commissionPurpose"), c.get("roles"))
        row("0 provider: the other accounts", "doktor [1 id], admin roles [admin], fel-syfte Administration, "
            "tvetydig [2 ids]", json.dumps(others, ensure_ascii=False),
            others["doktor"][0] == ["SE2321000115-DEMOP0002"] and others["admin"][2] == ["admin"]
            and others["fel-syfte"][1] == "Administration" and len(others["tvetydig"][0] or []) == 2)

    # -- 1 ----------------------------------------------------------------------------------
    def client_credentials(self, p, a):
        admin = p.access_token("admin")
        me = api(a, "GET", "/api/v1/me", admin)
        body = {"client_id": "platform-1", "name": "Regionens integrationsplattform", "units": [VC]}
        reg = api(a, "POST", "/api/v1/integration-clients", admin, body)
        row("1 client credentials: register platform-1 (admin's token)",
            "/me roles [admin]; POST /api/v1/integration-clients 201",
            f"/me {me.short()} roles {me.doc.get('roles') if isinstance(me.doc, dict) else None}; POST {reg.short()}",
            me.status == 200 and me.doc.get("roles") == ["admin"] and reg.status == 201)

        t1 = p.client_credentials("platform-1")
        feed = api(a, "GET", "/api/v1/events", t1)
        me1 = api(a, "GET", "/api/v1/me", t1)
        d = me1.doc if isinstance(me1.doc, dict) else {}
        row("1 client credentials: platform-1 reads the feed",
            "GET /api/v1/events 200; /me sub platform-1, roles [integration], units [VC01]",
            f"events {feed.short()}; /me {me1.short()} sub {d.get('sub')!r} roles {d.get('roles')} units {d.get('units')}"
            ,
            feed.status == 200 and me1.status == 200 and d.get("sub") == "platform-1"
            and d.get("roles") == ["integration"] and d.get("units") == [VC])

        t2 = p.client_credentials("platform-2")
        feed2 = api(a, "GET", "/api/v1/events", t2)
        row("1 client credentials: platform-2 (never registered)", "403 CLIENT_NOT_REGISTERED",
            f"events {feed2.short()}", feed2.problem(403, "CLIENT_NOT_REGISTERED"))

        again = api(a, "POST", "/api/v1/integration-clients", admin, body)
        row("1 client credentials: platform-1 registered again", "409", again.short(), again.status == 409)

    # -- 2 ----------------------------------------------------------------------------------
    def staff(self, p, a):
        def me_row(login, want):
            tok = p.access_token(login)
            me = api(a, "GET", "/api/v1/me", tok)
            inbox = api(a, "GET", "/api/v1/messages?box=inbox", tok)
            d = me.doc if isinstance(me.doc, dict) else {}
            unit = d.get("unit") if isinstance(d.get("unit"), dict) else {}
            got = {"sub": d.get("sub"), "profession": d.get("profession"),
                   "legitimerad": d.get("legitimerad"), "commission_hsa_id": d.get("commission_hsa_id"),
                   "unit": unit.get("hsa_id"), "roles": d.get("roles")}
            diff = {k: got[k] for k in want if got[k] != want[k]}
            row(f"2 sign-in: {login}", "/me 200 with " + ", ".join(f"{k} {v}" for k, v in want.items())
                + "; inbox 200",
                f"/me {me.short()} " + (f"differs: {diff}" if diff else "as expected")
                + f" (name {d.get('name')!r}" + (f", sub {d.get('sub')!r}" if "sub" in d else "")
                + f"); inbox {inbox.short()}",
                me.status == 200 and not diff and inbox.status == 200)
            return tok

        kerstin = me_row("kerstin", {
            "sub": "SE2321000115-DEMOP0001", "profession": "sjukskoterska", "legitimerad": True,
            "commission_hsa_id": "SE2321000115-DEMOC0001", "unit": KOMMUN, "roles": ["personal"]})
        me_row("doktor", {"sub": "SE2321000115-DEMOP0002", "profession": "lakare",
                          "legitimerad": True, "unit": VC, "roles": ["personal"]})

        tok = p.access_token("fel-syfte")
        me = api(a, "GET", "/api/v1/me", tok)
        inbox = api(a, "GET", "/api/v1/messages?box=inbox", tok)
        row("2 sign-in: fel-syfte (commissionPurpose Administration)",
            "inbox 403 COMMISSION_PURPOSE", f"inbox {inbox.short()} (/me {me.short()})",
            inbox.problem(403, "COMMISSION_PURPOSE"))

        tok = p.access_token("tvetydig")
        me = api(a, "GET", "/api/v1/me", tok)
        row("2 sign-in: tvetydig (two employeeHsaId)", "/me 401 AMBIGUOUS_IDENTITY", f"/me {me.short()}",
            me.problem(401, "AMBIGUOUS_IDENTITY"))

        head, payload, sig = kerstin.split(".")
        claims = json.loads(b64url_decode(payload))
        claims["employeeHsaId"] = "SE2321000115-DEMOP0009"
        forged = ".".join([head, b64url(json.dumps(claims).encode()), sig])
        me = api(a, "GET", "/api/v1/me", forged)
        row("2 sign-in: kerstin's token with a changed claim", "401 UNAUTHENTICATED", f"/me {me.short()}",
            me.problem(401, "UNAUTHENTICATED"))

    # -- 3 ----------------------------------------------------------------------------------
    def rotation(self, p, b, keys):
        me = lambda tok: api(b, "GET", "/api/v1/me", tok)  # noqa: E731
        t1 = p.access_token("kerstin")
        first = me(t1)

        p.restart(*self.keyset("k2-k1", keys["k2"], keys["k1"]))
        t2 = p.access_token("kerstin")
        kid2 = jwt_parts(t2)[0].get("kid")
        got, waited, ok = poll(lambda: me(t2), lambda x: x.status == 200, 6)
        t1_then = me(t1)
        row("3 rotation: provider restarted with [k2, k1]",
            "new token T2 has kid k2 and is accepted without restarting the API; T1 (k1) still accepted",
            f"T1 before {first.short()}; T2 kid {kid2}: {got.short()} after {waited:.1f} s; T1 {t1_then.short()}",
            first.status == 200 and kid2 == "k2" and ok and t1_then.status == 200)

        p.restart(*self.keyset("k2", keys["k2"]))
        t0 = time.monotonic()
        got, waited, ok = poll(lambda: me(t1), lambda x: x.status != 200, 3 + 5, 0.25)
        t2_then = me(t2)
        row("3 rotation: provider restarted with [k2] only",
            "T1 (k1) refused 401 UNAUTHENTICATED within the cache lifetime (3 s) + margin (5 s); T2 still accepted",
            f"T1 {got.short()} after {time.monotonic() - t0:.1f} s; T2 {t2_then.short()}",
            ok and got.problem(401, "UNAUTHENTICATED") and t2_then.status == 200)

        for alg, kid in (("ES256", "e1"), ("PS256", "p1")):
            p.restart(*self.keyset(f"{kid}-k2", keys[kid], keys["k2"]))
            tok = p.access_token("kerstin")
            head = jwt_parts(tok)[0]
            got, waited, ok = poll(lambda: me(tok), lambda x: x.status == 200, 6)
            row(f"3 rotation: a signing key of {alg}",
                f"the provider signs with {alg} (kid {kid}); the API accepts the token",
                f"token {head.get('alg')} kid {head.get('kid')}: {got.short()} after {waited:.1f} s",
                head.get("alg") == alg and head.get("kid") == kid and ok)
        return t2

    # -- 4 ----------------------------------------------------------------------------------
    def provider_down(self, p, b, t2, cold_port):
        p.stop(signal.SIGKILL)
        now = api(b, "GET", "/api/v1/me", t2)
        ready_now = api(b, "GET", "/health/ready")

        def idp_status(x):
            return x.doc.get("identity_provider", {}).get("status") if isinstance(x.doc, dict) else None
        # The rotation API's keys live 3 s: wait until its refresh has failed (or 6 s).
        ready, waited, stale = poll(lambda: api(b, "GET", "/health/ready"), lambda x: idp_status(x) == "stale", 6, 0.25)
        later = api(b, "GET", "/api/v1/me", t2)
        row("4 provider stopped: the running API",
            "a valid token still accepted; /health/ready 200 (identity_provider ok or stale)",
            f"right away: /me {now.short()}, ready {ready_now.short()} ({idp_status(ready_now)}); "
            f"{waited:.1f} s later: ready {ready.short()} ({idp_status(ready)}"
            + (f", last_error {ready.doc['identity_provider'].get('last_error')!r}" if stale else "")
            + f"), /me {later.short()}",
            now.status == 200 and later.status == 200 and ready_now.status == 200 and ready.status == 200
            and idp_status(ready) in ("ok", "stale") and idp_status(ready_now) in ("ok", "stale"))

        c, _proc = self.r.api("cold", cold_port, p.issuer, wait_ready=False)
        time.sleep(1.0)
        ready = api(c, "GET", "/health/ready")
        me = api(c, "GET", "/api/v1/me", t2)
        row("4 provider stopped: a fresh API that never had keys",
            "/health/ready 503 IDP_UNAVAILABLE; a valid token 503 IDP_UNAVAILABLE (not 401)",
            f"ready {ready.short()}; /me {me.short()}",
            ready.problem(503, "IDP_UNAVAILABLE") and me.problem(503, "IDP_UNAVAILABLE"))

    # -- 5 ----------------------------------------------------------------------------------
    def flood(self, pf, c, ready_at, n=300, seconds=10.0, cooldown=30.0):
        # The cooldown counts from the start-up fetch too: begin after it has passed, so that
        # the flood may cause one fetch (and must not cause more).
        wait = ready_at + cooldown + 1 - time.monotonic()
        if wait > 0:
            log(f"flood: waiting {wait:.0f} s until the start-up fetch is {cooldown + 1:.0f} s old")
            time.sleep(wait)
        before = pf.stats()
        since_ready = time.monotonic() - ready_at
        statuses, codes = {}, {}
        t0 = time.monotonic()
        for i in range(n):
            delay = t0 + i * seconds / n - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            head = {"alg": "RS256", "kid": secrets.token_urlsafe(12), "typ": "at+jwt"}
            now = int(time.time())
            payload = {"iss": pf.issuer, "aud": RESOURCE, "sub": "kerstin", "client_id": FRONTEND,
                       "iat": now, "exp": now + 600, "employeeHsaId": KERSTIN_CLAIMS["employeeHsaId"]}
            tok = ".".join([b64url(json.dumps(head).encode()), b64url(json.dumps(payload).encode()),
                            b64url(secrets.token_bytes(256))])
            x = api(c, "GET", "/api/v1/me", tok)
            statuses[x.status] = statuses.get(x.status, 0) + 1
            codes[x.code] = codes.get(x.code, 0) + 1
        took = time.monotonic() - t0
        time.sleep(0.5)
        after = pf.stats()
        valid = api(c, "GET", "/api/v1/me", pf.access_token("kerstin"))
        row("5 flood: 300 tokens with random kids (default cooldown 30 s)",
            "all 401 UNAUTHENTICATED; at most 1 JWKS fetch caused (the start-up fetch 31 s+ before); "
            "a valid token still accepted",
            f"{n} in {took:.1f} s, from {since_ready:.0f} s after the API was ready: statuses {statuses}, codes {codes}; JWKS fetches {before} -> {after} "
            f"(+{after - before}); valid token {valid.short()}",
            statuses == {401: n} and codes == {"UNAUTHENTICATED": n} and after - before <= 1
            and valid.status == 200)

    # ----------------------------------------------------------------------------------------
    def run(self):
        a = self.args
        keys = {kid: self.r.genkey(kid, alg, os.path.join(self.keys_dir, f"{kid}.jwk"))
                for kid, alg in (("k1", "RS256"), ("k2", "RS256"), ("e1", "ES256"), ("p1", "PS256"))}
        # The main provider sends Cache-Control max-age=600 with its JWKS: the rotation API must
        # still hold its keys no longer than SAMVERKAN_OIDC_KEYS_MAX_AGE (3 s).
        p = Provider(self.r, "main", a.provider_port, os.path.join(a.log_dir, "oidc-provider.log"), max_age=600)
        k1 = self.keyset("k1", keys["k1"])
        p.start(*k1)
        log(f"provider on {p.issuer} (log: {p.log_path})")
        self.guard("0 provider", lambda: self.provider_alone(p))
        if a.provider_only:
            return

        # The flood scenario has its own provider, so that only its API's JWKS fetches count.
        pf = Provider(self.r, "flood", a.flood_provider_port, os.path.join(a.log_dir, "oidc-provider-flood.log"))
        pf.start(*k1)
        ports = [int(x) for x in a.api_ports.split(",")]
        apis = {}

        def start_apis():
            # The flood API first: its scenario waits until its start-up fetch is 31 s old.
            apis["flood"] = self.r.api("flood", ports[2], pf.issuer)[0]
            apis["flood_ready_at"] = time.monotonic()
            apis["main"] = self.r.api("main", ports[0], p.issuer)[0]
            apis["rotation"] = self.r.api("rotation", ports[1], p.issuer, {
                "SAMVERKAN_OIDC_REFETCH_COOLDOWN": "1s", "SAMVERKAN_OIDC_KEYS_MIN_AGE": "3s",
                "SAMVERKAN_OIDC_KEYS_MAX_AGE": "3s"})[0]
            ready = api(apis["main"], "GET", "/health/ready")
            idp = ready.doc.get("identity_provider") if isinstance(ready.doc, dict) else None
            idp = idp if isinstance(idp, dict) else {}
            row("API ready against the provider", "/health/ready 200, identity_provider status ok, keys 1",
                f"{ready.short()} {json.dumps(idp)}",
                ready.status == 200 and idp.get("status") == "ok" and idp.get("keys") == 1)
        if not self.guard("API start", start_apis):
            return
        log("APIs: " + ", ".join(f"{k} {apis[k]}" for k in ("main", "rotation", "flood")) + f" (logs: {a.log_dir}/oidc-api-*.log)")

        self.guard("1 client credentials", lambda: self.client_credentials(p, apis["main"]))
        self.guard("2 sign-in", lambda: self.staff(p, apis["main"]))
        t2 = {}
        if self.guard("3 rotation", lambda: t2.setdefault("t", self.rotation(p, apis["rotation"], keys))):
            self.guard("4 provider stopped", lambda: self.provider_down(p, apis["rotation"], t2["t"], ports[3]))
        else:
            row("4 provider stopped", "runs after 3", "not run: rotation could not finish", False)
        # Its own provider and API: nothing above changes what it counts.
        self.guard("5 flood", lambda: self.flood(pf, apis["flood"], apis["flood_ready_at"]))

    def guard(self, step, fn):
        """Runs one scenario; an exception becomes a FAIL row instead of ending the run."""
        try:
            fn()
            return True
        except Failed as e:
            row(step, "the scenario runs to the end", f"stopped: {e}", False)
        except Exception as e:  # noqa: BLE001 — a crash in one scenario must not hide the others
            row(step, "the scenario runs to the end", f"stopped: {type(e).__name__}: {e}", False)
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--provider-dir", required=True, help="where provider.mjs and its node_modules are")
    ap.add_argument("--node", default="node")
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--provider-port", type=int, required=True)
    ap.add_argument("--provider-only", action="store_true")
    ap.add_argument("--flood-provider-port", type=int)
    ap.add_argument("--api-ports", help="four comma-separated ports: main, rotation, flood, cold")
    ap.add_argument("--bin", help="the samverkan binary")
    args = ap.parse_args()
    if not args.provider_only and not (args.flood_provider_port and args.api_ports and args.bin):
        ap.error("--flood-provider-port, --api-ports and --bin are needed without --provider-only")

    runner = Runner(args)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t0 = time.monotonic()
    check = None
    try:
        check = Check(args, runner)
        check.run()
    finally:
        runner.stop_all()
        if check is not None:
            shutil.rmtree(check.keys_dir, ignore_errors=True)
    print("\n| step | expectation | measured | result |\n|---|---|---|---|")
    for step, expectation, measured, ok in ROWS:
        cell = lambda s: str(s).replace("|", "\\|")  # noqa: E731
        print(f"| {cell(step)} | {cell(expectation)} | {cell(measured)} | {'PASS' if ok else 'FAIL'} |")
    failed = sum(1 for *_, ok in ROWS if not ok)
    log(f"{len(ROWS) - failed} passed, {failed} failed, {time.monotonic() - t0:.0f} s")
    sys.exit(1 if failed or not ROWS else 0)


if __name__ == "__main__":
    main()
