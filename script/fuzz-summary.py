"""Test cases per operation from schemathesis NDJSON reports (script/fuzz).

Usage: python fuzz-summary.py PASS.ndjson... [PASS.excused.jsonl...]

Prints one table per pass: for each operation, the test cases of every phase, the total, and
how the server answered (2xx / 4xx / 5xx). A test case is one generated request; the stateful
phase counts every step of every scenario under the operation it called. For an
`.excused.jsonl` file (written by script/fuzz_hooks.py) it prints what was excused, and why.
"""

import collections
import json
import os
import sys

PHASES = ("examples", "coverage", "fuzzing", "stateful")


def summarise(path):
    cases = collections.defaultdict(collections.Counter)
    statuses = collections.defaultdict(collections.Counter)
    seen = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            phase = finished.get("phase")
            recorder = finished.get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            for case_id, node in (recorder.get("cases") or {}).items():
                # A shrunk or re-run scenario may report a case twice; count it once.
                if case_id in seen:
                    continue
                seen.add(case_id)
                value = node.get("value") or {}
                # Outside the stateful phase a scenario tests one operation (its label), also
                # with the methods it does not allow; a stateful scenario calls several.
                op = recorder.get("label") if phase != "stateful" else None
                op = op or f"{value.get('method', '?')} {value.get('path', '?')}"
                cases[op][phase] += 1
                response = (interactions.get(case_id) or {}).get("response") or {}
                code = response.get("status_code")
                if code is not None:
                    statuses[op][f"{code // 100}xx"] += 1
    return cases, statuses


def excused(path):
    """The failures script/fuzz_hooks.py excused: per operation and reason, how many, and the
    violation codes behind them (code×count)."""
    if not os.path.exists(path):
        return
    groups = collections.defaultdict(collections.Counter)
    totals = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            key = (r["operation"], f"{r['check']} {r['status']}: {r['reason']}")
            totals[key] += 1
            groups[key].update(r["codes"])
    if not totals:
        return
    name = os.path.basename(path).split(".")[0]
    print(f"\npass '{name}': failures excused by script/fuzz_hooks.py")
    for key in sorted(totals):
        op, why = key
        codes = ", ".join(f"{c}×{n}" for c, n in groups[key].most_common())
        print(f"{totals[key]:>6}  {op} — {why} [{codes}]")


def main(paths):
    grand = 0
    for path in paths:
        if path.endswith(".jsonl"):
            excused(path)
            continue
        name = os.path.splitext(os.path.basename(path))[0]
        cases, statuses = summarise(path)
        if not cases:
            print(f"pass '{name}': no test cases recorded ({path})")
            continue
        width = max(len(op) for op in cases)
        head = f"{'operation':<{width}}  " + "  ".join(f"{p:>8}" for p in PHASES)
        head += f"  {'total':>6}  {'2xx':>5} {'4xx':>5} {'5xx':>5}"
        print(f"\npass '{name}': test cases per operation")
        print(head)
        print("-" * len(head))
        totals = collections.Counter()
        for op in sorted(cases, key=lambda o: (o.split(" ", 1)[1], o)):
            row = cases[op]
            total = sum(row.values())
            totals.update(row)
            s = statuses[op]
            print(
                f"{op:<{width}}  "
                + "  ".join(f"{row.get(p, 0):>8}" for p in PHASES)
                + f"  {total:>6}  {s.get('2xx', 0):>5} {s.get('4xx', 0):>5} {s.get('5xx', 0):>5}"
            )
        total = sum(totals.values())
        grand += total
        print("-" * len(head))
        print(
            f"{'all ' + str(len(cases)) + ' operations':<{width}}  "
            + "  ".join(f"{totals.get(p, 0):>8}" for p in PHASES)
            + f"  {total:>6}"
        )
    print(f"\ntest cases in all passes: {grand}")


if __name__ == "__main__":
    main(sys.argv[1:])
