"""A collection of every kind of file collect meets: signed reports, a countersigned one, moderation records, junk."""

from __future__ import annotations

import functools
import hashlib
import io
import json
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from caseview.core.signing import certify_record, countersign_bytes, sign_report
from caseview.core.trust import TrustRoles
from caseview.core.verify import compute_agreement, countersign_reason
from tests.core import pdf_fixtures as F
from tests.factory import make_pdf

A4_W, A4_H = A4


def findings(*, bundle_id: str, reference: str, fingerprint: str, completed: str = "2026-11-03T16:20:00Z",
             judgement: int = 3, payments: tuple[str, str, str] = ("Pay", "Defer", "Withhold"),
             amounts: tuple[str, str, str] = ("1500.00", "1000.00", "750.50"), provider: str = "Brightpath Ltd",
             timeliness: tuple[str, ...] = ("met", "missed")) -> dict:
    outcomes = []
    context_items = [{"item_id": "K1", "kind": "decision", "title": "Strategy discussion", "date": "2026-01-12"}]
    for n, (pay, amount) in enumerate(zip(payments, amounts), 1):
        answers = {"threshold": "Met" if pay == "Pay" else "Not met", "evidence_quality": "Insufficient",
                   "attributable": "Yes", "sustained": "Yes", "payment": pay, "rationale": "As recorded."}
        if pay == "Defer":
            answers["recheck"] = "2027-04-02"
        outcomes.append({"item_id": f"O{n}", "answers": answers, "evidence": []})
        context_items.append({"item_id": f"O{n}", "kind": "outcome", "title": f"Outcome {n}", "date": "2026-06-30",
                              "claim": {"reference": f"CL-{n}", "provider": provider, "contract": "NS-OBC-1",
                                        "amount": amount, "currency": "GBP"}})
    return {
        "format": "caseview-findings", "format_version": "1.0",
        "bundle": {"bundle_id": bundle_id, "fingerprint": fingerprint, "case_reference": reference},
        "framework": {"id": "outcome-verification", "version": "1.1"},
        "reviewer": {"name": "Gwen Llŷr", "organisation": "Independent Reviews Cymru", "certificate_sha256": None},
        "started": "2026-11-02T09:00:00Z", "completed": completed,
        "items": [{"item_id": "K1", "answers": {"timely": "Yes", "judgement": judgement, "rationale": "On time."},
                   "evidence": [{"document_id": "D2", "page": 1, "page_ref": "B1", "exact": "visited on 3 May"}]},
                  *outcomes],
        "case": {"answers": {"limitations": "None."}},
        "annotations": [],
        "timeliness": {"rule_set": {"id": "england-2023", "version": "1.0"}, "as_of": "2026-10-31",
                       "results": [{"rule": f"rule-{i}", "subject": None, "from_event": "E1", "to_event": "E2",
                                    "due": "2026-02-01", "actual": "2026-02-03", "elapsed": 3, "status": s,
                                    "note": ""} for i, s in enumerate(timeliness, 1)]},
        "bundle_context": {"issuer": "Northshire Council", "items": context_items},
    }


def _fp(bundle_id: str) -> str:
    return hashlib.sha256(bundle_id.encode()).hexdigest()


def signed_report(out: Path, *, bundle_id: str, reference: str, identity=None, **kw) -> Path:
    fp = _fp(bundle_id)
    data = json.dumps(findings(bundle_id=bundle_id, reference=reference, fingerprint=fp, **kw),
                      ensure_ascii=False, indent=2).encode()
    sign_report(F.report_pdf(fingerprint=fp, case_reference=reference, bundle_id=bundle_id, pages=1), out,
                identity=identity or F.reviewer(), findings=data, reviewer_box=F.REVIEWER_BOX,
                moderator_box=F.MODERATOR_BOX)
    return out


