#!/usr/bin/env python3
"""Fault-injection proof for Samverkan; run through script/faults, which builds the binary,
starts the private PostgreSQL cluster and passes the paths. Python 3 standard library only.

Seven scenarios, each against its own `samverkan serve` process(es) on a free 127.0.0.1 port:

  kill    kill -9 the API while clients create messages with known Idempotency-Keys; restart;
          retry every key that got no answer; every 201 is stored, none twice (the database is
          checked with psql).
  pg      stop PostgreSQL under load (a throwaway cluster of its own, so nothing else that uses
          the shared cluster is disturbed), keep it down, start it again: 503 problem+json
          within 2.5 s during the outage, /health/ready 503, no 500, no hang; service back within
          10 s of PostgreSQL accepting connections.
  pool    SAMVERKAN_DB_POOL_SIZE=2, both connections held by requests blocked on a row lock
          taken from psql: the extra requests get 503 within 2.5 s.
  term    SIGTERM with long-polls and creates in flight: every request sent before the signal
          gets its normal answer, and the process exits 0 within the shutdown timeout.

The webhook scenarios: an endpoint for the vårdcentral registered with an integration token,
pointing at script/webhook_receiver.py (run with --webhook-python, which has the Standard
Webhooks reference verifier); nurses create messages to the vårdcentral, one message.created
event each. "Every event arrives" means: the `seq`s the receiver accepted (verified, 2xx) are
exactly the feed's events of the unit since the endpoint was registered, and every delivery is
`succeeded` (GET /webhooks/{id}/deliveries), one per event. A duplicate is a webhook-id the
receiver accepted twice. Each uses a fresh samverkan_faults and a receiver of its own.

  hook503   the receiver answers 503 (Retry-After: 1) while clients create messages, then 200:
            every event arrives, no duplicate; drained within the schedule's longest delay
            (+10 % jitter, + 2 s) of the 503s ending.
  hookkill  a slow receiver (1 s per delivery, so a round of deliveries is always in flight),
            kill -9 of the API during creates, restart: every event arrives; duplicates only of
            deliveries leased at the kill; queue drained within the lease (2 × timeout + 5 s)
            after the kill.
  hooktwo   two server processes on one database, clients creating through both: every event
            arrives, duplicates < 1 %; how the deliveries were split between the processes
            (connections to the receiver mapped to processes through /proc).

Prints one table row per expectation; exits 1 when any expectation failed, 2 on a setup error.
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

NURSE = ["--sub", "SE2321000115-DEMOP0001", "--unit", "SE2321000115-DEMOK1380", "--name",
         "Kerstin Demo", "--role", "personal", "--legitimerad", "--profession", "sjukskoterska"]
DOCTOR = ["--sub", "SE2321000115-DEMOP0002", "--unit", "SE2321000115-DEMOVC01", "--name",
          "Doktor Demo", "--role", "personal", "--legitimerad", "--profession", "lakare"]
INTEGRATION = ["--sub", "SE2321000115-DEMOINT1", "--unit", "SE2321000115-DEMOVC01", "--name",
               "Integration Demo", "--role", "integration", "--units", "SE2321000115-DEMOVC01"]
VC_HSA = "SE2321000115-DEMOVC01"
TOLVAN = "19121212-1212"
DB_NAME = "samverkan_faults"
HOLDER_APP = "samverkan-faults-holder"

# The limits the issue states.
MAX_503_SECONDS = 2.5      # an answer while the database is out of reach or the pool is empty
MAX_HANG_SECONDS = 3.0     # no request may take longer during the PostgreSQL outage
MAX_RESUME_SECONDS = 10.0  # from PostgreSQL accepting connections to the API serving again
SHUTDOWN_TIMEOUT = 30.0    # actix graceful shutdown (src/startup.rs)

# Webhooks: settings of the servers in the hook* scenarios, and what is expected of them.
WEBHOOK_TIMEOUT = 2                       # SAMVERKAN_WEBHOOK_TIMEOUT, seconds
WEBHOOK_LEASE = 2 * WEBHOOK_TIMEOUT + 5   # DispatchConfig::lease: a claimed delivery's lease
WEBHOOK_SCHEDULE = "1s,1s,2s,2s,5s,5s,10s,10s"  # 36 s of retries, longer than any outage here
WEBHOOK_RETRY_AFTER = 1                   # the receiver's Retry-After while it answers 503
# hook503: all delivered this long after the receiver is back: a delivery may just have begun
# the schedule's longest wait (Retry-After never shortens it), +10 % jitter, + 2 s for rounds.
MAX_DRAIN_SECONDS = max(int(d.rstrip("s")) for d in WEBHOOK_SCHEDULE.split(",")) * 1.1 + 2.0
MAX_KILL_DRAIN_SLACK = 5.0  # hookkill: all delivered within the lease + this after the kill
MAX_DUPLICATE_PERCENT = 1.0  # hooktwo: duplicates of two processes sharing the deliveries
RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "webhook_receiver.py")

now = time.monotonic


class SetupError(Exception):
    pass


def log(msg):
    print(f"faults: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# HTTP


class Resp:
    __slots__ = ("method", "path", "status", "headers", "body", "t0", "t_sent", "t1", "error", "tag",
                 "t_term")

    def __init__(self, method, path, tag=None):
        self.method, self.path, self.tag = method, path, tag
        self.status, self.headers, self.body, self.error = None, {}, b"", None
        self.t0 = self.t_sent = self.t1 = None

    @property
    def latency(self):
        return self.t1 - self.t0

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def is_problem_503(self):
        if self.status != 503:
            return False
        if not self.headers.get("content-type", "").startswith("application/problem+json"):
            return False
        doc = self.json()
        return isinstance(doc, dict) and doc.get("status") == 503

    def describe(self):
        if self.error:
            return self.error
        doc = self.json()
        code = doc.get("code") if isinstance(doc, dict) else None
        return f"{self.status}{' ' + code if code else ''}"


def call(port, method, path, token=None, body=None, headers=None, timeout=15.0, conn=None, tag=None):
    """One request; never raises. With `conn`, reuses that keep-alive connection."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Accept": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    r = Resp(method, path, tag)
    r.t0 = now()
    try:
        conn.request(method, path, body=data, headers=h)
        r.t_sent = now()
        resp = conn.getresponse()
        r.body = resp.read()
        r.status = resp.status
        r.headers = {k.lower(): v for k, v in resp.getheaders()}
    except (OSError, http.client.HTTPException) as e:
        r.error = f"{type(e).__name__}: {e}".rstrip(": ")
        conn.close()
    finally:
        r.t1 = now()
        if own:
            conn.close()
    return r


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------
# Processes: the API server, psql, a throwaway PostgreSQL cluster


class Server:
    """One `samverkan serve` process."""

    count = 0

    def __init__(self, ctx, name, db_url, env=None):
        self.ctx, self.name, self.db_url, self.extra_env = ctx, name, db_url, env or {}
        self.proc = None
        self.port = None
        Server.count += 1
        self.log_path = os.path.join(ctx.logdir, f"{Server.count:03d}-{name}.log")

    def start(self, timeout=30.0):
        self.port = free_port()
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.db_url,
            "SAMVERKAN_BIND": f"127.0.0.1:{self.port}",
            "SAMVERKAN_WORKERS": "2",
            "SAMVERKAN_LOG_FORMAT": "pretty",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        })
        env.update(self.extra_env)
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen([self.ctx.binary, "serve"], env=env, stdout=logf,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.ctx.servers.append(self)
        deadline = now() + timeout
        while now() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"server exited ({self.proc.returncode}) before it was ready; "
                                 f"see {self.log_path}")
            r = call(self.port, "GET", "/health/ready", timeout=3)
            if r.status == 200:
                return self
            time.sleep(0.05)
        raise SetupError(f"/health/ready did not answer 200 within {timeout:.0f} s; see {self.log_path}")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        if self.wait(SHUTDOWN_TIMEOUT + 5) is None:
            self.signal(signal.SIGKILL)
            self.wait(10)


