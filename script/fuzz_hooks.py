"""schemathesis hooks for script/fuzz (loaded through SCHEMATHESIS_HOOKS).

They make the fuzzer behave like a correct client where the API's contract depends on more
than one request, and they narrow two checks to what an OpenAPI document can express. Every
exception is listed here, with the reason; nothing else is filtered.

1. Idempotency-Key: a correct client sends a new key with every new request. The fuzzer would
   reuse a drawn key (say "0") for different requests, which the API rightly refuses with 422
   IDEMPOTENCY_KEY_REUSED. A valid drawn key is therefore made unique; an invalid one (empty,
   non-ASCII, too long) is sent as drawn, so the 400 for it is still tested.
2. GET /api/v1/events?wait=N long-polls N seconds (0–30) when no event is due; the wait is cut
   to at most one second so the time budget goes to other requests. Out-of-range values are
   sent as drawn.
3. A schema-valid request answered 422 is not a failure when every violation in the answer is
   one the schema cannot state: a rule of the routine (AKUT, BILAGA, NARKOTIKA, ...), a fact
   in the database (no such patient, not enrolled, the unit is not a specialist), today's date
   (a date in the past, a measurement in the future), a relation between fields (systolic
   above diastolic, municipality only for kommun units) or a check digit. Any other 422 of a
   schema-valid request — a length, a format, an unknown field — is still reported: it means
   the schema does not say what the server checks.
4. A `cursor` the API did not hand out is refused with 400 INVALID_CURSOR. Cursors are
   opaque (base64url of the last row's key); no schema can say which strings the API issued,
   so a drawn cursor answered that way is not a failure. Every other 400 still is.
5. The draft checks (POST /api/v1/messages/*/validate) answer 200 with `valid: false` and the
   problems listed for any JSON body — an incomplete draft too — as documented, so that a form
   can be checked while it is typed. A schema-violating draft answered that way is not a
   failure; one answered `valid: true` is.
6. An `If-Match` the API did not issue (a drawn string, not the message's current `ETag`) is
   answered 412 PRECONDITION_FAILED, as documented: like a cursor, no schema can say which
   tags are current. Any other 412 still is a failure.
"""

import json
import os
import threading
import uuid

import schemathesis

# Violation codes whose rule the schema cannot state (see 3. above).
NOT_IN_SCHEMA = frozenset(
    {
        # The routine's rules (GET /api/v1/rules): texts, the narcotics list, the directory,
        # enrollment, the caller's licence; NYFORSKRIVNING refuses an enum value by design.
        "AKUT",
        "BILAGA",
        "NARKOTIKA",
        "NYFORSKRIVNING",
        "EJ_INSKRIVEN",
        "OGILTIG_MOTTAGARE",
        "EJ_LEGITIMERAD",
        # The database.
        "PATIENT_NOT_FOUND",
        "PARTICIPATING_ONLY_SPECIALIST",
        "END_BEFORE_START",
        # Today's date.
        "DATE_IN_PAST",
        "DATE_TOO_FAR_AHEAD",
        "MEASURED_AT_IN_FUTURE",
        "MEASURED_AT_TOO_OLD",
        "PNR_DATE",
        # Relations between fields.
        "SYSTOLIC_NOT_ABOVE_DIASTOLIC",
        "MEASUREMENTS_OR_REQUEST",
        "MUNICIPALITY_REQUIRED",
        "MUNICIPALITY_NOT_ALLOWED",
        "SPECIALTY_REQUIRED",
        "SPECIALTY_NOT_ALLOWED",
        "COMMENT_REQUIRED",
        # The personnummer's Luhn check digit.
        "PNR_CHECKSUM",
        # Where a webhook URL leads (DNS and the operator's destination policy), and the
        # directory and the token's `units` claim for its units.
        "WEBHOOK_URL_UNRESOLVABLE",
        "WEBHOOK_URL_INVALID",
        "WEBHOOK_URL_PRIVATE",
        "WEBHOOK_URL_NOT_HTTPS",
        "WEBHOOK_URL_CREDENTIALS",
        "UNIT_NOT_FOUND",
        "UNIT_OUT_OF_SCOPE",
    }
)

DRAFT_CHECKS = frozenset({"validate_recept", "validate_provtagning", "validate_uppfoljning", "validate_bokning"})

IDEMPOTENCY_KEY = "idempotency-key"
MAX_WAIT_SECONDS = 1


def _operation_id(case):
    raw = getattr(case.operation.definition, "raw", None) or {}
    return raw.get("operationId")


def _valid_idempotency_key(value):
    return isinstance(value, str) and 1 <= len(value) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in value)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == IDEMPOTENCY_KEY and _valid_idempotency_key(headers[name]):
            headers[name] = str(uuid.uuid4())
    if _operation_id(case) == "list_events" and case.query and "wait" in case.query:
        wait = case.query["wait"]
        try:
            seconds = int(wait)
        except (TypeError, ValueError):
            return
        if MAX_WAIT_SECONDS < seconds <= 30 and str(seconds) == str(wait).strip():
            case.query["wait"] = MAX_WAIT_SECONDS


def _json(response):
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - any unreadable body is simply "not ours to excuse"
        return None


def _is_positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


_LOG_LOCK = threading.Lock()


def _excused(case, failure, response, reason, codes=()):
    """Records an excused failure (one JSON line) in $SAMVERKAN_FUZZ_EXCUSED, for the summary."""
    path = os.environ.get("SAMVERKAN_FUZZ_EXCUSED")
    if path:
        record = {
            "operation": case.operation.label,
            "check": getattr(failure, "code", None),
            "status": response.status_code,
            "reason": reason,
            "codes": sorted(codes),
        }
        with _LOG_LOCK, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    return False


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """False drops the failure; see 3.–6. in the module documentation."""
    code = getattr(failure, "code", None)
    if code == "ST202" and response.status_code == 422 and _is_positive(case):
        body = _json(response)
        violations = (body or {}).get("violations") or []
        codes = {v.get("code") for v in violations if isinstance(v, dict)}
        if codes and codes <= NOT_IN_SCHEMA:
            return _excused(case, failure, response, "rules the schema cannot state", codes)
    if code == "ST202" and response.status_code == 400 and _is_positive(case):
        body = _json(response)
        if (body or {}).get("code") == "INVALID_CURSOR" and "cursor" in (case.query or {}):
            return _excused(case, failure, response, "a cursor the API did not issue", ["INVALID_CURSOR"])
    if code == "ST202" and response.status_code == 412 and _is_positive(case):
        body = _json(response)
        headers = {k.lower() for k in (case.headers or {})}
        if (body or {}).get("code") == "PRECONDITION_FAILED" and "if-match" in headers:
            return _excused(case, failure, response, "an If-Match tag the API did not issue", ["PRECONDITION_FAILED"])
    if code == "ST201" and response.status_code == 200 and _operation_id(case) in DRAFT_CHECKS:
        body = _json(response)
        if isinstance(body, dict) and body.get("valid") is False and body.get("violations"):
            codes = {v.get("code") for v in body["violations"] if isinstance(v, dict)}
            return _excused(case, failure, response, "valid=false: a draft check's verdict", codes)
    return True
