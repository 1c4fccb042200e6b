"""Moderation finish (issue 14): what `caseview moderate finish` costs, the record PDF and the countersigned report.

On the report benchmark's cases (the complete 50-item review, signed by the bench reviewer), a moderation with
a verdict on every item (most agree, some disagree with a moderated judgement, some agree with changes) and an
overall verdict is made once; each run copies that workspace and times ``finish_moderation`` in process: the
moderation.json export, the record PDF laid out and certified (DocMDP 1, moderation.json embedded), the report
countersigned in one incremental update, both files written atomically and the workspace's history entry.
Beside it, pyHanko's own ``sign_pdf`` of the same signed report into its Moderator field (the countersignature
alone).
"""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

from .common import WORK, Ctx, Row, ensure_workspace, rm
from .generate import Generated, Spec, generate
from .stats import summary

MODERATOR_PASSPHRASE = "bench-passphrase"


def _moderator():
    from caseview.core.identity import create_identity, open_identity

    p12 = WORK / "identity" / "moderator.p12"
    if not p12.exists():
        p12.parent.mkdir(parents=True, exist_ok=True)
        create_identity(p12, name="Bench Moderator", organisation="Benchmark Moderation Ltd",
                        email="moderator@example.org", passphrase=MODERATOR_PASSPHRASE)
    return open_identity(p12, MODERATOR_PASSPHRASE)


def _moderate_everything(ws, moderation_id: str) -> dict[str, int]:
    """A verdict on every item (every 5th a disagreement, every 7th agreed with changes) and the overall verdict."""
    from caseview.core.moderation import ItemVerdict, SetOverall, SetVerdict, apply, load_context, missing, read_state

    ctx = load_context(ws, moderation_id)
    counts = {"agree": 0, "disagree": 0, "agree-with-changes": 0}
    for k, item_id in enumerate(ctx.item_ids()):
        graded = ctx.graded_question(item_id)
        reviewer = ctx.reviewer_judgement(item_id)
        other = None
        if graded is not None and graded.type == "scale":
            values = [lv.value for lv in ctx.framework.scale(graded.scale)]
            other = next((v for v in values if v != reviewer), None)
        if k % 5 == 4 and other is not None:
            v = ItemVerdict(item_id, "disagree", other, "The records support a different grade: the plan was not "
                                                         "reviewed when the risk changed.")
        elif k % 7 == 6:
            v = ItemVerdict(item_id, "agree-with-changes", None, "Agree with the grade; the rationale should name "
                                                                 "the strategy discussion.")
        else:
            v = ItemVerdict(item_id, "agree")
        apply(ws, moderation_id, SetVerdict(v), ctx=ctx)
        counts[v.verdict] += 1
    apply(ws, moderation_id, SetOverall("endorsed-with-changes", "Endorsed; some items regraded, see the record."),
          ctx=ctx)
    gaps = missing(ctx, read_state(ws, moderation_id))
    if gaps:
        raise RuntimeError(f"the bench moderation is not complete: {[m.sentence() for m in gaps[:3]]}")
    return counts


def _moderation_template(ctx: Ctx, g: Generated, source_ws: Path | None, reviewer) -> tuple[Path, str, dict]:
    """A workspace with the signed report under a complete moderation (made once, then copied)."""
    from caseview.core.finalise import produce_report
    from caseview.core.moderation import start_moderation
    from caseview.core.store import Workspace

    from .suite import _checked_template, _review_template

    unchecked, case_id, _citations = _review_template(ctx, g, source_ws)
    review = _checked_template(ctx, g, unchecked, case_id)
    tpl = WORK / g.spec.key / "moderation-template"
    info = tpl / "bench-moderation.json"
    if info.exists():
        d = json.loads(info.read_text())
        if d.get("fingerprint") == g.fingerprint:
            return tpl, d["moderation_id"], d
    rm(tpl)
    shutil.copytree(review, tpl)
    ctx.log(f"  signing the report and moderating every item on {g.spec.key} (once; copied for each run) …")
    with Workspace(tpl, backup=False) as ws:
        report = tpl / "bench-report.pdf"
        produce_report(ws, case_id, report, identity=reviewer)
        mid = start_moderation(ws, case_id, report, trusted=[reviewer.certificate_der]).moderation_id
        counts = _moderate_everything(ws, mid)
    d = {"fingerprint": g.fingerprint, "moderation_id": mid, "verdicts": counts}
    info.write_text(json.dumps(d))
    return tpl, mid, d


