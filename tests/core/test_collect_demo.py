"""The demo's signed report, collected: the signed findings carry the bundle's items and claims, totals to the penny."""

from __future__ import annotations

import json
import sqlite3

from caseview.core.bundle_context import bundle_context
from caseview.core.collect import collect
from caseview.core.finalise import produce_report
from caseview.core.findings import import_findings
from caseview.core.manifest import parse_stored_manifest
from caseview.core.money import pence
from caseview.core.payments import compute_payments
from caseview.core.store import Workspace
from caseview.core.trust import TrustRoles
from caseview.core.verify import verify_report
from caseview.paths import resource
from tests.core import pdf_fixtures as F
from tests.factory import import_demo


def test_the_demo_report_is_collected_with_its_money(tmp_path):
    root = tmp_path / "ws"
    case_id = import_demo(root)
    out = tmp_path / "demo-report.pdf"
    with Workspace(root, backup=False) as ws:
        import_findings(ws, case_id, resource("demo", "demo-findings.json"))
        produce_report(ws, case_id, out, identity=F.reviewer())
        manifest = parse_stored_manifest(ws.manifest_bytes(case_id)).raw
    v = verify_report(out, trusted=[F.reviewer().certificate_der])
    assert v.ok, v.reasons
    assert v.findings["bundle_context"] == json.loads(json.dumps(bundle_context(manifest)))
    assert v.findings["bundle_context"]["issuer"] == manifest["issuer"]["organisation"]

    result = collect([out], tmp_path / "e.sqlite", trust=TrustRoles(any_role=(F.reviewer().certificate_der,)))
    assert result.counts["accepted"] == 1
    (t,) = compute_payments(manifest, v.findings).totals
    conn = sqlite3.connect(tmp_path / "e.sqlite")
    row = conn.execute("SELECT claimed_pence, recommended_pence, withheld_pence, deferred_pence, case_reference, "
                       "counted FROM reports").fetchone()
    assert row == (pence(t.claimed), pence(t.to_pay), pence(t.withheld), pence(t.deferred), "NS-2026-0147", 1)
    assert row[0] > 0
    kinds = dict(conn.execute("SELECT kind, count(*) FROM items GROUP BY kind").fetchall())
    assert kinds == {"decision": 5, "outcome": 3}
    assert conn.execute("SELECT count(*) FROM items WHERE title IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM timeliness WHERE status = 'missed'").fetchone()[0] == 1