def as_pg_cmd(ctx, argv):
    """Runs a PostgreSQL server binary as the user that owns the cluster (postgres under root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def psql(ctx, url, sql, check=True):
    """Runs SQL with psql; returns the rows as lists of strings (tab-separated, unaligned)."""
    p = subprocess.run([ctx.psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-c", sql], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise SetupError(f"psql failed ({sql[:60]}...): {p.stderr.strip()}")
    return [line.split("\t") for line in p.stdout.splitlines() if line]


def with_db(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def prepare_database(ctx, server_url):
    """(Re)creates samverkan_faults in the cluster at server_url, migrates and seeds it."""
    admin = with_db(server_url, "postgres")
    psql(ctx, admin, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(ctx, admin, f"CREATE DATABASE {DB_NAME}")
    url = with_db(server_url, DB_NAME)
    for sub in ("migrate", "seed-demo"):
        p = subprocess.run([ctx.binary, sub], env=dict(os.environ, DATABASE_URL=url),
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SetupError(f"samverkan {sub} failed: {p.stdout[-2000:]}{p.stderr[-2000:]}")
    return url


class Cluster:
    """A throwaway PostgreSQL cluster for the restart scenario (same binaries and settings as
    script/bootstrap's: fsync and synchronous_commit on, trust auth on 127.0.0.1)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.base = None
        self.port = None

    def _run(self, argv, timeout=60):
        p = subprocess.run(as_pg_cmd(self.ctx, argv), cwd="/", capture_output=True, text=True,
                           timeout=timeout)
        return p

    def create(self):
        tmp = os.environ.get("TMPDIR") or "/tmp"
        if os.geteuid() == 0:
            probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", tmp, "-a", "-w", tmp],
                                   cwd="/", capture_output=True)
            if probe.returncode != 0:
                tmp = "/tmp"
        self.base = tempfile.mkdtemp(prefix="samverkan-faults-pg.", dir=tmp)
        self.ctx.cluster = self
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        data = os.path.join(self.base, "data")
        pg = self.ctx.pg_bin
        p = self._run([f"{pg}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--locale=C.UTF-8"])
        if p.returncode != 0:
            self._run(["rm", "-rf", data])
            p = self._run([f"{pg}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E",
                           "UTF8", "--no-locale"])
            if p.returncode != 0:
                raise SetupError(f"initdb failed: {p.stdout[-1500:]}{p.stderr[-1500:]}")
        self.port = free_port()
        conf = (
            "\n# script/faults: a throwaway cluster\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.base}'\n"
            "max_connections = 100\nshared_buffers = 32MB\n"
            "fsync = on\nsynchronous_commit = on\n"
            "timezone = 'UTC'\nlog_timezone = 'UTC'\n"
        )
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(conf)
        self.start()
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self):
        return os.path.join(self.base, "data")

    def start(self):
        p = self._run([f"{self.ctx.pg_bin}/pg_ctl", "-D", self.data, "-l",
                       os.path.join(self.base, "postgres.log"), "-w", "-t", "30", "start"])
        if p.returncode != 0:
            raise SetupError(f"pg_ctl start failed: {p.stdout}{p.stderr}; log: {self.base}/postgres.log")

    def stop(self, mode="fast"):
        p = self._run([f"{self.ctx.pg_bin}/pg_ctl", "-D", self.data, "-w", "-t", "60", "stop",
                       "-m", mode])
        if p.returncode != 0:
            raise SetupError(f"pg_ctl stop failed: {p.stdout}{p.stderr}")

    def destroy(self):
        if not self.base:
            return
        self._run([f"{self.ctx.pg_bin}/pg_ctl", "-D", self.data, "-w", "-t", "30", "stop",
                   "-m", "immediate"])
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None


class Receiver:
    """script/webhook_receiver.py on a free port: verifies every delivery with the reference
    library; answers as /_control says; its JSON-lines log is kept beside the server logs."""

    def __init__(self, ctx, name):
        if not ctx.webhook_python:
            raise SetupError("the webhook scenarios need --webhook-python (script/faults passes it)")
        self.ctx, self.name = ctx, name
        self.proc = None
        self.port = None
        Server.count += 1
        base = os.path.join(ctx.logdir, f"{Server.count:03d}-{name}-receiver")
        self.log_path, self.err_path = base + ".log", base + ".err.log"
        self.secrets_path = os.path.join(ctx.tmpdir(), f"{Server.count:03d}-{name}.secrets")

    def start(self, timeout=15.0):
        self.port = free_port()
        open(self.secrets_path, "w").close()
        open(self.log_path, "w").close()
        with open(self.err_path, "wb") as err:
            try:
                self.proc = subprocess.Popen(
                    [self.ctx.webhook_python, RECEIVER, "--port", str(self.port), "--secrets",
                     self.secrets_path, "--log", self.log_path],
                    stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
            except OSError as e:
                raise SetupError(f"cannot start the webhook receiver with {self.ctx.webhook_python}: {e}")
        self.ctx.receivers.append(self)
        deadline = now() + timeout
        while now() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"webhook receiver exited ({self.proc.returncode}); see {self.err_path}")
            if call(self.port, "GET", "/_stats", timeout=2).status == 200:
                return self
            time.sleep(0.05)
        raise SetupError(f"webhook receiver did not answer within {timeout:.0f} s; see {self.err_path}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def add_secret(self, secret):
        with open(self.secrets_path, "a") as f:
            f.write(secret + "\n")

    def control(self, **change):
        r = call(self.port, "POST", "/_control", body=change, timeout=5)
        if r.status != 200:
            raise SetupError(f"webhook receiver /_control: {r.describe()}")

    def stats(self):
        r = call(self.port, "GET", "/_stats", timeout=10)
        if r.status != 200:
            raise SetupError(f"webhook receiver /_stats: {r.describe()}")
        return r.json()

    def entries(self):
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# ------------------------------------------------------------------------------------------------
# Shared helpers of the scenarios


class Ctx:
    def __init__(self, args):
        self.binary = args.binary
        self.psql = args.psql
        self.pg_bin = args.pg_bin
        self.shared_url = args.database_url
        self.logdir = args.logdir
        self.short = args.short
        self.servers = []
        self.cluster = None
        self.rows = []  # (scenario, size, expectation, measured, ok)
        self.tokens = {}
        self.run_id = uuid.uuid4().hex[:8]
        self.webhook_python = args.webhook_python
        self.receivers = []
        self.tmp = None

    def row(self, scenario, size, expectation, measured, ok):
        self.rows.append((scenario, size, expectation, measured, bool(ok)))

    def token(self, who):
        if who not in self.tokens:
            argv = {"nurse": NURSE, "doctor": DOCTOR, "integration": INTEGRATION}[who]
            p = subprocess.run([self.binary, "token", *argv, "--ttl-minutes", "240"],
                               capture_output=True, text=True, timeout=60)
            t = p.stdout.strip()
            if p.returncode != 0 or not t:
                raise SetupError(f"samverkan token failed: {p.stderr.strip()}")
            self.tokens[who] = t
        return self.tokens[who]

    def cleanup(self):
        for s in self.servers:
            try:
                if s.alive():
                    s.signal(signal.SIGKILL)
                    s.wait(10)
            except OSError:
                pass
        for rx in self.receivers:
            rx.stop()
        if self.cluster:
            self.cluster.destroy()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def tmpdir(self):
        if not self.tmp:
            self.tmp = tempfile.mkdtemp(prefix="samverkan-faults.")
        return self.tmp


def lookup_ids(ctx, port):
    """Tolvan's patient id and the vårdcentral's unit id, as a frontend finds them."""
    nurse = ctx.token("nurse")
    r = call(port, "POST", "/api/v1/patients/lookup", nurse, {"personal_identity_number": TOLVAN})
    if r.status != 200:
        raise SetupError(f"patient lookup: {r.describe()} {r.body[:300]!r}")
    patient_id = r.json()["id"]
    q = urllib.parse.urlencode({"kind": "narsjukvard", "q": "Vårdcentralen Halmstad"})
    r = call(port, "GET", f"/api/v1/units?{q}", nurse)
    if r.status != 200:
        raise SetupError(f"unit search: {r.describe()} {r.body[:300]!r}")
    units = [u for u in r.json().get("items", []) if u.get("hsa_id") == VC_HSA]
    if not units:
        raise SetupError(f"unit {VC_HSA} not found by GET /api/v1/units?{q}")
    return patient_id, units[0]["id"]


def recept(ids, subject):
    patient_id, unit_id = ids
    return {
        "patient_id": patient_id,
        "recipient_unit_id": unit_id,
        "subject": subject,
        "body": "Hej! Tabletterna räcker en vecka till. Kan receptet förnyas?",
        "details": {"drug_name": "Enalapril", "strength": "10 mg", "dosage": "1x1",
                    "kind": "fornyelse"},
    }


def create(port, token, body, key=None, conn=None, timeout=15.0, tag="create"):
    headers = {"Idempotency-Key": key} if key else None
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(port, "POST", "/api/v1/messages/recept", token, data,
                headers=headers, conn=conn, timeout=timeout, tag=tag)


def fmt_s(x):
    return "-" if x is None else f"{x:.2f} s"


def counts(items):
    out = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in sorted(out.items(), key=lambda kv: -kv[1]))


