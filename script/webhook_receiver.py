#!/usr/bin/env python3
"""A webhook receiver that verifies every delivery with the Standard Webhooks project's own
reference library (PyPI `standardwebhooks`), not with Samverkan's code.

    webhook_receiver.py --port PORT --secrets FILE --log FILE

POST to any path but /_control: the body and headers are verified with every secret in FILE
(one per line, re-read on each request, so a test can add the secret a rotation made). A
delivery no secret verifies is answered 400; otherwise the current mode answers: `ok` 200,
`fail` 503 with `Retry-After`. Every request is one JSON line in the log:
{"id", "timestamp", "type", "seq", "message_id", "verified_by": [indexes of the secrets that
verify it], "signatures": n, "status": answer, "at": unix time, "peer": port}.

POST /_control {"mode": "ok" | "fail", "retry_after": seconds, "delay": seconds} changes the
mode; `delay` (default 0) holds every delivery that long before it is answered (and counted), a
slow receiver. Connections are kept alive (HTTP/1.1), as a sender's pool expects; the log's
`peer` is the sender's TCP port, which tells senders apart.
GET /_stats: {"requests", "accepted", "distinct", "duplicates", "unverified", "by_type",
"seqs"} over the requests answered 2xx (duplicates: accepted requests whose webhook-id was
accepted before).
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
STATE = {"mode": "ok", "retry_after": 1, "delay": 0.0, "requests": 0, "accepted": [], "unverified": 0}


class Handler(BaseHTTPRequestHandler):
    server_version = "webhook-receiver"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON log says what happened
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the sender is gone (killed, or gave up): nobody to answer
            self.close_connection = True

    def do_GET(self):
        if self.path != "/_stats":
            return self.answer(404)
        with LOCK:
            accepted = list(STATE["accepted"])
            stats = {
                "requests": STATE["requests"],
                "unverified": STATE["unverified"],
            }
        seen, dups, by_type, seqs = set(), 0, {}, []
        for d in accepted:
            if d["id"] in seen:
                dups += 1
                continue
            seen.add(d["id"])
            by_type[d["type"]] = by_type.get(d["type"], 0) + 1
            if d["seq"] is not None:
                seqs.append(d["seq"])
        stats.update(accepted=len(accepted), distinct=len(seen), duplicates=dups,
                     by_type=by_type, seqs=sorted(seqs))
        self.answer(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/_control":
            change = json.loads(body or b"{}")
            with LOCK:
                STATE["mode"] = change.get("mode", STATE["mode"])
                STATE["retry_after"] = int(change.get("retry_after", STATE["retry_after"]))
                STATE["delay"] = float(change.get("delay", STATE["delay"]))
            return self.answer(200)
        headers = {k: v for k, v in self.headers.items()}
        with open(self.server.secrets_file) as f:
            secrets = [line.strip() for line in f if line.strip()]
        verified_by = []
        for i, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified_by.append(i)
            except WebhookVerificationError:
                pass
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        data = payload.get("data") or {}
        with LOCK:
            delay = STATE["delay"]
        if delay > 0:
            time.sleep(delay)
        with LOCK:
            STATE["requests"] += 1
            mode, retry_after = STATE["mode"], STATE["retry_after"]
            if not verified_by:
                STATE["unverified"] += 1
                status = 400
            elif mode == "fail":
                status = 503
            else:
                status = 200
            entry = {
                "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"),
                "type": payload.get("type"),
                "seq": data.get("seq"),
                "message_id": data.get("message_id"),
                "verified_by": verified_by,
                "signatures": len((headers.get("webhook-signature") or "").split()),
                "status": status,
                "at": time.time(),
                "peer": self.client_address[1],
            }
            if status == 200:
                STATE["accepted"].append(entry)
            self.server.log.write(json.dumps(entry) + "\n")
            self.server.log.flush()
        if status == 503:
            return self.answer(503, headers=[("Retry-After", str(retry_after))])
        self.answer(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    # A sender opens many connections at once (a batch of deliveries); the default listen
    # backlog of 5 drops the others' SYNs, and their retransmission (1 s later) eats the timeout.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.secrets_file = args.secrets
    server.log = open(args.log, "a")
    print(f"webhook receiver on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
