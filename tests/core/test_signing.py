"""Signing a report: embedded findings, certification with DocMDP 2, PAdES B-B, appearance, atomic output."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from caseview.core.errors import Cancelled, SigningError
from caseview.core.progress import CancelToken
from caseview.core.signing import SignatureBox, countersign, embed_findings, sign_report
from tests.core import pdf_fixtures as F


def _reader(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(data))


def _sign(out: Path, pdf: bytes | None = None, **kw):
    args = dict(identity=F.reviewer(), findings=F.findings_bytes(),
                reviewer_box=F.REVIEWER_BOX, moderator_box=F.MODERATOR_BOX)
    args.update(kw)
    return sign_report(pdf if pdf is not None else F.report_pdf(), out, **args)


def _embedded_findings(reader):
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    pairs = [(str(names[i]), names[i + 1]) for i in range(0, len(names), 2)]
    return pairs


def test_sign_report_writes_a_certified_pades_signature(tmp_path: Path):
    out = tmp_path / "signed.pdf"
    result = _sign(out)
    data = out.read_bytes()
    assert result.path == out
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.signer_name == "Gwen Llŷr"
    assert result.fingerprint == F.reviewer().info.fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signed.pdf"]  # no temp file left

    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import read_certification_data
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.fields import enumerate_sig_fields

    r = _reader(data)
    fields = {name: (value, ref) for name, value, ref in enumerate_sig_fields(r)}
    assert set(fields) == {"Reviewer", "Moderator"}
    assert fields["Moderator"][0] is None  # empty, waiting for the countersignature
    cert = read_certification_data(r)
    assert cert is not None and cert.permission == MDPPerm.FILL_FORMS
    sig = cert.author_sig
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"

    emb = EmbeddedPdfSignature(r, fields["Reviewer"][1], "Reviewer")
    assert emb.md_algorithm == "sha256"
    attrs = {a["type"].native for a in emb.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attrs  # PAdES B-B
    assert "signing_time" not in attrs  # PAdES puts the claimed time in /M instead

    # both boxes on the last page, where the report reserved them
    for name, box in (("Reviewer", F.REVIEWER_BOX), ("Moderator", F.MODERATOR_BOX)):
        widget = fields[name][1].get_object()
        assert [float(x) for x in widget["/Rect"]] == [box.x1, box.y1, box.x2, box.y2]
        assert widget.raw_get("/P").reference == r.root["/Pages"]["/Kids"].raw_get(1).reference


def test_findings_are_embedded_exactly_as_data_attachment(tmp_path: Path):
    out = tmp_path / "signed.pdf"
    findings = F.findings_bytes()
    _sign(out, findings=findings)
    r = _reader(out.read_bytes())
    pairs = _embedded_findings(r)
    assert [name for name, _ in pairs] == ["findings.json"]
    spec = pairs[0][1]
    assert spec["/AFRelationship"] == "/Data"
    stream = spec["/EF"]["/F"]
    assert stream.data == findings
    assert stream["/Subtype"] == "/application/json"
    af = r.root["/AF"]
    assert len(af) == 1 and af[0]["/UF"] == "findings.json"


def test_embed_findings_for_a_draft_replaces_rather_than_duplicates():
    draft = embed_findings(F.report_pdf(), b'{"first": 1}')
    again = embed_findings(draft, b'{"second": 2}')
    r = _reader(again)
    pairs = _embedded_findings(r)
    assert [name for name, _ in pairs] == ["findings.json"]
    assert pairs[0][1]["/EF"]["/F"].data == b'{"second": 2}'
    assert len(r.root["/AF"]) == 1
    with pytest.raises(SigningError, match="not a PDF"):
        embed_findings(b"hello", b"{}")


def test_every_font_is_embedded(tmp_path: Path):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = tmp_path / "countersigned.pdf"
    out.write_bytes(F.countersigned_report_bytes())
    lines = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = lines[2:]  # after the header and the dashed rule
    assert len(rows) >= 3  # the report's font and one for each signature appearance
    for row in rows:
        # columns from the right: object ID (2), uni, sub, emb
        emb = row.split()[-5]
        assert emb == "yes", row
        assert "Courier" not in row and "Helvetica" not in row


def test_pdfsig_calls_the_signature_valid_and_total(tmp_path: Path):
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed; CI installs it")
    out = tmp_path / "signed.pdf"
    out.write_bytes(F.signed_report_bytes())
    text = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in text
    assert "Total document signed" in text and "Not total document signed" not in text
    assert "ETSI.CAdES.detached" in text
    assert "SHA-256" in text


def test_countersignature_fills_the_moderator_field(tmp_path: Path):
    data = F.countersigned_report_bytes()
    from pyhanko.sign.fields import enumerate_sig_fields

    r = _reader(data)
    filled = {name for name, value, _ in enumerate_sig_fields(r) if value is not None}
    assert filled == {"Reviewer", "Moderator"}
    assert r.xrefs.total_revisions == 3
    src = tmp_path / "twice.pdf"
    src.write_bytes(data)
    with pytest.raises(SigningError, match="already signed"):
        countersign(src, tmp_path / "thrice.pdf", identity=F.moderator())
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(F.report_pdf())
    with pytest.raises(SigningError, match="no signature field named 'Moderator'"):
        countersign(draft, tmp_path / "x.pdf", identity=F.moderator())
    assert not (tmp_path / "thrice.pdf").exists() and not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("which", ["expired", "future"])
def test_identity_outside_its_validity_is_refused(tmp_path: Path, which):
    identity = F.expired_identity() if which == "expired" else F.future_identity()
    out = tmp_path / "signed.pdf"
    with pytest.raises(SigningError, match="expired on|not valid until"):
        _sign(out, identity=identity)
    assert list(tmp_path.iterdir()) == []


def _unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if Path("/sys/kernel").is_dir():
        return Path("/sys/kernel")  # root can write anywhere on a normal file system, not in sysfs
    pytest.skip("no folder here is unwritable for root")


def test_unwritable_folder_is_a_clear_error(tmp_path: Path):
    folder = _unwritable_folder(tmp_path)
    before = set(os.listdir(folder))
    try:
        with pytest.raises(SigningError, match="cannot be written to"):
            _sign(folder / "signed.pdf")
        assert set(os.listdir(folder)) == before
    finally:
        if folder.parent == tmp_path:
            folder.chmod(0o755)
    with pytest.raises(SigningError, match="does not exist"):
        _sign(tmp_path / "missing" / "signed.pdf")


def test_cancel_leaves_no_file(tmp_path: Path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        _sign(tmp_path / "signed.pdf", cancel=token)
    assert list(tmp_path.iterdir()) == []

    # cancelled at the last moment, with the temp file already written
    def progress(step):
        if step.label == "Saving":
            raise Cancelled()

    with pytest.raises(Cancelled):
        _sign(tmp_path / "signed.pdf", progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_refused(tmp_path: Path):
    with pytest.raises(SigningError, match="not a PDF"):
        _sign(tmp_path / "a.pdf", pdf=b"not a pdf at all")
    with pytest.raises(SigningError, match="has 2 pages"):
        _sign(tmp_path / "b.pdf", reviewer_box=SignatureBox(5, 10, 10, 100, 60))
    with pytest.raises(SigningError, match="no area"):
        _sign(tmp_path / "c.pdf", reviewer_box=SignatureBox(-1, 100, 10, 100, 60))
    with pytest.raises(SigningError, match="cannot be called"):
        _sign(tmp_path / "d.pdf", reviewer_field="Moderator")
    with pytest.raises(SigningError, match="already has signature fields"):
        _sign(tmp_path / "e.pdf", pdf=F.signed_report_bytes())
    assert list(tmp_path.iterdir()) == []