# ------------------------------------------------------------------------------------------------
# 1. kill -9 under creates with idempotency keys


def scenario_kill(ctx, db_url, rounds, clients, window):
    name = "kill -9 during creates"
    nurse = ctx.token("nurse")
    prefix = f"faults {ctx.run_id} "
    answered = {}      # key -> message id (a 201, first answer or retry)
    bodies = {}        # key -> body bytes (exactly what was sent)
    unanswered_total = 0
    refused_total = 0  # connection refused: the request never reached the server
    unexpected = []    # answers other than 201 under load, or failed retries
    replay_bad = []    # retries/replays whose answer contradicts the stored one
    replayed_after_kill = 0
    fresh_after_kill = 0
    replays_checked = 0
    in_progress_waits = 0
    lock = threading.Lock()

    srv = Server(ctx, "kill", db_url).start()
    ids = lookup_ids(ctx, srv.port)
    t_scn = now()
    for rnd in range(1, rounds + 1):
        stop = threading.Event()
        pending = {}
        order = []  # keys in the order their 201 arrived

        def client():
            while not stop.is_set():
                key = str(uuid.uuid4())
                body = json.dumps(recept(ids, f"{prefix}r{rnd:02d} {key}")).encode()
                with lock:
                    bodies[key] = body
                    pending[key] = True
                r = create(srv.port, nurse, body, key)
                with lock:
                    if r.error:
                        # no answer: the retry after the restart decides
                        if "ConnectionRefused" in r.error:
                            pending[key] = "refused"
                        return
                    del pending[key]
                    if r.status == 201:
                        answered[key] = r.json()["id"]
                        order.append(key)
                    else:
                        unexpected.append(f"r{rnd} under load: {r.describe()}")

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(*window))
        srv.signal(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(30)
        srv.wait(10)
        with lock:
            lost_answer = dict(pending)
        unanswered_total += len(lost_answer)
        refused_total += sum(1 for v in lost_answer.values() if v == "refused")

        srv = Server(ctx, "kill", db_url).start()
        # Retry every key without an answer, with the same key and the same body.
        for key in lost_answer:
            for attempt in range(60):
                r = create(srv.port, nurse, bodies[key], key)
                doc = r.json() if r.status else None
                code = doc.get("code") if isinstance(doc, dict) else None
                if r.status == 409 and code == "IDEMPOTENCY_IN_PROGRESS" or r.status == 503 or r.error:
                    in_progress_waits += 1
                    time.sleep(0.25)
                    continue
                break
            if r.status == 201:
                answered[key] = r.json()["id"]
                if r.headers.get("idempotent-replayed") == "true":
                    replayed_after_kill += 1
                else:
                    fresh_after_kill += 1
            else:
                unexpected.append(f"r{rnd} retry: {r.describe()}")
        # Replay a sample of the keys that did get their 201 before the kill (the last ones are
        # the most interesting: committed just before the process died).
        sample = order[-5:] + random.sample(order[:-5], min(5, max(0, len(order) - 5)))
        for key in sample:
            r = create(srv.port, nurse, bodies[key], key)
            replays_checked += 1
            doc = r.json() if r.status == 201 else None
            if r.status != 201 or r.headers.get("idempotent-replayed") != "true" or \
                    not isinstance(doc, dict) or doc.get("id") != answered[key]:
                replay_bad.append(f"r{rnd} {key}: {r.describe()} replayed="
                                  f"{r.headers.get('idempotent-replayed')}")
        log(f"kill round {rnd}/{rounds}: {len(order)} answered, {len(lost_answer)} without answer "
            f"({sum(1 for v in lost_answer.values() if v == 'refused')} refused)")
    srv.stop()
    took = now() - t_scn

    # The database decides: every 201'd id once, no key twice, nothing nobody was told about.
    rows = psql(ctx, db_url, f"SELECT id, subject FROM messages WHERE subject LIKE '{prefix}%'")
    by_key = {}
    db_ids = set()
    for mid, subject in rows:
        key = subject.rsplit(" ", 1)[-1]
        by_key.setdefault(key, []).append(mid)
        db_ids.add(mid)
    lost = [k for k, mid in answered.items() if mid not in db_ids]
    wrong_id = [k for k, mid in answered.items() if k in by_key and mid not in by_key[k]]
    dups = {k: v for k, v in by_key.items() if len(v) > 1}
    unexplained = [k for k in by_key if k not in answered]
    size = f"{rounds} rounds, {len(bodies)} creates, {unanswered_total} unanswered"
    ctx.row(name, size, "every 201 is stored (lost 201s = 0)",
            f"{len(answered)} keys got 201, {len(lost)} lost, {len(wrong_id)} wrong id", not lost and not wrong_id)
    ctx.row(name, size, "none twice (rows per key <= 1)",
            f"{len(dups)} duplicated keys", not dups)
    ctx.row(name, size, "rows created = distinct keys that got 201",
            f"{len(rows)} rows / {len(answered)} keys, {len(unexplained)} rows without 201",
            len(rows) == len(answered) and not unexplained)
    ctx.row(name, size, "retry of an unanswered key: 201 (new) or replayed 201",
            f"{fresh_after_kill} new + {replayed_after_kill} replayed of {unanswered_total} "
            f"({refused_total} never reached the server); {len(unexpected)} other"
            + (f": {'; '.join(unexpected[:3])}" if unexpected else ""),
            not unexpected and fresh_after_kill + replayed_after_kill == unanswered_total)
    ctx.row(name, size, "answered key replayed: same id, Idempotent-Replayed",
            f"{replays_checked - len(replay_bad)}/{replays_checked} ok"
            + (f": {'; '.join(replay_bad[:3])}" if replay_bad else ""), not replay_bad)
    if unanswered_total == 0:
        ctx.row(name, size, "the kill hit requests in flight", "no request was cut off", False)
    log(f"kill scenario: {took:.1f} s")


# ------------------------------------------------------------------------------------------------
# 2. PostgreSQL restart under load


def scenario_pg(ctx, cycles, warm, outage, tail, interval=0.05):
    name = "PostgreSQL restart"
    cluster = Cluster(ctx)
    t_setup = now()
    admin_url = cluster.create()
    db_url = prepare_database(ctx, admin_url)
    log(f"throwaway cluster on 127.0.0.1:{cluster.port} ready in {now() - t_setup:.1f} s")
    srv = Server(ctx, "pg-restart", db_url).start()
    ids = lookup_ids(ctx, srv.port)
    nurse = ctx.token("nurse")
    all_reqs, ready_probes, outage_reqs, outage_ready = [], [], [], []
    resumes, ready_resumes, outage_lengths = [], [], []
    lock = threading.Lock()

    for cycle in range(1, cycles + 1):
        stop = threading.Event()
        reqs, probes = [], []
        # Open-loop load: a request every `interval` whatever the answers take (creates and
        # outbox reads by turns), and a readiness probe every 0.25 s, so that the outage is
        # measured by many requests, not by a few clients stuck in slow ones.
        workers = concurrent.futures.ThreadPoolExecutor(max_workers=96)

        def one(kind):
            if kind == "create":
                r = create(srv.port, nurse, recept(ids, f"faults pg {uuid.uuid4()}"), timeout=20)
            elif kind == "outbox":
                r = call(srv.port, "GET", "/api/v1/messages?box=outbox&limit=20", nurse, timeout=20,
                         tag="outbox")
            else:
                r = call(srv.port, "GET", "/health/ready", timeout=20, tag="ready")
            with lock:
                (probes if kind == "ready" else reqs).append(r)

        def generator():
            n = 0
            while not stop.is_set():
                workers.submit(one, "create" if n % 2 == 0 else "outbox")
                if n % 5 == 0:
                    workers.submit(one, "ready")
                n += 1
                time.sleep(interval)

        threads = [threading.Thread(target=generator, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(warm)
        t_stop0 = now()
        cluster.stop("fast")
        t_stop1 = now()
        time.sleep(outage)
        t_start0 = now()
        cluster.start()
        t_ready = now()
        # Load goes on until the API has served again (and a little longer, to catch stale
        # pooled connections), or until well past the limit.
        deadline = t_ready + MAX_RESUME_SECONDS + 5
        while now() < deadline:
            with lock:
                ok_after = [r.t1 for r in reqs if r.ok and r.t0 >= t_ready]
                ready_ok = [r.t1 for r in probes if r.status == 200 and r.t0 >= t_ready]
            if ok_after and ready_ok and now() - min(ok_after) >= tail:
                break
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(30)
        workers.shutdown(wait=True)

        in_outage = [r for r in reqs if r.t0 >= t_stop1 and r.t1 <= t_start0]
        ready_in_outage = [r for r in probes if r.t0 >= t_stop1 and r.t1 <= t_start0]
        after = [r for r in reqs if r.t1 > t_ready]
        first_ok = min((r.t1 for r in after if r.ok), default=None)
        last_fail = max((r.t1 for r in after if not r.ok), default=None)
        resume = None if first_ok is None else max(first_ok, last_fail or first_ok) - t_ready
        first_ready = min((r.t1 for r in probes if r.status == 200 and r.t1 > t_ready), default=None)
        resumes.append(resume)
        ready_resumes.append(None if first_ready is None else first_ready - t_ready)
        outage_lengths.append(t_start0 - t_stop0)
        all_reqs += reqs
        ready_probes += probes
        outage_reqs += in_outage
        outage_ready += ready_in_outage
        log(f"pg cycle {cycle}/{cycles}: stop took {t_stop1 - t_stop0:.2f} s, start took "
            f"{t_ready - t_start0:.2f} s; {len(in_outage)} requests inside the outage; resume "
            f"{fmt_s(resume)}, ready {fmt_s(ready_resumes[-1])}")
    srv.stop()

    everything = all_reqs + ready_probes
    size = (f"{cycles} × {outage:.0f} s outage, {len(all_reqs)} requests + "
            f"{len(ready_probes)} probes")
    not_503 = [r.describe() for r in outage_reqs if not r.is_problem_503()]
    max_out = max((r.latency for r in outage_reqs), default=None)
    ctx.row(name, size, f"during the outage: 503 problem+json within {MAX_503_SECONDS} s",
            f"{len(outage_reqs) - len(not_503)}/{len(outage_reqs)} were 503, max {fmt_s(max_out)}"
            + (f"; others: {counts(not_503)}" if not_503 else ""),
            outage_reqs and not not_503 and max_out <= MAX_503_SECONDS)
    bad = [f"{r.tag} {r.describe()}" for r in everything if not r.ok and not r.is_problem_503()]
    max_all = max((r.latency for r in everything), default=0.0)
    ctx.row(name, size, f"no 500, no connection error, no hang > {MAX_HANG_SECONDS:.0f} s (whole run)",
            f"{len(bad)} other failures" + (f" ({counts(bad)})" if bad else "")
            + f", max latency {fmt_s(max_all)}",
            not bad and max_all <= MAX_HANG_SECONDS)
    ready_bad = [r.describe() for r in outage_ready if not r.is_problem_503()]
    ctx.row(name, size, "/health/ready is 503 during the outage",
            f"{len(outage_ready) - len(ready_bad)}/{len(outage_ready)} probes 503"
            + (f"; others: {counts(ready_bad)}" if ready_bad else ""),
            outage_ready and not ready_bad)
    worst = None if None in resumes else max(resumes)
    worst_ready = None if None in ready_resumes else max(ready_resumes)
    ctx.row(name, size, f"serves again within {MAX_RESUME_SECONDS:.0f} s of PostgreSQL being back",
            f"all requests ok after {', '.join(fmt_s(x) for x in resumes)}; "
            f"ready 200 after {', '.join(fmt_s(x) for x in ready_resumes)}",
            worst is not None and worst_ready is not None and
            worst <= MAX_RESUME_SECONDS and worst_ready <= MAX_RESUME_SECONDS)
    cluster.destroy()
    ctx.cluster = None


# ------------------------------------------------------------------------------------------------
# 3. Pool exhaustion


def pg_activity(ctx, db_url, where):
    rows = psql(ctx, db_url, f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND {where}")
    return int(rows[0][0])


def scenario_pool(ctx, db_url, rounds, extras):
    name = "pool exhaustion (size 2)"
    srv = Server(ctx, "pool", db_url, {"SAMVERKAN_DB_POOL_SIZE": "2"}).start()
    ids = lookup_ids(ctx, srv.port)
    nurse, doctor = ctx.token("nurse"), ctx.token("doctor")
    extra_results, holder_results, recovered, setup_problems = [], [], [], []
    for rnd in range(1, rounds + 1):
        r = create(srv.port, nurse, recept(ids, f"faults pool {ctx.run_id} {rnd}"))
        if r.status != 201:
            raise SetupError(f"pool: could not create the message to lock: {r.describe()}")
        mid = r.json()["id"]
        # psql takes the row lock and keeps its transaction open until told to commit.
        holder = subprocess.Popen([ctx.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ, PGAPPNAME=HOLDER_APP))
        holder.stdin.write(f"BEGIN;\nSELECT id FROM messages WHERE id = '{mid}' FOR UPDATE;\n")
        holder.stdin.flush()
        deadline = now() + 10
        while pg_activity(ctx, db_url, f"application_name = '{HOLDER_APP}' AND state = 'idle in transaction'") < 1:
            if now() > deadline or holder.poll() is not None:
                raise SetupError("pool: psql did not take the row lock")
            time.sleep(0.05)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=2 + extras)
        try:
            # Two acknowledgements by the recipient: each holds a pooled connection, waiting for
            # the lock (the server's lock_timeout is 5 s; the lock goes away well before).
            t_hold = now()
            holders = [pool.submit(call, srv.port, "POST", f"/api/v1/messages/{mid}/read", doctor,
                                   None, None, 20.0) for _ in range(2)]
            deadline = now() + 2.0
            waiting = 0
            while now() < deadline:
                waiting = pg_activity(ctx, db_url, "application_name = 'samverkan' AND wait_event_type = 'Lock'")
                if waiting >= 2:
                    break
                time.sleep(0.05)
            if waiting < 2:
                setup_problems.append(f"r{rnd}: only {waiting} requests waited for the lock")
            # The extra requests: nothing left in the pool for them.
            kinds = ["outbox", "create", "ready"]
            futs = []
            for i in range(extras):
                k = kinds[i % len(kinds)]
                if k == "outbox":
                    futs.append(pool.submit(call, srv.port, "GET", "/api/v1/messages?box=outbox", nurse,
                                            None, None, 20.0, None, "outbox"))
                elif k == "create":
                    futs.append(pool.submit(create, srv.port, nurse,
                                            recept(ids, f"faults pool extra {uuid.uuid4()}"), None, None, 20.0))
                else:
                    futs.append(pool.submit(call, srv.port, "GET", "/health/ready", None, None, None,
                                            20.0, None, "ready"))
            extra_results += [f.result() for f in futs]
            t_release = now()
            if t_release - t_hold > 4.5:
                setup_problems.append(f"r{rnd}: the lock was held {t_release - t_hold:.1f} s (>= the server's lock_timeout)")
        finally:
            holder.stdin.write("COMMIT;\n")
            holder.stdin.close()
            holder.wait(10)
            pool.shutdown(wait=True)
        holder_results += [h.result() for h in holders]
        recovered.append(call(srv.port, "GET", "/api/v1/messages?box=outbox", nurse))
    srv.stop()

    size = f"{rounds} × (2 held + {extras} extra)"
    not_503 = [r.describe() for r in extra_results if not r.is_problem_503()]
    lat = [r.latency for r in extra_results]
    ctx.row(name, size, f"extra requests: 503 problem+json within {MAX_503_SECONDS} s",
            f"{len(extra_results) - len(not_503)}/{len(extra_results)} were 503, latency "
            f"{fmt_s(min(lat, default=None))}–{fmt_s(max(lat, default=None))}"
            + (f"; others: {counts(not_503)}" if not_503 else "")
            + (f"; {'; '.join(setup_problems)}" if setup_problems else ""),
            extra_results and not not_503 and max(lat) <= MAX_503_SECONDS and not setup_problems)
    held_bad = [r.describe() for r in holder_results if r.status != 200]
    rec_bad = [r.describe() for r in recovered if r.status != 200]
    ctx.row(name, size, "held requests finish 200; pool serves again",
            f"{len(holder_results) - len(held_bad)}/{len(holder_results)} held 200, "
            f"{len(recovered) - len(rec_bad)}/{len(recovered)} after 200"
            + (f"; others: {counts(held_bad + rec_bad)}" if held_bad or rec_bad else ""),
            not held_bad and not rec_bad)


# ------------------------------------------------------------------------------------------------
# 4. SIGTERM under load


def scenario_term(ctx, db_url, rounds, longpolls, creators, wait_s):
    name = "SIGTERM under load"
    nurse, integ = ctx.token("nurse"), ctx.token("integration")
    before, after_sig, exits, exit_times, longpoll_lat = [], [], [], [], []
    ids = None
    for rnd in range(1, rounds + 1):
        srv = Server(ctx, "sigterm", db_url).start()
        if ids is None:
            ids = lookup_ids(ctx, srv.port)
        stop = threading.Event()
        results = []
        lock = threading.Lock()

        def longpoll():
            r = call(srv.port, "GET", f"/api/v1/events?after=9000000000000000000&wait={wait_s}", integ,
                     timeout=SHUTDOWN_TIMEOUT + 10, tag="long-poll")
            with lock:
                results.append(r)

        def creator():
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=SHUTDOWN_TIMEOUT + 10)
            while not stop.is_set():
                r = create(srv.port, nurse, recept(ids, f"faults term {uuid.uuid4()}"), conn=conn,
                           timeout=SHUTDOWN_TIMEOUT + 10)
                with lock:
                    results.append(r)
                if r.error:
                    break
            conn.close()

        threads = [threading.Thread(target=longpoll, daemon=True) for _ in range(longpolls)]
        threads += [threading.Thread(target=creator, daemon=True) for _ in range(creators)]
        for t in threads:
            t.start()
        time.sleep(min(1.0, wait_s / 3))
        t_term = now()
        srv.signal(signal.SIGTERM)
        stop.set()
        rc = srv.wait(SHUTDOWN_TIMEOUT + 10)
        t_exit = now()
        for t in threads:
            t.join(SHUTDOWN_TIMEOUT + 15)
        if rc is None:
            srv.signal(signal.SIGKILL)
            srv.wait(10)
        exits.append(rc)
        exit_times.append(t_exit - t_term)
        for r in results:
            r.t_term = t_term
            (before if r.t_sent is not None and r.t_sent < t_term else after_sig).append(r)
            if r.tag == "long-poll" and r.ok:
                longpoll_lat.append(r.latency)
        log(f"term round {rnd}/{rounds}: exit {rc} after {t_exit - t_term:.2f} s; "
            f"{sum(1 for r in results if r.t_sent is not None and r.t_sent < t_term)} requests in flight or done before the signal")

    bad = [f"{r.tag}: {r.describe()}" for r in before if not r.ok]
    lp = [r for r in before if r.tag == "long-poll"]
    cut = [r for r in before if r.t1 > r.t_term]
    size = f"{rounds} × ({longpolls} long-polls wait={wait_s} + {creators} creators)"
    ctx.row(name, size, "requests sent before SIGTERM get their normal answer",
            f"{len(before) - len(bad)}/{len(before)} answered 2xx, {len(cut)} of them in flight at "
            f"the signal ({len(lp)} long-polls, "
            f"{min(longpoll_lat, default=0):.1f}–{max(longpoll_lat, default=0):.1f} s)"
            + (f"; failed: {counts(bad)}" if bad else "")
            + (f"; after the signal: {counts([r.describe() for r in after_sig])}" if after_sig else ""),
            cut and not bad and len(lp) == rounds * longpolls)
    ctx.row(name, size, f"process exits 0 within the {SHUTDOWN_TIMEOUT:.0f} s shutdown timeout",
            f"exit codes {exits}, after {', '.join(fmt_s(x) for x in exit_times)}",
            all(rc == 0 for rc in exits) and max(exit_times) <= SHUTDOWN_TIMEOUT + 2)


# ------------------------------------------------------------------------------------------------
# 5–7. Webhooks: a failing receiver, kill -9 of the dispatching process, two processes


def webhook_env():
    return {
        "SAMVERKAN_WEBHOOK_ALLOW_HTTP": "true",
        "SAMVERKAN_WEBHOOK_ALLOW_PRIVATE": "true",
        "SAMVERKAN_WEBHOOK_TIMEOUT": f"{WEBHOOK_TIMEOUT}s",
        "SAMVERKAN_WEBHOOK_RETRY_SCHEDULE": WEBHOOK_SCHEDULE,
    }


def feed(ctx, port, after=0):
    """The vårdcentral's events after `after`, as its integration platform reads them."""
    integ = ctx.token("integration")
    events = []
    while True:
        r = call(port, "GET", f"/api/v1/events?after={after}&limit=1000", integ, timeout=30)
        if r.status != 200:
            raise SetupError(f"GET /api/v1/events: {r.describe()} {r.body[:300]!r}")
        doc = r.json()
        if not doc["events"]:
            return events
        events += doc["events"]
        after = doc["last_seq"]


def register_webhook(ctx, port, rx):
    """Registers the receiver for the vårdcentral's events; returns (endpoint id, the feed's
    last seq before it: the events the endpoint gets are the ones after)."""
    integ = ctx.token("integration")
    before = feed(ctx, port)
    baseline = before[-1]["seq"] if before else 0
    r = call(port, "POST", "/api/v1/webhooks", integ,
             {"url": rx.url, "units": [VC_HSA], "description": f"script/faults {rx.name}"})
    doc = r.json()
    if r.status != 201 or not isinstance(doc, dict) or not str(doc.get("secret", "")).startswith("whsec_"):
        raise SetupError(f"POST /api/v1/webhooks: {r.describe()} {r.body[:300]!r}")
    rx.add_secret(doc["secret"])
    return doc["id"], baseline


def deliveries(ctx, port, hook_id, status=None, limit=200, pages=None):
    """The endpoint's deliveries (every page, or `pages` of them), newest first."""
    integ = ctx.token("integration")
    items, cursor, n = [], None, 0
    while True:
        q = {"limit": limit}
        if status:
            q["status"] = status
        if cursor:
            q["cursor"] = cursor
        r = call(port, "GET", f"/api/v1/webhooks/{hook_id}/deliveries?{urllib.parse.urlencode(q)}",
                 integ, timeout=30)
        if r.status != 200:
            raise SetupError(f"GET /api/v1/webhooks/{hook_id}/deliveries: {r.describe()} {r.body[:300]!r}")
        doc = r.json()
        items += doc["items"]
        cursor = doc.get("next_cursor")
        n += 1
        if not cursor or (pages and n >= pages):
            return items


class Creators:
    """Nurses creating messages to the vårdcentral (one message.created event of the unit each)
    through the given servers, each client on a keep-alive connection, `pause` s between
    creates, until stopped or its server is gone."""

    def __init__(self, ctx, ports, ids, clients, pause, tag):
        self.ctx, self.ports, self.ids, self.pause, self.tag = ctx, ports, ids, pause, tag
        self.stop_ev = threading.Event()
        self.results = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(ports[i % len(ports)],),
                                         daemon=True) for i in range(clients)]

    def _client(self, port):
        nurse = self.ctx.token("nurse")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        while not self.stop_ev.is_set():
            r = create(port, nurse, recept(self.ids, f"faults {self.tag} {uuid.uuid4()}"), conn=conn)
            with self.lock:
                self.results.append(r)
            if r.error:
                break
            self.stop_ev.wait(self.pause)
        conn.close()

    def start(self):
        self.ctx.token("nurse")
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)
        return self.results