def _record_pdf(info: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    font = F._register_font()
    import reportlab.rl_config as rl_config

    old = rl_config.canvas_basefontname
    rl_config.canvas_basefontname = font
    try:
        c = canvas.Canvas(buf, pagesize=A4, initialFontName=font, invariant=1)
        doc_info = F._CaseViewInfo()
        doc_info.extra = info
        c._doc.info = doc_info
        c.setFont(font, 14)
        c.drawString(56, A4_H - 80, "Moderation record")
        c.showPage()
        c.save()
    finally:
        rl_config.canvas_basefontname = old
    return buf.getvalue()


def moderation(report_bytes: bytes, *, bundle_id: str, reference: str, moderated: int = 2,
               overall: str = "endorsed-with-changes") -> bytes:
    items = [{"item_id": "K1", "reviewer_judgement": 3, "verdict": "disagree" if moderated != 3 else "agree",
              "moderated_judgement": moderated, "comment": "Oversight was thin.", "evidence": []},
             {"item_id": "O1", "reviewer_judgement": "Met", "verdict": "agree", "moderated_judgement": "Met",
              "comment": "", "evidence": []}]
    obj = {
        "format": "caseview-moderation", "format_version": "1.0",
        "report": {"sha256": hashlib.sha256(report_bytes).hexdigest(), "signer": "Gwen Llŷr",
                   "signer_certificate_sha256": F.reviewer().info.fingerprint, "signed_at": "2026-11-03T16:35:00Z"},
        "bundle": {"bundle_id": bundle_id, "fingerprint": _fp(bundle_id), "case_reference": reference},
        "framework": {"id": "outcome-verification", "version": "1.1"},
        "moderator": {"name": "Marek Żółkiewski", "organisation": "Quality Assurance Panel",
                      "certificate_sha256": F.moderator().info.fingerprint},
        "started": "2026-12-01T09:00:00Z", "completed": "2026-12-02T15:00:00Z",
        "items": items,
        "case": {"overall": overall, "comment": "One grade changed.", "payments": []},
        "agreement": compute_agreement(items),
    }
    return json.dumps(obj, ensure_ascii=False, indent=2).encode()


def record(out: Path, report_bytes: bytes, *, bundle_id: str, reference: str, **kw) -> tuple[Path, bytes]:
    data = moderation(report_bytes, bundle_id=bundle_id, reference=reference, **kw)
    pdf = _record_pdf({"CaseViewFingerprint": _fp(bundle_id), "CaseViewCaseReference": reference,
                       "CaseViewBundleId": bundle_id,
                       "CaseViewModeratedReport": hashlib.sha256(report_bytes).hexdigest()})
    out.write_bytes(certify_record(pdf, identity=F.moderator(), moderation=data, box=F.MODERATOR_BOX))
    return out, data


def countersigned(out: Path, report_bytes: bytes, moderation_bytes: bytes) -> Path:
    obj = json.loads(moderation_bytes)
    reason = countersign_reason(obj["case"]["overall"], obj["agreement"], hashlib.sha256(moderation_bytes).hexdigest())
    out.write_bytes(countersign_bytes(report_bytes, identity=F.moderator(), reason=reason))
    return out


def trust() -> TrustRoles:
    return TrustRoles(any_role=(F.reviewer().certificate_der, F.moderator().certificate_der))


def stranger():
    return F.loaded("stranger", name="Sam Stranger", organisation="Unknown Reviews")


@functools.cache
def _collection_bytes() -> dict[str, bytes]:
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="caseview-collect-"))
    files: dict[str, bytes] = {}

    def make(name: str, **kw) -> bytes:
        files[name] = signed_report(tmp / name, **kw).read_bytes()
        return files[name]

    make("counted.pdf", bundle_id="urn:uuid:a", reference="NS-A")
    make("untrusted.pdf", bundle_id="urn:uuid:b", reference="NS-B", identity=stranger())
    files["one-byte.pdf"] = F.flip_signed_byte(make("c.pdf", bundle_id="urn:uuid:c", reference="NS-C"))
    files["info-edit.pdf"] = F.edit_info(make("d.pdf", bundle_id="urn:uuid:d", reference="NS-D"))
    del files["c.pdf"], files["d.pdf"]
    make("earlier.pdf", bundle_id="urn:uuid:e", reference="NS-E", completed="2026-10-01T10:00:00Z", judgement=2,
         payments=("Withhold", "Withhold", "Withhold"))
    make("later.pdf", bundle_id="urn:uuid:e", reference="NS-E", completed="2026-12-01T10:00:00Z", judgement=4,
         payments=("Pay", "Pay", "Pay"), amounts=("200.00", "300.01", "0.99"), provider="Second Chance CIC")
    files["sub/copy-of-counted.pdf"] = files["counted.pdf"]
    f_bytes = make("moderated-original.pdf", bundle_id="urn:uuid:f", reference="NS-F", judgement=3)
    _, mod_f = record(tmp / "record-f.pdf", f_bytes, bundle_id="urn:uuid:f", reference="NS-F")
    files["record-f.pdf"] = (tmp / "record-f.pdf").read_bytes()
    files["moderated-countersigned.pdf"] = countersigned(tmp / "cs.pdf", f_bytes, mod_f).read_bytes()
    g_bytes = signed_report(tmp / "g.pdf", bundle_id="urn:uuid:g", reference="NS-G", judgement=4).read_bytes()
    record(tmp / "record-g.pdf", g_bytes, bundle_id="urn:uuid:g", reference="NS-G", moderated=3)
    files["record-unpaired.pdf"] = (tmp / "record-g.pdf").read_bytes()
    files["letter.pdf"] = make_pdf(["A letter, not a report."])
    files["notes.pdf"] = b"These are notes, not a PDF at all.\n"
    return files


def write_collection(folder: Path) -> dict[str, Path]:
    out = {}
    for name, data in _collection_bytes().items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        out[name] = p
    return out
