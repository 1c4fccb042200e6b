"""The demo case: rebuilt deterministically from its sources, and its finished review completes it."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from caseview.core.bundle import check_bundle
from caseview.core.findings import import_findings
from caseview.core.importer import import_bundle
from caseview.core.review import load_context, missing, read_state
from caseview.paths import resource


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_rebuilds_to_identical_bytes(tmp_path):
    script = resource("demo", "build_demo.py")
    outputs = []
    for run in ("a", "b"):
        out, findings = tmp_path / f"{run}.cvb", tmp_path / f"{run}.json"
        subprocess.run([sys.executable, str(script), "--out", str(out), "--findings", str(findings)], check=True,
                       capture_output=True)
        outputs.append((_sha(out), _sha(findings)))
    assert outputs[0] == outputs[1]


def test_shipped_demo_matches_the_outline_and_its_review_completes_it(ws):
    checked = check_bundle(resource("demo", "demo-case.cvb"))
    m = checked.manifest
    assert m.framework == "outcome-verification" and len(m.documents) >= 12 and len(m.chronology) >= 15
    kinds = [i.kind for i in m.items]
    assert kinds.count("decision") >= 5 and kinds.count("outcome") >= 3
    assert {"application/pdf", "text/plain", "image/png"} <= {d.media_type for d in m.documents}
    assert all(e.type for e in m.chronology)
    case_id = import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
    assert all(d.readable for d in ws.documents(case_id))
    import_findings(ws, case_id, resource("demo", "demo-findings.json"))
    assert missing(load_context(ws, case_id), read_state(ws, case_id)) == []
