"""``caseview timeliness`` on the demo case: the late initial conference, in words and as JSON."""

from __future__ import annotations

import json

from caseview.paths import resource
from tests.core.test_cli import assert_refused, cv


def test_timeliness_of_the_demo_case(tmp_path):
    ws = tmp_path / "ws"
    case = cv("import", resource("demo", "demo-case.cvb"), ws=ws).stdout.strip().splitlines()[-1]
    proc = cv("timeliness", case, ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert "icpc-after-strategy: from E03, due 4 February 2026, actual 6 February 2026: MISSED" in proc.stdout
    data = json.loads(cv("timeliness", case, "--json", ws=ws).stdout)
    assert data["rule_set"] == {"id": "england-2023", "version": "1.0"} and data["as_of"] == "2026-10-19"
    missed = [r for r in data["results"] if r["status"] == "missed"]
    assert [(r["rule"], r["due"], r["actual"]) for r in missed] == [("icpc-after-strategy", "2026-02-04", "2026-02-06")]
    bad = tmp_path / "rules.json"
    bad.write_text('{"id": "x"}', encoding="utf-8")
    assert_refused(cv("timeliness", case, "--rules", bad, ws=ws), "rules.json")