def wait_arrived(ctx, rx, expected, port, hook_id, deadline):
    """Waits until the receiver has accepted every expected seq; returns when (None: never, or
    not while nothing is pending any more: what is missing then has failed for good)."""
    checked = now()
    while True:
        if expected <= set(rx.stats()["seqs"]):
            return now()
        if now() > deadline:
            return None
        if now() - checked >= 1.0:
            checked = now()
            if not deliveries(ctx, port, hook_id, "pending", limit=1, pages=1) and \
                    not expected <= set(rx.stats()["seqs"]):
                return None
        time.sleep(0.1)


def wait_drained(ctx, port, hook_id, deadline):
    """Waits until the endpoint has no pending delivery; returns when (None: never)."""
    while True:
        if not deliveries(ctx, port, hook_id, "pending", limit=1, pages=1):
            return now()
        if now() > deadline:
            return None
        time.sleep(0.1)


class Outcome:
    """What arrived and what the server recorded, against the feed."""

    def __init__(self, ctx, port, hook_id, baseline, rx):
        self.events = feed(ctx, port, baseline)
        self.expected = {e["seq"] for e in self.events}
        st = rx.stats()
        self.stats = st
        self.arrived = set(st["seqs"])
        self.missing = sorted(self.expected - self.arrived)
        self.unexpected = sorted(self.arrived - self.expected)
        # One event under two webhook-ids would be two deliveries of it: a queueing bug.
        self.seq_twice = len(st["seqs"]) - len(self.arrived)
        self.duplicates = st["duplicates"]
        self.unverified = st["unverified"]
        items = deliveries(ctx, port, hook_id)
        self.deliveries = items
        self.by_status = counts([d["status"] for d in items])
        self.not_succeeded = [d for d in items if d["status"] != "succeeded"]
        per_seq = {}
        for d in items:
            per_seq[d["seq"]] = per_seq.get(d["seq"], 0) + 1
        self.delivery_seq_bad = sorted(q for q in self.expected if per_seq.get(q) != 1)
        self.delivery_extra = sorted(q for q in per_seq if q not in self.expected)
        self.max_attempts = max((d["attempts"] for d in items), default=0)
        self.types = counts([e["type"] for e in self.events])

    def all_arrived(self):
        return (self.expected and not self.missing and not self.unexpected and not self.seq_twice
                and self.unverified == 0)

    def all_succeeded(self):
        return not self.not_succeeded and not self.delivery_seq_bad and not self.delivery_extra

    def describe_arrival(self):
        return (f"{len(self.arrived & self.expected)}/{len(self.expected)} events arrived "
                f"({self.types})"
                + (f", missing {len(self.missing)} (seq {self.missing[:5]})" if self.missing else "")
                + (f", {len(self.unexpected)} not in the feed" if self.unexpected else "")
                + (f", {self.seq_twice} events under 2 webhook-ids" if self.seq_twice else "")
                + f", {self.unverified} unverified")

    def describe_deliveries(self):
        bad = counts([f"{d['status']} (last {d['last_status_code']}, {d['attempts']} attempts)"
                      for d in self.not_succeeded])
        # How long the failed ones were tried: from queued to given up.
        spans = [parse_ts(d["completed_at"]) - parse_ts(d["created_at"]) for d in self.not_succeeded
                 if d["status"] == "failed" and d.get("completed_at") and d.get("created_at")]
        return (f"{len(self.deliveries)} deliveries: {self.by_status}; max {self.max_attempts} attempts"
                + (f"; {len(self.delivery_seq_bad)} events without exactly 1 delivery" if self.delivery_seq_bad else "")
                + (f"; {len(self.delivery_extra)} deliveries of other events" if self.delivery_extra else "")
                + (f"; not succeeded: {bad}" if bad else "")
                + (f", given up {min(spans):.1f}–{max(spans):.1f} s after being queued" if spans else ""))


