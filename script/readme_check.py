#!/usr/bin/env python3
"""Runs README.md's walk-throughs against a live server, as a newcomer would paste them.

    readme_check.py README BASE_URL

Every ```sh block from the section "Calling the API with curl" up to "Performance" runs, in
order, in one bash process (so a variable set in one block is there for the next), with
`set -euo pipefail`, the README's `http://127.0.0.1:8080` replaced by BASE_URL, and the demo
tokens (NURSE_TOKEN, DOCTOR_TOKEN, ADMIN_TOKEN, AUDITOR_TOKEN, INTEGRATION_TOKEN,
STATISTIK_TOKEN) in the
environment, as `script/server` prints them. A block preceded by the line
`<!-- readme-check: skip -->` is not run (one that starts a server, say).

`curl` is wrapped to note the HTTP status of every call. A block passes when every command
exits 0, no call fails to connect or answers 5xx, and the error statuses the README shows for
the block — in the ```http/```json/```text blocks right after it, "HTTP/1.1 4xx" lines and
problem documents' `"status": 4xx` — are exactly the 4xx statuses its calls got, in order. So
an answer that starts refusing, or stops refusing, what the README says fails this check.
Standard library only.
"""

import os
import re
import subprocess
import sys
import tempfile

FIRST_SECTION = "## Calling the API with curl"
LAST_SECTION = "## Performance"
SKIP_MARK = "<!-- readme-check: skip -->"
README_BASE = "http://127.0.0.1:8080"
OUTPUT_LANGS = {"http", "json", "text"}


def blocks(text):
    """(kind, lang, body, line, lead) for fenced blocks and headings, in order; `lead` is the
    prose between the previous block and this one."""
    out, lines, i, prose = [], text.split("\n"), 0, []
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            out.append(("heading", None, line.strip(), i + 1, ""))
            prose = []
        m = re.match(r"^```(\w*)\s*$", line)
        if m:
            lang, start, body = m.group(1), i + 1, []
            skip = i > 0 and lines[i - 1].strip() == SKIP_MARK
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            lead = " ".join(p for p in prose if p and p != SKIP_MARK)
            out.append(("skip" if skip else "code", lang, "\n".join(body), start, lead))
            prose = []
        elif not line.startswith("## "):
            prose.append(line.strip())
        i += 1
    return out


def shows_output_of_previous(lead):
    """An output block belongs to the commands before it when nothing, or only a line that
    introduces it ("The last answer, shortened:"), stands between them."""
    return lead == "" or (lead.endswith(":") and len(lead) < 120)


def walkthrough(text):
    """[(line, shell, expected 4xx statuses)] of the runnable blocks."""
    inside, runs = False, []
    items = blocks(text)
    for n, (kind, lang, body, line, _) in enumerate(items):
        if kind == "heading":
            if body.startswith(FIRST_SECTION):
                inside = True
            elif body.startswith(LAST_SECTION):
                inside = False
            continue
        if not inside or kind != "code" or lang != "sh":
            continue
        expected = []
        for later in items[n + 1:]:
            if later[0] != "code" or later[1] not in OUTPUT_LANGS:
                break
            if not shows_output_of_previous(later[4]):
                break
            expected.extend(error_statuses(later[1], later[2]))
        runs.append((line, body, expected))
    return runs


def error_statuses(lang, output):
    """The 4xx statuses an output block shows, in order: its status lines in an ```http block
    (the body repeats them), the `status` of problem documents otherwise."""
    pattern = r"^HTTP/[\d.]+ (\d{3})" if lang == "http" else r'"status"\s*:\s*(\d{3})'
    found = [int(m.group(1)) for m in re.finditer(pattern, output, re.M)]
    return [s for s in found if 400 <= s < 500]


PREAMBLE = r"""
set -euo pipefail
curl() {
    # The status of every call, on file descriptor 3 (the block's own output is untouched).
    local status
    command curl -sS "$@" -w '%{stderr}@@status %{http_code}\n' 2> >(
        while IFS= read -r l; do
            case $l in
            "@@status "*) printf '%s\n' "${l#@@status }" >&3 ;;
            *) printf '%s\n' "$l" >&2 ;;
            esac
        done
    )
}
"""


def run(readme, base):
    text = open(readme, encoding="utf-8").read()
    runs = walkthrough(text)
    if not runs:
        print("readme-check: no runnable ```sh blocks found", file=sys.stderr)
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        script = [PREAMBLE]
        for n, (line, body, _) in enumerate(runs):
            status_file = os.path.join(tmp, f"{n}.status")
            script.append(f"exec 3>{status_file}")
            script.append(f"echo '@@block {n}' >&2")
            script.append(body.replace(README_BASE, base))
            script.append("sleep 0.1")
            script.append(f"echo '@@done {n}' >&2")
        path = os.path.join(tmp, "walkthrough.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(script) + "\n")
        env = dict(os.environ)
        proc = subprocess.run(["bash", path], capture_output=True, text=True, env=env, timeout=600)
        done = {int(m.group(1)) for m in re.finditer(r"^@@done (\d+)$", proc.stderr, re.M)}
        print(f"{'README line':>11} | {'README shows':<18} | {'got':<30} | result")
        print("-" * 12 + "+" + "-" * 20 + "+" + "-" * 32 + "+" + "-" * 8)
        for n, (line, body, expected) in enumerate(runs):
            status_file = os.path.join(tmp, f"{n}.status")
            got = []
            if os.path.exists(status_file):
                got = [int(s) for s in open(status_file).read().split() if s.isdigit()]
            got_errors = [s for s in got if 400 <= s < 500]
            problems = []
            if n not in done:
                problems.append("did not finish")
            if any(s >= 500 or s < 100 for s in got):
                problems.append("a call failed or answered 5xx")
            if got_errors != expected:
                problems.append("errors differ")
            if "curl" in body and not got and n in done:
                problems.append("no call reached the server")
            verdict = "PASS" if not problems else "FAIL: " + ", ".join(problems)
            failures += bool(problems)
            shown = ",".join(map(str, expected)) or "only 2xx"
            print(f"{line:>11} | {shown:<18} | {','.join(map(str, got)) or '-':<30} | {verdict}")
        if proc.returncode != 0 or failures:
            tail = "\n".join(proc.stderr.strip().split("\n")[-25:])
            print(f"\nreadme-check: bash exited {proc.returncode}; the end of its stderr:\n{tail}",
                  file=sys.stderr)
    total = len(runs)
    print(f"\nreadme-check: {total - failures}/{total} blocks as README says")
    return 1 if failures or proc.returncode != 0 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1], sys.argv[2].rstrip("/")))