def _pyhanko_countersign(report: bytes, moderator) -> float:
    """pyHanko alone: sign the signed report's empty Moderator field in one incremental update."""
    from asn1crypto import keys as akeys, x509 as ax509
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = ax509.Certificate.load(moderator.certificate_der)
    key = akeys.PrivateKeyInfo.load(moderator.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8,
                                                                        NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([cert]))
    t = time.perf_counter()
    w = IncrementalPdfFileWriter(io.BytesIO(report))
    signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name="Moderator"), signer=signer,
                     existing_fields_only=True).getvalue()
    return time.perf_counter() - t


def _finish_rows(ctx: Ctx, g: Generated, source_ws: Path | None, reviewer, moderator, *, main: bool) -> list[Row]:
    from caseview.core.moderation import finish_moderation
    from caseview.core.moderation.commands import report_bytes
    from caseview.core.store import Workspace
    from caseview.core.verify import verify_with_record

    tpl, mid, d = _moderation_template(ctx, g, source_ws, reviewer)
    runs_dir = WORK / g.spec.key / "moderation-runs"
    times, hanko, phases, sizes = [], [], [], []
    verdict = ""
    for _ in range(ctx.runs):
        rm(runs_dir)
        shutil.copytree(tpl, runs_dir / "ws")
        record, countersigned = runs_dir / "record.pdf", runs_dir / "countersigned.pdf"
        with Workspace(runs_dir / "ws", backup=False) as ws:
            original, _findings = report_bytes(ws, mid)
            marks: dict[str, float] = {}
            t = time.perf_counter()
            finish_moderation(ws, mid, record, countersigned, identity=moderator,
                              progress=lambda s: marks.setdefault(s.label or "end", time.perf_counter()))
            times.append(time.perf_counter() - t)
        phases.append({k: v - t for k, v in marks.items()})
        sizes.append((record.stat().st_size, countersigned.stat().st_size))
        v = verify_with_record(countersigned, record, trusted=[reviewer.certificate_der, moderator.certificate_der])
        verdict = f"verify_with_record ok={getattr(v, 'ok', v)}"
        hanko.append(_pyhanko_countersign(original, moderator))
    rm(runs_dir)
    s, b = summary(times), summary(hanko)
    names = sorted({k for p in phases for k in p}, key=lambda k: summary([p.get(k, 0) for p in phases])["median"])
    marks_txt = ", ".join(f"{k!r} at {summary([p[k] for p in phases if k in p])['median']:.2f} s" for k in names)
    label = "" if main else f" on the {g.documents:,}-document case (information)"
    counts = ", ".join(f"{n} {k}" for k, n in d["verdicts"].items())
    return [Row("moderation", "14", f"Moderation finish: record PDF + countersigned report{label}", "s", s,
                "pyHanko sign_pdf of the same signed report's Moderator field", b, s["median"] / b["median"],
                "CaseView / pyHanko",
                note=f"{g.documents:,} documents; verdicts: {counts}; record {sizes[-1][0] / 1024:.0f} KiB, "
                     f"countersigned report {sizes[-1][1] / 2**20:.1f} MiB; progress marks: {marks_txt}; "
                     f"{verdict}")]


def bench_moderation(ctx: Ctx) -> list[Row]:
    from .suite import _identity

    quick = Spec(200, 2000, 50, 1)
    targets = [(generate(quick, log=ctx.log), None)]
    if not ctx.quick:
        ensure_workspace(ctx)
        targets.append((ctx.bundle(), ctx.ws_path))
    reviewer, moderator = _identity(ctx), _moderator()
    rows = []
    for g, source in targets:
        rows += _finish_rows(ctx, g, source, reviewer, moderator, main=(source is None))
    return rows