def parse_ts(text):
    """An RFC 3339 timestamp of the API, as seconds since the epoch."""
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        raise SetupError(f"not an RFC 3339 timestamp: {text!r}")
    frac = float(m.group(2) or 0)
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.datetime.fromisoformat(m.group(1) + tz).timestamp() + frac


def create_summary(results):
    ok = sum(1 for r in results if r.status == 201)
    other = [r.describe() for r in results if r.status != 201]
    return ok, other


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def hook_log_problems(servers):
    """ERROR lines, the dispatcher's warnings (a failed round, a disabled endpoint) and panics
    in the servers' logs."""
    found = []
    for s in servers:
        try:
            with open(s.log_path, errors="replace") as f:
                for line in f:
                    line = ANSI.sub("", line)
                    if re.search(r"\bERROR\b", line) or "panicked" in line or \
                            (re.search(r"\bWARN\b", line) and "webhook" in line):
                        found.append(line.strip()[:300])
        except OSError:
            pass
    for line in found[:5]:
        log(f"server log: {line}")
    return found


def scenario_hook503(ctx, outage, clients, pause):
    name = "webhooks: receiver 503"
    db_url = prepare_database(ctx, ctx.shared_url)
    rx = Receiver(ctx, "hook503").start()
    rx.control(mode="fail", retry_after=WEBHOOK_RETRY_AFTER, delay=0)
    srv = Server(ctx, "hook503", db_url, webhook_env()).start()
    ids = lookup_ids(ctx, srv.port)
    hook_id, baseline = register_webhook(ctx, srv.port, rx)
    load = Creators(ctx, [srv.port], ids, clients, pause, f"hook503 {ctx.run_id}").start()
    time.sleep(outage)
    results = load.stop()
    failed_during = rx.stats()["requests"]
    t_ok = now()
    rx.control(mode="ok")
    out_feed = feed(ctx, srv.port, baseline)
    expected = {e["seq"] for e in out_feed}
    arrived_at = wait_arrived(ctx, rx, expected, srv.port, hook_id, t_ok + 60)
    drained_at = wait_drained(ctx, srv.port, hook_id, now() + 30)
    out = Outcome(ctx, srv.port, hook_id, baseline, rx)
    srv.stop()
    rx.stop()
    created, other = create_summary(results)
    created_ids = {r.json()["id"] for r in results if r.status == 201}
    feed_ids = {e["message_id"] for e in out.events}
    log(f"hook503: {created} created during {outage:.0f} s of 503s ({failed_during} answered 503), "
        f"arrived {fmt_s(None if arrived_at is None else arrived_at - t_ok)} after the receiver "
        f"was back, drained {fmt_s(None if drained_at is None else drained_at - t_ok)}")

    size = f"{outage:.0f} s of 503, {created} creates ({clients} clients)"
    drain = None if arrived_at is None else arrived_at - t_ok
    ctx.row(name, size, "every event arrives (receiver's seqs = feed's), 0 unverified",
            out.describe_arrival() + f"; {failed_during} deliveries answered 503 first",
            out.all_arrived() and failed_during > 0)
    ctx.row(name, size, f"every delivery succeeded, 1 per event; all in within {MAX_DRAIN_SECONDS:.0f} s "
            "of the 503s ending",
            out.describe_deliveries() + f"; all arrived {fmt_s(drain)}, queue empty "
            f"{fmt_s(None if drained_at is None else drained_at - t_ok)} after the 503s ended",
            out.all_succeeded() and drain is not None and drain <= MAX_DRAIN_SECONDS)
    problems = hook_log_problems([srv])
    ctx.row(name, size, "no duplicate (nothing died); creates unaffected (all 201, all in the feed)",
            f"{out.duplicates} duplicates of {out.stats['accepted']} accepted; {created} × 201"
            + (f", others: {counts(other)}" if other else "")
            + (f"; {len(created_ids - feed_ids)} created messages not in the feed" if created_ids - feed_ids else "")
            + (f"; server log: {len(problems)} ERROR/panic lines" if problems else ""),
            out.duplicates == 0 and not other and created_ids == feed_ids and not problems)


