"""The moderator's journey from the command line on the demo case: start, import verdicts, finish, verify both files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from caseview.paths import resource
from tests.core.moderation_fixtures import verdicts, write_json
from tests.core.test_cli import assert_refused, cv

PASSPHRASE = "correct horse battery staple"
needs_poppler = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    root = tmp_path_factory.mktemp("moderate")
    ws = root / "ws"
    pp = root / "pp.txt"
    pp.write_text(PASSPHRASE + "\n", encoding="utf-8")
    case_id = cv("import", resource("demo", "demo-case.cvb"), ws=ws).stdout.strip().splitlines()[-1]
    assert cv("findings", "import", case_id, resource("demo", "demo-findings.json"), ws=ws).returncode == 0
    ids = {}
    for who, name in (("reviewer", "Rhiannon Reviewer"), ("moderator", "Marek Żółkiewski")):
        p12 = root / f"{who}.p12"
        made = cv("identity", "create", "--name", name, "--organisation", "Panel", "--email", f"{who}@example.org",
                  "-o", p12, "--passphrase-file", pp, ws=ws)
        assert made.returncode == 0, made.stderr
        ids[who] = p12
    report = root / "R.pdf"
    assert cv("report", case_id, "-o", report, "--identity", ids["reviewer"], "--passphrase-file", pp,
              ws=ws).returncode == 0
    started = cv("moderate", "start", case_id, report, ws=ws)
    assert started.returncode == 0, started.stderr
    assert "not trusted" in started.stderr  # an untrusted reviewer is allowed, and said
    mid = started.stdout.strip().splitlines()[-1]
    exported = root / "moderation.json"
    assert cv("moderate", "export", mid, "-o", exported, ws=ws).returncode == 0
    data = verdicts(json.loads(exported.read_text(encoding="utf-8")),
                    K3={"verdict": "disagree", "moderated_judgement": 1,
                        "comment": "The plan was not reviewed when the risk changed: inadequate.",
                        "evidence": [{"document_id": "DOC03", "page": 2}]},
                    K2={"verdict": "agree-with-changes", "comment": "The grade stands; name the missed visit."})
    data["case"].update(overall="endorsed-with-changes", comment="K3 regraded; otherwise sound.")
    edited = write_json(root / "verdicts.json", data)
    record, counter = root / "record.pdf", root / "R-moderated.pdf"
    args = ("moderate", "finish", mid, "-o", record, "--countersigned", counter, "--identity", ids["moderator"],
            "--passphrase-file", pp)
    assert_refused(cv(*args, ws=ws), "not complete", "no verdict yet")
    assert not record.exists() and not counter.exists()
    imported = cv("moderate", "import", mid, edited, ws=ws)
    assert imported.returncode == 0 and "complete" in imported.stdout, imported.stderr
    finished = cv(*args, "--json", ws=ws)
    assert finished.returncode == 0, finished.stderr
    return {"root": root, "ws": ws, "case": case_id, "mid": mid, "report": report, "record": record,
            "counter": counter, "finished": json.loads(finished.stdout), "pem": {k: v.with_suffix(".pem")
                                                                                  for k, v in ids.items()}}


def test_list_shows_the_moderation(journey):
    proc = cv("moderate", "list", ws=journey["ws"])
    assert proc.returncode == 0 and journey["mid"] in proc.stdout and "countersigned" in proc.stdout
    rows = json.loads(cv("moderate", "list", "--json", ws=journey["ws"]).stdout)
    assert rows[0]["moderation_id"] == journey["mid"] and rows[0]["status"] == "finished"
    assert rows[0]["overall"] == "endorsed-with-changes" and rows[0]["missing"] == 0


def test_finish_reason_and_refusals(journey):
    reason = journey["finished"]["reason"]
    assert reason == (f"Moderated: endorsed with changes; 7 of 8 items agreed. Moderation record SHA-256 "
                      f"{journey['finished']['moderation_sha256']}")
    assert_refused(cv("moderate", "import", journey["mid"], journey["root"] / "verdicts.json", ws=journey["ws"]),
                   "read-only")
    assert_refused(cv("moderate", "export", "Mnothere", "-o", journey["root"] / "x.json", ws=journey["ws"]),
                   "no moderation")
    assert_refused(cv("moderate", "start", journey["case"], journey["counter"], ws=journey["ws"]),
                   "already countersigned")


def test_verify_the_countersigned_report(journey):
    ws, pem = journey["ws"], journey["pem"]
    proc = cv("verify", journey["counter"], "--trust", pem["reviewer"], "--trust", pem["moderator"], ws=ws)
    assert proc.returncode == 0, proc.stdout
    assert "The only change after the reviewer's signature is the moderator's countersignature." in proc.stdout
    assert f"Moderator's reason: {journey['finished']['reason']}" in proc.stdout
    doc = json.loads(cv("verify", journey["counter"], "--trust", pem["reviewer"], "--trust", pem["moderator"],
                        "--json", ws=ws).stdout)
    assert doc["ok"] and [s["role"] for s in doc["signatures"]] == ["reviewer", "moderator"]
    assert doc["signatures"][1]["covers_whole_file"] and doc["signatures"][0]["later_revisions"] == [3]
    assert doc["reviewer_revision_sha256"] == hashlib.sha256(journey["report"].read_bytes()).hexdigest()
    assert "moderation" not in doc


def test_verify_with_the_record_checks_the_link(journey):
    ws, pem = journey["ws"], journey["pem"]
    trust = ("--trust", pem["reviewer"], "--trust", pem["moderator"])
    proc = cv("verify", journey["counter"], "--moderation", journey["record"], *trust, "--json", ws=ws)
    assert proc.returncode == 0, proc.stdout
    m = json.loads(proc.stdout)["moderation"]
    assert m["record_valid"] and m["linked"] and m["overall"] == "endorsed-with-changes"
    assert m["agreement"] == {"items": 8, "agree": 6, "agree_with_changes": 1, "disagree": 1, "graded": 8,
                              "exact": 0.875}
    text = cv("verify", journey["counter"], "--moderation", journey["record"], *trust, ws=ws).stdout
    assert "Linked both ways:     yes" in text
    # the record on its own names what it moderates
    rec = cv("verify", journey["record"], *trust, ws=ws)
    assert rec.returncode == 0, rec.stdout
    assert "NS-2026-0147" in rec.stdout and "Rhiannon Reviewer" in rec.stdout
    assert hashlib.sha256(journey["report"].read_bytes()).hexdigest() in rec.stdout
    # the report the reviewer signed is not linked to this record: it has no countersignature
    bad = cv("verify", journey["report"], "--moderation", journey["record"], *trust, ws=ws)
    assert bad.returncode == 1 and "has no moderator's countersignature" in bad.stdout


def test_trust_list_by_role(journey, tmp_path):
    ws = tmp_path / "verifier"
    pem = journey["pem"]
    assert cv("trust", "add", pem["reviewer"], "--role", "reviewer", ws=ws).returncode == 0
    proc = cv("verify", journey["counter"], ws=ws)
    assert proc.returncode == 1 and "Moderator not trusted" in proc.stdout and "Reviewer not trusted" not in proc.stdout
    assert cv("trust", "add", pem["moderator"], "--role", "reviewer", ws=ws).returncode == 0
    assert "not as a moderator" in cv("verify", journey["counter"], ws=ws).stdout
    assert cv("trust", "add", pem["moderator"], "--role", "moderator", ws=ws).returncode == 0
    proc = cv("verify", journey["counter"], "--moderation", journey["record"], ws=ws)
    assert proc.returncode == 0, proc.stdout


@needs_poppler
def test_pdfsig_two_valid_signatures_the_second_covering_the_whole_file(journey):
    out = subprocess.run(["pdfsig", str(journey["counter"])], capture_output=True, text=True).stdout
    blocks = {b.split("\n", 2)[1].split(": ", 1)[1]: b for b in out.split("Signature #")[1:]}
    assert set(blocks) == {"Reviewer", "Moderator"}
    assert all("Signature is Valid." in b for b in blocks.values())
    assert "Total document signed" in blocks["Moderator"] and "Not total document signed" in blocks["Reviewer"]
    rec = subprocess.run(["pdfsig", str(journey["record"])], capture_output=True, text=True).stdout
    assert "Signature is Valid." in rec and "Total document signed" in rec


def test_pyhanko_validates_the_reviewers_signature_on_the_countersigned_file(journey):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with open(journey["counter"], "rb") as fh:
        reader = PdfFileReader(fh)
        reviewer = next(s for s in reader.embedded_signatures if s.field_name == "Reviewer")
        status = validate_pdf_signature(reviewer, ValidationContext(trust_roots=[], allow_fetching=False))
        assert status.intact and status.valid
        assert status.docmdp_ok
        assert status.modification_level <= ModificationLevel.FORM_FILLING
        moderator = next(s for s in reader.embedded_signatures if s.field_name == "Moderator")
        assert validate_pdf_signature(moderator, ValidationContext(trust_roots=[], allow_fetching=False)).intact


def test_record_pdf_has_fonts_embedded_and_the_table(journey):
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils is not installed")
    fonts = subprocess.run(["pdffonts", str(journey["record"])], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts
    text = subprocess.run(["pdftotext", str(journey["record"]), "-"], capture_output=True, text=True).stdout
    for words in ("Moderation record", "NS-2026-0147", "Disagree", "Inadequate", "AGREED WITH CHANGES",
                  "EXACT AGREEMENT", "87.5%", "Marek Żółkiewski", "Page 1 of"):
        assert words in text, words
    info = subprocess.run(["pdfinfo", str(journey["record"])], capture_output=True, text=True).stdout
    assert "Moderation record — NS-2026-0147" in info
