"""Bundle format 1.1 from the spec alone: claims with exact money, a per-outcome payment review, signed.

The bundle is written here with ``zipfile`` and ``hashlib`` only (never CaseView's builder),
reviewed with ``outcome-verification`` 1.1 through the command line, signed, and read
back with pdftotext as a commissioner's clerk would.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile import tiny_pdf  # noqa: E402

from caseview.core.bundle import check_bundle  # noqa: E402
from caseview.core.errors import BundleError  # noqa: E402
from caseview.core.payments import compute_payments  # noqa: E402
from tests.core.test_cli import assert_refused, cv  # noqa: E402

PASSPHRASE = "a long enough passphrase for tests"
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")

REFERRAL = tiny_pdf("Referral from the school about attendance.")
ATTENDANCE = tiny_pdf("Spring term attendance 86.4 per cent. Summer term attendance 95.1 per cent.")

MANIFEST = {
    "format": "caseview-bundle", "format_version": "1.1",
    "bundle_id": "urn:uuid:5d0c2f0e-1b7a-4f7e-9d55-11aa22bb33cc",
    "created": "2026-10-16T09:00:00+01:00",
    "issuer": {"organisation": "Eastmoor Council Commissioning", "department": "Children's commissioning"},
    "case": {"reference": "EM-2026-0412", "subject": "Family E", "period": {"start": "2026-01-05", "end": "2026-10-09"},
             "protective_marking": "OFFICIAL-SENSITIVE PERSONAL"},
    "anonymisation": {"statement": "Names replaced by roles; dates kept, so the bundle is pseudonymised."},
    "review": {"framework": "outcome-verification", "framework_version": "1.1", "due": "2026-11-27",
               "terms_of_reference": "Verify the three outcomes Brightpath claims under schedule 2 and recommend "
                                     "payment for each."},
    "sections": [{"id": "A", "title": "Records"}],
    "documents": [
        {"id": "D1", "path": "docs/referral.pdf", "media_type": "application/pdf", "title": "School referral",
         "date": "2026-01-06"},
        {"id": "D2", "path": "docs/attendance.pdf", "media_type": "application/pdf",
         "title": "School attendance record", "date": "2026-07-20"},
    ],
    "chronology": [{"id": "E1", "date": "2026-01-06", "title": "Referral", "type": "referral", "subject": "Child E"}],
    "items": [
        {"id": "O1", "kind": "outcome", "title": "Attendance above 90% for a term", "measure": "Schedule 2, measure 1",
         "documents": ["D2"],
         "claim": {"reference": "BP-2026-118", "provider": "Brightpath Families", "contract": "EM/CS/2025/07",
                   "amount": "750.00", "currency": "GBP", "window": {"start": "2026-01-05", "end": "2026-07-22"}}},
        {"id": "O2", "kind": "outcome", "title": "Parenting programme completed", "measure": "Schedule 2, measure 3",
         "claim": {"reference": "BP-2026-119", "provider": "Brightpath Families", "contract": "EM/CS/2025/07",
                   "amount": "1000.00", "currency": "GBP", "window": {"start": "2026-02-01", "end": "2026-09-30"}}},
        {"id": "O3", "kind": "outcome", "title": "No re-referral for six months", "measure": "Schedule 2, measure 5",
         "claim": {"reference": "BP-2026-120", "provider": "Brightpath Families", "contract": "EM/CS/2025/07",
                   "amount": "1500.00", "currency": "GBP", "window": {"start": "2026-10-01", "end": "2027-03-31"}}},
        {"id": "K1", "kind": "decision", "title": "Step down to early help", "date": "2026-09-30"},
    ],
}
FILES = {"docs/referral.pdf": REFERRAL, "docs/attendance.pdf": ATTENDANCE}


def write_bundle(path: Path, manifest: dict, files: dict[str, bytes] = FILES) -> Path:
    manifest = copy.deepcopy(manifest)
    for doc in manifest["documents"]:
        data = files[doc["path"]]
        doc.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest, indent=1).encode("utf-8"))
    return path


def _outcome(payment, threshold="Met", recheck=None, quality="Independent and sufficient"):
    answers = {"threshold": threshold, "evidence_quality": quality, "attributable": "Partly", "sustained": "Yes",
               "payment": payment, "rationale": f"{payment}: the record supports it.",
               "concern": {"raised": False, "note": ""}}
    if recheck:
        answers["recheck"] = recheck
    return answers


def findings_for(fingerprint: str, *, defer_date: str | None = "2027-04-02") -> dict:
    cite = [{"document_id": "D2", "page": 1, "page_ref": "A2", "exact": "Summer term attendance 95.1 per cent."}]
    return {
        "format": "caseview-findings", "format_version": "1.0",
        "bundle": {"bundle_id": MANIFEST["bundle_id"], "fingerprint": fingerprint, "case_reference": "EM-2026-0412"},
        "framework": {"id": "outcome-verification", "version": "1.1"},
        "reviewer": {"name": "Test Reviewer", "organisation": "Independent Review", "certificate_sha256": None},
        "started": None, "completed": None,
        "items": [
            {"item_id": "O1", "answers": _outcome("Pay"), "evidence": cite},
            {"item_id": "O2", "answers": _outcome("Withhold", "Not met", quality="Provider's own record only"),
             "evidence": cite},
            {"item_id": "O3", "answers": _outcome("Defer", "Not yet due", defer_date), "evidence": cite},
            {"item_id": "K1", "answers": {"timely": "Yes", "child_voice": "Partly", "oversight": "Yes", "judgement": 3,
                                          "rationale": "Step-down was planned with the family.",
                                          "escalate": {"raised": False, "note": ""}}, "evidence": cite},
        ],
        "case": {"answers": {
            "payment_summary": "Attendance is evidenced by the school; the programme only by the provider's own "
                               "certificate; re-referral cannot be judged until the window ends.",
            "limitations": "No access to the provider's attendance registers for the programme.",
            "declaration": "I am independent of the provider and the council's decisions on this case and have "
                           "no conflict of interest"}},
        "annotations": [{"id": "a1", "document_id": "D2", "page": 1, "exact": "Spring term attendance 86.4 per cent.",
                         "note": "Spring term below the 90% threshold.", "created": "2026-11-02T10:00:00Z"}],
    }


def test_a_1_1_bundle_from_the_spec_alone_is_read(tmp_path):
    checked = check_bundle(write_bundle(tmp_path / "b.cvb", MANIFEST))
    m = checked.manifest
    assert m.minor == 1 and m.case.period.end.isoformat() == "2026-10-09"
    assert m.case.protective_marking == "OFFICIAL-SENSITIVE PERSONAL"
    assert m.terms_of_reference.startswith("Verify the three outcomes")
    assert m.chronology[0].subject == "Child E"
    claim = m.item("O2").claim
    assert claim.amount == Decimal("1000.00") and isinstance(claim.amount, Decimal) and claim.currency == "GBP"
    assert claim.window.start.isoformat() == "2026-02-01" and m.item("K1").claim is None


@pytest.mark.parametrize("mutate, path, words", [
    (lambda m: m["items"][0]["claim"].update(amount=750.0), "items[0].claim.amount", "two decimal places"),
    (lambda m: m["items"][0]["claim"].update(amount=750), "items[0].claim.amount", "never a number"),
    (lambda m: m["items"][0]["claim"].update(amount="750"), "items[0].claim.amount", "two decimal places"),
    (lambda m: m["items"][0]["claim"].update(amount="750.5"), "items[0].claim.amount", "two decimal places"),
    (lambda m: m["items"][0]["claim"].update(amount="1e3"), "items[0].claim.amount", "two decimal places"),
    (lambda m: m["items"][0]["claim"].update(amount="-5.00"), "items[0].claim.amount", "two decimal places"),
    (lambda m: m["items"][1]["claim"].update(currency="GPB"), "items[1].claim.currency", "ISO 4217"),
    (lambda m: m["items"][1]["claim"].update(currency="gbp"), "items[1].claim.currency", "ISO 4217"),
    (lambda m: m["items"][2]["claim"]["window"].update(end="2026-09-30"), "items[2].claim.window", "before it starts"),
    (lambda m: m["items"][2]["claim"]["window"].update(end="2027-02-30"), "items[2].claim.window.end", "real calendar"),
    (lambda m: m["case"]["period"].update(start="2026-11-01"), "case.period", "before it starts"),
    (lambda m: m["case"]["period"].pop("end"), "case.period.end", "missing"),
    (lambda m: m["items"][0]["claim"].pop("reference"), "items[0].claim.reference", "missing"),
    (lambda m: m["items"][3].update(claim=m["items"][0]["claim"]), "items[3].claim", "only for items of kind"),
    (lambda m: m["items"][1]["claim"].update(reference="BP-2026-118"), "items[1].claim.reference", "repeats"),
    (lambda m: m["case"].update(protective_marking=""), "case.protective_marking", "empty"),
])
def test_hostile_1_1_values_are_refused_naming_the_json_path(tmp_path, mutate, path, words):
    manifest = copy.deepcopy(MANIFEST)
    mutate(manifest)
    with pytest.raises(BundleError) as caught:
        check_bundle(write_bundle(tmp_path / "b.cvb", manifest))
    message = str(caught.value)
    assert f"at {path} " in message and words in message, message


def test_a_1_0_bundle_ignores_1_1_keys_as_1_0_says(tmp_path):
    manifest = copy.deepcopy(MANIFEST)
    manifest["format_version"] = "1.0"
    manifest["review"].pop("framework_version")
    manifest["items"][0]["claim"]["amount"] = 750.0  # an unknown key to a 1.0 reader: ignored, not refused
    m = check_bundle(write_bundle(tmp_path / "b.cvb", manifest)).manifest
    assert m.item("O1").claim is None and m.case.period is None


def test_payments_to_the_penny():
    payments = compute_payments(MANIFEST, findings_for("x"))
    (t,) = payments.totals
    assert (t.claimed, t.to_pay, t.withheld, t.deferred, t.undecided) == (
        Decimal("3250.00"), Decimal("750.00"), Decimal("1000.00"), Decimal("1500.00"), Decimal("0.00"))
    assert payments.headline() == ("Recommend paying £750.00 of £3,250.00 claimed; £1,000.00 withheld; "
                                   "£1,500.00 deferred to 2 April 2027.")
    undecided = findings_for("x")
    undecided["items"][0]["answers"].pop("payment")
    assert "£750.00 not yet recommended" in compute_payments(MANIFEST, undecided).headline()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    root = tmp_path_factory.mktemp("v11")
    ws, pp = root / "ws", root / "pp.txt"
    pp.write_text(PASSPHRASE + "\n", encoding="utf-8")
    bundle = write_bundle(root / "em.cvb", MANIFEST)
    fingerprint = hashlib.sha256(zipfile.ZipFile(bundle).read("manifest.json")).hexdigest()
    proc = cv("import", bundle, ws=ws)
    assert proc.returncode == 0, proc.stderr
    case_id = proc.stdout.strip().splitlines()[-1]
    p12 = root / "reviewer.p12"
    assert cv("identity", "create", "--name", "Test Reviewer", "--organisation", "Independent Review", "--email", "reviewer@example.org",
              "--registration", "Social Work England SW123456", "-o", p12, "--passphrase-file", pp, ws=ws).returncode == 0
    return dict(root=root, ws=ws, pp=pp, case=case_id, p12=p12, fingerprint=fingerprint)


def _import(reviewed, findings: dict, name: str):
    path = reviewed["root"] / name
    path.write_text(json.dumps(findings), encoding="utf-8")
    return cv("findings", "import", reviewed["case"], path, ws=reviewed["ws"])


def test_a_defer_without_a_recheck_date_cannot_be_signed(reviewed):
    proc = _import(reviewed, findings_for(reviewed["fingerprint"], defer_date=None), "no-date.json")
    assert proc.returncode == 0, proc.stderr
    out = reviewed["root"] / "early.pdf"
    proc = cv("report", reviewed["case"], "-o", out, "--identity", reviewed["p12"], "--passphrase-file",
              reviewed["pp"], ws=reviewed["ws"])
    assert_refused(proc, "not complete")
    assert "recheck" in proc.stderr and not out.exists()


def test_1_0_findings_are_refused_for_a_1_1_review_with_a_sentence(reviewed):
    old = findings_for(reviewed["fingerprint"])
    old["framework"]["version"] = "1.0"
    assert_refused(_import(reviewed, old, "old.json"), "framework.version", "1.1")


@needs_pdftotext
def test_the_signed_report_states_the_money_per_outcome(reviewed):
    assert _import(reviewed, findings_for(reviewed["fingerprint"]), "done.json").returncode == 0
    out = reviewed["root"] / "report.pdf"
    proc = cv("report", reviewed["case"], "-o", out, "--identity", reviewed["p12"], "--passphrase-file",
              reviewed["pp"], ws=reviewed["ws"])
    assert proc.returncode == 0, proc.stderr
    pem = reviewed["p12"].with_suffix(".pem")
    assert cv("verify", out, "--trust", pem, ws=reviewed["ws"]).returncode == 0
    pages = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    flat = re.sub(r"\s+", " ", "\n".join(pages))
    assert all(p.count("OFFICIAL-SENSITIVE PERSONAL") >= 2 for p in pages)
    assert "Recommend paying £750.00 of £3,250.00 claimed; £1,000.00 withheld; £1,500.00 deferred to 2 April 2027." \
        in flat
    rows = {ref: re.sub(r"\s+", " ", line) for line in "\n".join(pages).splitlines()
            for ref in ("BP-2026-118", "BP-2026-119", "BP-2026-120") if ref in line}
    assert "£750.00" in rows["BP-2026-118"] and "Pay" in rows["BP-2026-118"]
    assert "£1,000.00" in rows["BP-2026-119"] and "Withhold" in rows["BP-2026-119"]
    assert "£1,500.00" in rows["BP-2026-120"] and "Defer to 2 April" in rows["BP-2026-120"]
    for words in ("Total claimed £3,250.00", "Recommended to pay £750.00", "Withheld £1,000.00", "Deferred £1,500.00",
                  "Verify the three outcomes Brightpath claims", "No access to the provider's attendance registers",
                  "Spring term below the 90% threshold.", "I am independent of the provider"):
        assert words.lower() in flat.lower(), words
    assert "Partial" not in flat
    assert "Payment: Defer to 2 April 2027" in flat  # the items table says when, not a bare "Defer"
    assert "Professional registration: Social Work England SW123456" in re.sub(r"\s+", " ", pages[-1])
    assert re.search(r"Reviewed and signed by .* \d{1,2} \w+ 20\d\d, \d\d:\d\d (GMT|BST)", flat)