def leased_now(ctx, db_url):
    """(pending deliveries, of which claimed: leased by a dispatcher, the lease not over)."""
    rows = psql(ctx, db_url,
                "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = "
                "'pending' AND leased_until > now()) FROM webhook_deliveries")
    return int(rows[0][0]), int(rows[0][1])


def scenario_hookkill(ctx, rounds, clients, pause, window, delay):
    name = "webhooks: kill -9 mid-delivery"
    db_url = prepare_database(ctx, ctx.shared_url)
    rx = Receiver(ctx, "hookkill").start()
    rx.control(mode="ok", delay=delay)
    srv = Server(ctx, "hookkill", db_url, webhook_env()).start()
    servers = [srv]
    ids = lookup_ids(ctx, srv.port)
    hook_id, baseline = register_webhook(ctx, srv.port, rx)
    results, leased, pending, arrive, drain, dups_per_round = [], [], [], [], [], []
    for rnd in range(1, rounds + 1):
        dups0 = rx.stats()["duplicates"]
        load = Creators(ctx, [srv.port], ids, clients, pause, f"hookkill {ctx.run_id} r{rnd}").start()
        time.sleep(random.uniform(*window))
        t_kill = now()
        srv.signal(signal.SIGKILL)
        results += load.stop()
        srv.wait(10)
        p, l = leased_now(ctx, db_url)
        pending.append(p)
        leased.append(l)
        srv = Server(ctx, "hookkill", db_url, webhook_env()).start()
        servers.append(srv)
        t_up = now()
        expected = {e["seq"] for e in feed(ctx, srv.port, baseline)}
        arrived_at = wait_arrived(ctx, rx, expected, srv.port, hook_id, t_kill + WEBHOOK_LEASE + 60)
        drained_at = wait_drained(ctx, srv.port, hook_id, t_kill + WEBHOOK_LEASE + 60)
        arrive.append(None if arrived_at is None else arrived_at - t_kill)
        drain.append(None if drained_at is None else drained_at - t_kill)
        dups_per_round.append(rx.stats()["duplicates"] - dups0)
        log(f"hookkill round {rnd}/{rounds}: {p} deliveries pending at the kill, {l} of them leased "
            f"(in flight); restarted in {t_up - t_kill:.2f} s; all arrived {fmt_s(arrive[-1])}, "
            f"queue empty {fmt_s(drain[-1])} after the kill; {dups_per_round[-1]} duplicates")
    out = Outcome(ctx, srv.port, hook_id, baseline, rx)
    srv.stop()
    rx.stop()
    created, other = create_summary(results)

    size = f"{rounds} kill{'s' if rounds != 1 else ''}, {created} creates, receiver {delay:.1f} s/delivery"
    limit = WEBHOOK_LEASE + MAX_KILL_DRAIN_SLACK
    ctx.row(name, size, "every event arrives (receiver's seqs = feed's), 0 unverified",
            out.describe_arrival() + f"; {sum(pending)} pending at the kills",
            out.all_arrived() and sum(pending) > 0)
    ctx.row(name, size, f"every delivery succeeded, 1 per event; queue empty within the lease "
            f"({WEBHOOK_LEASE} s) + {MAX_KILL_DRAIN_SLACK:.0f} s of the kill",
            out.describe_deliveries() + f"; all arrived {', '.join(fmt_s(x) for x in arrive)}, "
            f"queue empty {', '.join(fmt_s(x) for x in drain)} after the kill",
            out.all_succeeded() and None not in drain and max(drain) <= limit)
    problems = hook_log_problems(servers)
    ctx.row(name, size, "duplicates only of deliveries leased (in flight) at the kill, same webhook-id",
            f"{out.duplicates} duplicates ({', '.join(map(str, dups_per_round))} per kill) of "
            f"{', '.join(map(str, leased))} leased at the kill; {out.stats['accepted']} accepted"
            + (f"; server log: {len(problems)} ERROR/panic lines" if problems else ""),
            all(d <= l for d, l in zip(dups_per_round, leased)) and sum(leased) > 0 and not out.seq_twice
            and not problems)


