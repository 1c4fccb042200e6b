"""Test material for signing: a small report-like PDF, matching findings, identities and tampering helpers."""

from __future__ import annotations

import functools
import io
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from caseview.core.signing import SignatureBox
from caseview.paths import resource

BUNDLE_FINGERPRINT = "3f1c9a0b5e7d2c4a6b8e0f1d3c5a7b9e1f2d4c6a8b0e2f4d6c8a0b2e4f6d8c0a"
CASE_REFERENCE = "NS-2026-0147"
BUNDLE_ID = "urn:uuid:6f0e2b8c-3d7a-4e51-9c2f-1a4b5d6e7f80"
PASSPHRASE = "correct horse battery"

A4_W, A4_H = A4
# Where the report renderer reserves the two signature rectangles on the last page.
REVIEWER_BOX = SignatureBox(page_index=-1, x1=56, y1=80, x2=286, y2=180)
MODERATOR_BOX = SignatureBox(page_index=-1, x1=310, y1=80, x2=540, y2=180)


def findings_bytes(*, fingerprint: str = BUNDLE_FINGERPRINT, case_reference: str = CASE_REFERENCE,
                   bundle_id: str = BUNDLE_ID, overall: int = 3) -> bytes:
    doc = {
        "format": "caseview-findings",
        "format_version": "1.0",
        "bundle": {"bundle_id": bundle_id, "fingerprint": fingerprint, "case_reference": case_reference},
        "framework": {"id": "case-file-audit", "version": "1.0"},
        "reviewer": {"name": "Gwen Llŷr", "organisation": "Independent Reviews Cymru", "certificate_sha256": None},
        "started": "2026-11-02T09:00:00Z",
        "completed": "2026-11-03T16:20:00Z",
        "items": [
            {"item_id": "K1", "answers": {"timely": "Yes", "judgement": 3, "rationale": "Visits were on time."},
             "evidence": [{"document_id": "D2", "page": 1, "page_ref": "B1", "exact": "visited on 3 May"}]}
        ],
        "case": {"answers": {"overall": overall, "themes": ["Timeliness"], "recommendations": ["Keep it up."]}},
        "annotations": [],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


class _CaseViewInfo(PDFInfo):
    """reportlab's info dictionary plus the CaseView keys a verifier compares with the findings."""

    extra: dict[str, str] = {}

    def format(self, document):
        d = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Producer": PDFString(self.producer),
            "Creator": PDFString(self.creator),
            "Subject": PDFString(self.subject),
            "Trapped": PDFName(self.trapped),
        }
        d["ModDate"] = d["CreationDate"] = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        for key, value in self.extra.items():
            d[key] = PDFString(value)
        return PDFDictionary(d).format(document)


@functools.cache
def _register_font() -> str:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(resource("fonts", "DejaVuSans.ttf"))))
    return "DejaVuSans"


def report_pdf(*, fingerprint: str = BUNDLE_FINGERPRINT, case_reference: str = CASE_REFERENCE,
               bundle_id: str = BUNDLE_ID, pages: int = 2) -> bytes:
    """A small A4 report with every font embedded and the CaseView document-information keys."""
    import reportlab.rl_config as rl_config

    font = _register_font()
    # Otherwise reportlab writes an unembedded Helvetica resource (STACK-NOTES).
    old_base = rl_config.canvas_basefontname
    rl_config.canvas_basefontname = font
    try:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4, initialFontName=font, invariant=1)
        info = _CaseViewInfo()
        info.extra = {
            "CaseViewFingerprint": fingerprint,
            "CaseViewCaseReference": case_reference,
            "CaseViewBundleId": bundle_id,
        }
        c._doc.info = info
        c.setTitle(f"Independent case review {case_reference}")
        c.setAuthor("Gwen Llŷr")
        for n in range(1, pages + 1):
            c.setFont(font, 18 if n == 1 else 11)
            c.drawString(56, A4_H - 80, "Independent case review" if n == 1 else "Summary and signatures")
            c.setFont(font, 11)
            c.drawString(56, A4_H - 110, f"Case reference {case_reference} — Łódź, Caerdydd")
            c.drawString(56, A4_H - 130, f"Overall judgement: Good (page {n})")
            c.drawString(A4_W - 140, 30, f"Page {n} of {pages}")
            c.showPage()
        c.save()
        return buf.getvalue()
    finally:
        rl_config.canvas_basefontname = old_base


@dataclass(frozen=True)
class TestIdentity:
    p12: Path
    passphrase: str
    cert_der: bytes
    fingerprint: str


_IDENTITY_DIR = Path(tempfile.mkdtemp(prefix="caseview-test-ids-"))


