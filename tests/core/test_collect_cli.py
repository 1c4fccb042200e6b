"""``caseview collect`` on the command line: counts and reasons, --json, --csv, --trust, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.core import collect_fixtures as C
from tests.core.test_cli import assert_refused, cv


def _certs(tmp_path: Path) -> list[str]:
    out = []
    for name, der in zip(("reviewer.der", "moderator.der"), C.trust().any_role):
        (tmp_path / name).write_bytes(der)
        out += ["--trust", str(tmp_path / name)]
    return out


def test_collect_command(tmp_path: Path):
    C.write_collection(tmp_path / "in")
    ws, db = tmp_path / "ws", tmp_path / "evidence.sqlite"
    proc = cv("collect", tmp_path / "in", "-o", db, *_certs(tmp_path), "--csv", tmp_path / "csv", ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert "13 files in the evidence base, 13 new in this run." in proc.stdout
    assert "5 accepted; 1 untrusted; 2 rejected; 1 superseded; 2 duplicate; 2 not-a-report" in proc.stdout
    assert "notes.pdf: not-a-report. Not a PDF file." in proc.stdout
    assert "one-byte.pdf: rejected. The signature by Gwen Llŷr" in proc.stdout
    with open(tmp_path / "csv" / "v_payments_by_provider.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["provider"], r["claimed_pence"]) for r in rows] == [("Brightpath Ltd", "650100"),
                                                                   ("Second Chance CIC", "50100")]
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 15
    summary = tmp_path / "summary.pdf"
    proc = cv("collect", tmp_path / "in", "-o", db, "--json", "--summary", summary, *_certs(tmp_path), ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert summary.read_bytes().startswith(b"%PDF-")
    assert json.loads(proc.stdout) == {
        "evidence_base": str(db), "summary": str(summary), "new_files": 0,
        "counts": {"accepted": 5, "untrusted": 1, "rejected": 2, "superseded": 1, "duplicate": 2, "not-a-report": 2}}


def test_collect_refuses_with_one_sentence(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    report = C.signed_report(tmp_path / "r.pdf", bundle_id="urn:uuid:z", reference="NS-Z")
    assert_refused(cv("collect", report, "-o", notes, ws=tmp_path / "ws"), "not a CaseView evidence base")
    assert notes.read_text(encoding="utf-8") == "not a database\n"
    assert_refused(cv("collect", tmp_path / "missing", "-o", tmp_path / "e.sqlite", ws=tmp_path / "ws"),
                   "does not exist")
    assert cv("collect", report, ws=tmp_path / "ws").returncode == 2  # -o is required