class SenderPorts:
    """Which server process holds which TCP connection to the receiver: samples /proc (Linux)
    while it runs; the receiver logs every delivery's peer port, so each delivery is matched
    to a process (the receiver keeps connections alive, so each process reuses a few)."""

    def __init__(self, servers, rx_port):
        self.servers, self.rx_port = servers, rx_port
        self.owner = {}
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        inode_owner = {}
        for s in self.servers:
            fd_dir = f"/proc/{s.pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            for fd in fds:
                try:
                    link = os.readlink(f"{fd_dir}/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inode_owner[link[8:-1]] = s.name
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    lines = f.readlines()[1:]
            except OSError:
                continue
            for line in lines:
                parts = line.split()
                if len(parts) < 10:
                    continue
                if int(parts[2].rsplit(":", 1)[1], 16) == self.rx_port and parts[9] in inode_owner:
                    self.owner[int(parts[1].rsplit(":", 1)[1], 16)] = inode_owner[parts[9]]

    def _run(self):
        while not self.stop_ev.is_set():
            self._sample()
            self.stop_ev.wait(0.05)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_ev.set()
        self.thread.join(5)
        self._sample()


def scenario_hooktwo(ctx, duration, clients, pause):
    name = "webhooks: two processes"
    db_url = prepare_database(ctx, ctx.shared_url)
    rx = Receiver(ctx, "hooktwo").start()
    rx.control(mode="ok", delay=0)
    a = Server(ctx, "hooktwo-a", db_url, webhook_env()).start()
    b = Server(ctx, "hooktwo-b", db_url, webhook_env()).start()
    a.name, b.name = "A", "B"
    ids = lookup_ids(ctx, a.port)
    hook_id, baseline = register_webhook(ctx, a.port, rx)
    ports = SenderPorts([a, b], rx.port).start()
    load = Creators(ctx, [a.port, b.port], ids, clients, pause, f"hooktwo {ctx.run_id}").start()
    time.sleep(duration)
    results = load.stop()
    t_stop = now()
    expected = {e["seq"] for e in feed(ctx, b.port, baseline)}
    arrived_at = wait_arrived(ctx, rx, expected, a.port, hook_id, t_stop + 60)
    drained_at = wait_drained(ctx, a.port, hook_id, t_stop + 60)
    ports.stop()
    out = Outcome(ctx, a.port, hook_id, baseline, rx)
    a.stop()
    b.stop()
    rx.stop()
    created, other = create_summary(results)
    accepted = [e for e in rx.entries() if e["status"] == 200]
    split = counts([ports.owner.get(e.get("peer"), "unknown") for e in accepted])
    dup_pct = 100.0 * out.duplicates / max(1, len(out.arrived))
    log(f"hooktwo: {created} created through 2 processes; all arrived "
        f"{fmt_s(None if arrived_at is None else arrived_at - t_stop)}, queue empty "
        f"{fmt_s(None if drained_at is None else drained_at - t_stop)} after the load; sent by {split}")

    size = f"2 processes, {duration:.0f} s, {created} creates ({clients} clients)"
    ctx.row(name, size, "every event arrives (receiver's seqs = feed's), 0 unverified",
            out.describe_arrival() + f"; creates: {created} × 201"
            + (f", others: {counts(other)}" if other else ""),
            out.all_arrived() and not other)
    ctx.row(name, size, "every delivery succeeded, 1 per event",
            out.describe_deliveries() + f"; all arrived "
            f"{fmt_s(None if arrived_at is None else arrived_at - t_stop)} after the load ended",
            out.all_succeeded() and drained_at is not None)
    problems = hook_log_problems([a, b])
    ctx.row(name, size, f"duplicates < {MAX_DUPLICATE_PERCENT:g} % of the events",
            f"{out.duplicates} duplicates / {len(out.arrived)} events = {dup_pct:.2f} %; "
            f"accepted deliveries sent by process {split}"
            + (f"; server log: {len(problems)} ERROR/panic lines" if problems else ""),
            dup_pct < MAX_DUPLICATE_PERCENT and not problems)


# ------------------------------------------------------------------------------------------------


def print_table(rows):
    head = ("scenario", "rounds/requests", "expectation", "measured", "result")
    body = [(s, z, e, m, "PASS" if ok else "FAIL") for s, z, e, m, ok in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(5)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in body:
        print(line(r))
    sys.stdout.flush()


SCENARIOS = ["kill", "pg", "pool", "term", "hook503", "hookkill", "hooktwo"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--database-url", required=True, help="URL of the shared private cluster (script/bootstrap)")
    ap.add_argument("--psql", required=True)
    ap.add_argument("--pg-bin", required=True, help="folder with initdb and pg_ctl")
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--rounds", type=int, help="kill -9 rounds (default 3 short, 20 full)")
    ap.add_argument("--only", action="append", choices=SCENARIOS)
    ap.add_argument("--webhook-python", help="python with the Standard Webhooks reference library "
                    "(script/lib.sh's sv_webhook_python), for script/webhook_receiver.py")
    args = ap.parse_args()
    os.makedirs(args.logdir, exist_ok=True)
    ctx = Ctx(args)
    only = set(args.only or SCENARIOS)
    short = args.short
    t0 = now()
    stopped = []

    def on_signal(sig, _frame):
        stopped.append(sig)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        shared_db = None
        if only & {"kill", "pool", "term"}:
            shared_db = prepare_database(ctx, args.database_url)
            log(f"database {DB_NAME} ready ({shared_db})")
        if "kill" in only:
            scenario_kill(ctx, shared_db, rounds=args.rounds or (3 if short else 20),
                          clients=6 if short else 8, window=(0.4, 1.2) if short else (0.5, 2.5))
        if "pg" in only:
            scenario_pg(ctx, cycles=1 if short else 2, warm=1.5 if short else 3.0, outage=5.0,
                        tail=1.5 if short else 3.0)
        if "pool" in only:
            scenario_pool(ctx, shared_db, rounds=1 if short else 3, extras=6 if short else 9)
        if "term" in only:
            scenario_term(ctx, shared_db, rounds=1 if short else 3, longpolls=4 if short else 8,
                          creators=2 if short else 3, wait_s=3)
        # The webhook scenarios make samverkan_faults afresh, each its own.
        if "hook503" in only:
            scenario_hook503(ctx, outage=5.0 if short else 20.0, clients=3 if short else 4, pause=0.1)
        if "hookkill" in only:
            scenario_hookkill(ctx, rounds=1 if short else 3, clients=3 if short else 4, pause=0.1,
                              window=(1.5, 2.5) if short else (2.0, 4.0), delay=1.0)
        if "hooktwo" in only:
            scenario_hooktwo(ctx, duration=4.0 if short else 15.0, clients=4 if short else 6,
                             pause=0.05)
    except SetupError as e:
        log(f"ERROR: {e}")
        if ctx.rows:
            print_table(ctx.rows)
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        ctx.cleanup()
    print_table(ctx.rows)
    failed = [r for r in ctx.rows if not r[4]]
    log(f"{len(ctx.rows) - len(failed)}/{len(ctx.rows)} expectations met in {now() - t0:.0f} s "
        f"({'short' if short else 'full'} run; server logs in {args.logdir})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