@functools.cache
def make_identity(label: str, *, name: str, organisation: str = "Independent Reviews Cymru",
                  key: str = "ec-p256", now: datetime | None = None, valid_days: int = 1095) -> TestIdentity:
    """One identity per label per test session: the 600,000-round KDF is the slow part."""
    from caseview.core.identity import create_identity, load_certificate_pem

    out = _IDENTITY_DIR / f"{label}.p12"
    info = create_identity(out, name=name, organisation=organisation, email=f"{label}@example.org",
                           passphrase=PASSPHRASE, key=key, now=now, valid_days=valid_days, write_cert_pem=True)
    return TestIdentity(out, PASSPHRASE, load_certificate_pem(out.with_suffix(".pem")), info.fingerprint)


@functools.cache
def loaded(label: str, **kwargs):
    from caseview.core.identity import open_identity

    ident = make_identity(label, **kwargs)
    return open_identity(ident.p12, ident.passphrase)


def reviewer():
    return loaded("reviewer", name="Gwen Llŷr")


def moderator():
    return loaded("moderator", name="Marek Żółkiewski", organisation="Quality Assurance Panel")


def in_memory_identity(name: str, *, not_before: datetime, not_after: datetime):
    """An identity that never touches disk (no KDF): for tests about validity dates, not about storage."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from caseview.core.identity import LoadedIdentity, info_from_certificate

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Independent Reviews Cymru")])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return LoadedIdentity(info=info_from_certificate(cert, Path(f"{name}.p12")), certificate=cert, private_key=key)


def expired_identity():
    now = datetime.now(UTC)
    return in_memory_identity("Old Reviewer", not_before=now - timedelta(days=400), not_after=now - timedelta(days=35))


def future_identity():
    now = datetime.now(UTC)
    return in_memory_identity("Future Reviewer", not_before=now + timedelta(days=30), not_after=now + timedelta(days=400))


@functools.cache
def signed_report_bytes() -> bytes:
    """A report signed once by the reviewer; cached because many tamper tests start from it."""
    from caseview.core.signing import sign_report

    out = _IDENTITY_DIR / "signed-once.pdf"
    sign_report(report_pdf(), out, identity=reviewer(), findings=findings_bytes(),
                reviewer_box=REVIEWER_BOX, moderator_box=MODERATOR_BOX)
    return out.read_bytes()


@functools.cache
def countersigned_report_bytes() -> bytes:
    from caseview.core.signing import countersign

    src = _IDENTITY_DIR / "countersign-src.pdf"
    src.write_bytes(signed_report_bytes())
    out = _IDENTITY_DIR / "countersigned.pdf"
    countersign(src, out, identity=moderator(), note="Moderated; agreed.")
    return out.read_bytes()


# ---------------------------------------------------------------- tampering: incremental updates


def _incremental(pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    return IncrementalPdfFileWriter(io.BytesIO(pdf))


def _finish(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def edit_info(pdf: bytes, key: str = "/Title", value: str = "Edited after signing") -> bytes:
    from pyhanko.pdf_utils import generic

    w = _incremental(pdf)
    info_ref = w.prev.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info[generic.NameObject(key)] = generic.TextStringObject(value)
    w.mark_update(info_ref)
    return _finish(w)


def replace_page_content(pdf: bytes, page_index: int = 0) -> bytes:
    from pyhanko.pdf_utils import generic

    w = _incremental(pdf)
    page_ref = w.find_page_for_modification(page_index)[0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 56 700 Td (Judgement: Inadequate) Tj ET")
    page[generic.NameObject("/Contents")] = w.add_object(stream)
    w.update_container(page)
    return _finish(w)


def add_overlay(pdf: bytes, page_index: int = 0) -> bytes:
    from pyhanko.pdf_utils import generic

    w = _incremental(pdf)
    page_ref = w.find_page_for_modification(page_index)[0]
    overlay = generic.StreamObject(stream_data=b"q 1 0 0 rg 56 400 300 40 re f Q")
    w.add_stream_to_page(page_index, w.add_object(overlay))
    del page_ref
    return _finish(w)


def swap_findings(pdf: bytes, new_findings: bytes) -> bytes:
    """Point the existing findings.json file specification at different bytes."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.embed import EmbeddedFileObject

    w = _incremental(pdf)
    names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
    for i in range(0, len(names), 2):
        if str(names[i]) == "findings.json":
            spec_ref = names.raw_get(i + 1)
            spec = spec_ref.get_object()
            ef = EmbeddedFileObject.from_file_data(w, new_findings, mime_type="application/json")
            spec["/EF"] = generic.DictionaryObject({generic.NameObject("/F"): ef.ef_stream_ref,
                                                    generic.NameObject("/UF"): ef.ef_stream_ref})
            w.mark_update(spec_ref)
            return _finish(w)
    raise AssertionError("no findings.json in the test PDF")


def flip_signed_byte(pdf: bytes) -> bytes:
    """Flip one byte inside the first page's text, well inside the first signed byte range."""
    i = pdf.index(b"stream", 200) + 40
    return pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:]


def rewrite_with_pdfium(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
    finally:
        doc.close()
