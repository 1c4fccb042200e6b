"""The reviewer's product end to end on the demo case: findings → report → signature → verification."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from caseview.paths import resource
from tests.core.test_cli import assert_refused, cv

PASSPHRASE = "correct horse battery staple"
needs_poppler = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    ws = root / "ws"
    pp = root / "pp.txt"
    pp.write_text(PASSPHRASE + "\n", encoding="utf-8")
    case_id = cv("import", resource("demo", "demo-case.cvb"), ws=ws).stdout.strip().splitlines()[-1]
    p12 = root / "reviewer.p12"
    made = cv("identity", "create", "--name", "Reviewer Ŵyn Żaneta Łukasz", "--organisation", "Adolygu Cymru",
              "--email", "reviewer@example.org", "-o", p12, "--passphrase-file", pp, ws=ws)
    assert made.returncode == 0, made.stderr
    incomplete = cv("report", case_id, "-o", root / "early.pdf", "--identity", p12, "--passphrase-file", pp, ws=ws)
    assert_refused(incomplete, "not complete")
    assert not (root / "early.pdf").exists()
    assert cv("findings", "import", case_id, resource("demo", "demo-findings.json"), ws=ws).returncode == 0
    wrong = root / "wrong.txt"
    wrong.write_text("not the passphrase\n", encoding="utf-8")
    assert_refused(cv("report", case_id, "-o", root / "x.pdf", "--identity", p12, "--passphrase-file", wrong, ws=ws),
                   "passphrase")
    assert_refused(cv("report", case_id, "-o", root / "nowhere" / "x.pdf", "--identity", p12, "--passphrase-file", pp,
                      ws=ws), "nowhere")
    out = root / "report.pdf"
    proc = cv("report", case_id, "-o", out, "--identity", p12, "--passphrase-file", pp, ws=ws)
    assert proc.returncode == 0, proc.stderr
    return {"root": root, "ws": ws, "case": case_id, "pdf": out, "pem": p12.with_suffix(".pem"), "pp": pp}


def test_verify_untrusted_then_trusted(signed):
    proc = cv("verify", signed["pdf"], ws=signed["ws"])
    assert proc.returncode == 1 and "untrusted" in proc.stdout
    proc = cv("verify", signed["pdf"], "--trust", signed["pem"], "--json", ws=signed["ws"])
    assert proc.returncode == 0, proc.stdout
    data = json.loads(proc.stdout)
    assert data["verdict"] == "valid" and data["findings_match"] is True


def test_signed_case_is_read_only_and_cannot_be_signed_twice(signed):
    proc = cv("findings", "import", signed["case"], resource("demo", "demo-findings.json"), ws=signed["ws"])
    assert_refused(proc, "read-only")
    cases = json.loads(cv("cases", "--json", ws=signed["ws"]).stdout)
    assert cases[0]["status"] == "signed"


def test_embedded_findings_equal_the_export(signed, tmp_path):
    if shutil.which("pdfdetach") is None:
        pytest.skip("poppler-utils is not installed")
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(signed["pdf"])], check=True)
    embedded = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    exported = tmp_path / "export.json"
    assert cv("findings", "export", signed["case"], "-o", exported, ws=signed["ws"]).returncode == 0
    exported = json.loads(exported.read_text(encoding="utf-8"))
    for key in ("bundle", "framework", "items", "case", "annotations", "reviewer", "completed"):
        assert embedded[key] == exported[key], key


@needs_poppler
def test_poppler_agrees(signed):
    sig = subprocess.run(["pdfsig", str(signed["pdf"])], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig and "Total document signed" in sig and "ETSI.CAdES.detached" in sig
    fonts = subprocess.run(["pdffonts", str(signed["pdf"])], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts
    text = subprocess.run(["pdftotext", str(signed["pdf"]), "-"], capture_output=True, text=True).stdout
    assert "Reviewer Ŵyn Żaneta Łukasz" in text and "Adolygu Cymru" in text


def test_unsigned_draft(signed, tmp_path):
    out = tmp_path / "draft.pdf"
    ws = tmp_path / "ws"
    case_id = cv("import", resource("demo", "demo-case.cvb"), ws=ws).stdout.strip().splitlines()[-1]
    proc = cv("report", case_id, "-o", out, "--unsigned", ws=ws)
    assert proc.returncode == 0 and "not complete" in proc.stderr
    import pypdfium2

    pdf = pypdfium2.PdfDocument(out)
    # The mark is drawn diagonally, so compare the page text with white space removed.
    assert all("DRAFT—notsigned" in "".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf)))
    pdf.close()
    assert cv("verify", out, ws=ws).returncode == 1
