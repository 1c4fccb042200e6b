"""Embed findings in a report and sign it (PAdES B-B certification), countersign it, and certify a moderation record."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .atomic import write_atomically
from .dates import london_time
from .errors import Cancelled, CaseViewError, SigningError
from .identity import LoadedIdentity, check_validity, format_fingerprint
from .pdf_inspect import dget
from ..paths import resource
from .progress import CancelToken, Progress, reporter

__all__ = [
    "FINDINGS_NAME",
    "MODERATION_NAME",
    "MODERATOR_FIELD",
    "SignatureBox",
    "SignedReport",
    "embed_findings",
    "sign_report",
    "countersign",
    "countersign_bytes",
    "certify_record",
]

FINDINGS_NAME = "findings.json"
MODERATION_NAME = "moderation.json"
MODERATOR_FIELD = "Moderator"
COUNTERSIGN_REASON = "Countersignature (moderation)"


@dataclass(frozen=True)
class SignatureBox:
    """A signature rectangle in PDF points on one page; ``page_index=-1`` is the last page."""

    page_index: int
    x1: float
    y1: float
    x2: float
    y2: float

    def as_pyhanko_box(self) -> tuple[int, int, int, int]:
        # pyHanko's field rectangles are integers; round outwards so the reserved area is covered.
        import math

        return (math.floor(self.x1), math.floor(self.y1), math.ceil(self.x2), math.ceil(self.y2))


@dataclass(frozen=True)
class SignedReport:
    """What was written: the signed file, who signed it and its SHA-256."""

    path: Path
    signer_name: str
    fingerprint: str
    signed_at: datetime
    sha256: str


def _reader_errors():
    from pyhanko.pdf_utils.misc import PdfError

    return (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError)


def _open_incremental(pdf: bytes, what: str):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    if not pdf.lstrip()[:5] == b"%PDF-":
        raise SigningError(f"The {what} is not a PDF file.")
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except _reader_errors():
        raise SigningError(f"The {what} is a damaged PDF file that cannot be read.") from None


_DESCRIPTIONS = {
    FINDINGS_NAME: "Machine-readable findings of this review (CaseView findings JSON)",
    MODERATION_NAME: "Machine-readable moderation of a signed review (CaseView moderation JSON)",
}


def _embed_into(writer, findings: bytes, when: datetime, name_in_pdf: str = FINDINGS_NAME) -> None:
    """Add (or replace) an attachment (findings.json by default) as an associated file, relationship /Data."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec

    name = generic.NameObject
    ef = EmbeddedFileObject.from_file_data(
        writer,
        findings,
        mime_type="application/json",
        params=EmbeddedFileParams(creation_date=when, modification_date=when),
    )
    spec = FileSpec(
        file_spec_string=name_in_pdf,
        file_name=name_in_pdf,
        embedded_data=ef,
        description=_DESCRIPTIONS[name_in_pdf],
        af_relationship=name("/Data"),
    ).as_pdf_object()
    spec_ref = writer.add_object(spec)

    root = writer.root
    # pyHanko's embed_file only appends; a draft re-embedded before signing must replace, not duplicate.
    names = dget(root, "/Names")
    if names is None:
        names = generic.DictionaryObject()
        root[name("/Names")] = writer.add_object(names)
    ef_tree = dget(names, "/EmbeddedFiles")
    if ef_tree is None:
        ef_tree = generic.DictionaryObject()
        names[name("/EmbeddedFiles")] = writer.add_object(ef_tree)
    if "/Kids" in ef_tree:
        raise SigningError("The report's list of attached files is in a form CaseView cannot update.")
    old_entries = dget(ef_tree, "/Names", generic.ArrayObject())
    kept = generic.ArrayObject()
    old_spec_refs = []
    for i in range(0, len(old_entries) - 1, 2):
        if str(old_entries[i]) == name_in_pdf:
            old_spec_refs.append(old_entries.raw_get(i + 1))
            continue
        kept.append(old_entries.raw_get(i))
        kept.append(old_entries.raw_get(i + 1))
    # Name trees must stay sorted by key; the attachment goes in its place.
    pairs = [(str(kept[i]), kept[i], kept[i + 1]) for i in range(0, len(kept), 2)]
    pairs.append((name_in_pdf, generic.TextStringObject(name_in_pdf), spec_ref))
    pairs.sort(key=lambda p: p[0])
    ef_tree[name("/Names")] = generic.ArrayObject([x for _, k, v in pairs for x in (k, v)])

    af = dget(root, "/AF")
    af_new = generic.ArrayObject()
    old_ids = {getattr(r, "idnum", None) for r in old_spec_refs}
    if af is not None:
        for i in range(len(af)):
            ref = af.raw_get(i)
            if getattr(ref, "idnum", None) not in old_ids:
                af_new.append(ref)
    af_new.append(spec_ref)
    root[name("/AF")] = af_new
    for container in (ef_tree, names):
        writer.update_container(container)
    writer.update_root()
    # Associated files (/AF) are a PDF 2.0 feature.
    writer.ensure_output_version(version=(2, 0))


def embed_findings(pdf: bytes, findings: bytes) -> bytes:
    """Attach the exact findings bytes as ``findings.json`` (relationship Data); used for unsigned drafts too."""
    if not isinstance(findings, (bytes, bytearray)):
        raise SigningError("The findings to embed must be the exact bytes of the findings file.")
    writer = _open_incremental(pdf, "report")
    _embed_into(writer, bytes(findings), datetime.now(UTC))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- appearance


_STAMP_TEMPLATE = (
    "%(heading)s\n%(signer_name)s\n%(organisation)s\n%(date)s\n"
    "Certificate SHA-256:\n%(fp1)s\n%(fp2)s%(note)s"
)


def _font_for_text(text: str) -> bytes:
    """DejaVu Sans cut down to the glyphs of ``text`` and rescaled to 1000 units per em.

    pyHanko 0.38's GlyphAccumulator writes glyph widths and kerning in font units but
    PDF reads them as thousandths of an em, so DejaVu (2048 units) renders with
    letters spread twice too far apart. Subsetting first keeps the rescale fast (~0.2 s).
    """
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    # fontTools warns on stderr about tables it cannot subset (FFTM); that is noise to a reviewer.
    log = logging.getLogger("fontTools")
    old_level = log.level
    log.setLevel(logging.ERROR)
    try:
        tt = TTFont(str(resource("fonts", "DejaVuSans.ttf")))
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text + " ")
        subsetter.subset(tt)
        if tt["head"].unitsPerEm != 1000:
            scale_upem(tt, 1000)
        buf = io.BytesIO()
        tt.save(buf)
        return buf.getvalue()
    finally:
        log.setLevel(old_level)


def _stamp_style(text: str):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font_bytes = _font_for_text(text)

    @dataclass(frozen=True)
    class _InMemoryFont(GlyphAccumulatorFactory):
        # Same engine as GlyphAccumulatorFactory, fed the prepared font instead of a path.
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer, font_handle=io.BytesIO(font_bytes), font_size=self.font_size, obj_stream=obj_stream
            )

    # An embedded TTF (never pyHanko's default Courier), so names in Welsh or Polish render in any reader.
    font = _InMemoryFont(str(resource("fonts", "DejaVuSans.ttf")), font_size=9)
    return TextStampStyle(
        stamp_text="%(text)s",
        text_box_style=TextBoxStyle(font=font, font_size=9, leading=11),
        border_width=1,
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID, margins=Margins.uniform(5)
        ),
    )


def _stamp_text(heading: str, identity: LoadedIdentity, when: datetime, note: str | None) -> str:
    fp = format_fingerprint(identity.info.fingerprint)
    groups = fp.split(" ")
    half = len(groups) // 2
    return _STAMP_TEMPLATE % {
        "heading": heading,
        "signer_name": identity.info.name,
        "organisation": identity.info.organisation,
        "date": london_time(when),
        "fp1": " ".join(groups[:half]),
        "fp2": " ".join(groups[half:]),
        "note": f"\nNote: {note}" if note else "",
    }


# ---------------------------------------------------------------- signing


def _check_box(box: SignatureBox, label: str) -> None:
    if not isinstance(box, SignatureBox):
        raise SigningError(f"The {label} signature position is missing.")
    if not (box.x2 > box.x1 and box.y2 > box.y1):
        raise SigningError(f"The {label} signature rectangle has no area; check its corners.")


def _page_count(writer) -> int:
    return int(writer.root["/Pages"]["/Count"])


def _resolve_page(box: SignatureBox, pages: int, label: str) -> int:
    idx = box.page_index if box.page_index >= 0 else pages + box.page_index
    if not 0 <= idx < pages:
        raise SigningError(f"The {label} signature is placed on page {box.page_index}, but the report has {pages} pages.")
    return idx


def _check_folder(out: Path) -> None:
    folder = out.parent
    if not folder.is_dir():
        raise SigningError(f"The folder {folder} does not exist; choose another place for the signed report.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SigningError(f"The folder {folder} cannot be written to; choose another place for the signed report.")


def _write_atomically(out: Path, data: bytes, report) -> None:
    """Temp file in the same folder, fsync, rename; on any failure or cancel, no file is left."""
    try:
        # A report is meant to be shared (0644); the last progress report is the final cancel point.
        write_atomically(out, data, mode=0o644, before_rename=lambda: report(3, 4, "Saving"))
    except OSError as exc:
        raise SigningError(f"The folder {out.parent} cannot be written to ({exc.strerror or exc}); "
                           f"choose another place for the signed report.") from None


def _sign_into(writer, identity: LoadedIdentity, *, field: str, certify: bool, when: datetime,
               stamp_heading: str, note: str | None, new_box: tuple[int, tuple] | None,
               reason: str | None = None, docmdp_level: int = 2) -> bytes:
    """Run pyHanko's signing steps ourselves so the signing time is ``when`` (pyHanko would use now).

    ``docmdp_level`` is the certification's permission: 2 lets the Moderator field be signed later,
    1 (a moderation record) allows no change at all.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=MDPPerm(docmdp_level),
        name=identity.info.name,
        reason=reason or ("Independent case review" if certify else COUNTERSIGN_REASON),
    )
    new_field_spec = None
    if new_box is not None:
        page, box = new_box
        new_field_spec = fields.SigFieldSpec(sig_field_name=field, on_page=page, box=box)
    text = _stamp_text(stamp_heading, identity, when, note)
    pdf_signer = signers.PdfSigner(
        meta, identity.pyhanko_signer(), stamp_style=_stamp_style(text), new_field_spec=new_field_spec
    )

    async def run() -> bytes:
        session = pdf_signer.init_signing_session(writer, existing_fields_only=new_box is None)
        session.system_time = when
        validation_info = await session.perform_presign_validation(writer)
        reserved = await session.estimate_signature_container_size(validation_info, tight=False)
        tbs = session.prepare_tbs_document(
            validation_info=validation_info,
            bytes_reserved=reserved,
            appearance_text_params={"text": text},
        )
        digest, output = tbs.digest_tbs_document(output=io.BytesIO())
        from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

        post = await tbs.perform_signature(
            document_digest=digest.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=when),
        )
        await post.post_signature_processing(output)
        return output.getvalue()

    return asyncio.run(run())


def _as_now(now: datetime | None) -> datetime:
    when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.replace(microsecond=0)


def _unexpected(exc: BaseException, action: str) -> SigningError:
    # pyHanko raises many types; the user needs one sentence, the detail stays in the chained exception.
    detail = str(exc).strip().rstrip(".") or type(exc).__name__
    return SigningError(f"The report could not be {action}: {detail}.")


def sign_report(
    pdf: bytes,
    out: Path,
    *,
    identity: LoadedIdentity,
    findings: bytes,
    reviewer_box: SignatureBox,
    moderator_box: SignatureBox,
    reviewer_field: str = "Reviewer",
    now: datetime | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> SignedReport:
    """Embed the findings, add the Moderator field, and certify the report (DocMDP 2, PAdES B-B, SHA-256)."""
    out = Path(out)
    report = reporter(progress, cancel)
    when = _as_now(now)
    check_validity(identity.info, when)
    if not reviewer_field or reviewer_field == MODERATOR_FIELD or "." in reviewer_field:
        raise SigningError(f"The reviewer's signature field cannot be called {reviewer_field!r}.")
    _check_box(reviewer_box, "reviewer's")
    _check_box(moderator_box, "moderator's")
    _check_folder(out)
    report(0, 4, "Preparing the report")
    try:
        from pyhanko.sign import fields

        writer = _open_incremental(pdf, "report")
        pages = _page_count(writer)
        reviewer_page = _resolve_page(reviewer_box, pages, "reviewer's")
        moderator_page = _resolve_page(moderator_box, pages, "moderator's")
        existing = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
        if existing:
            raise SigningError("The report already has signature fields; sign a freshly rendered report.")
        _embed_into(writer, bytes(findings), when)
        # The empty Moderator field must exist before certification: DocMDP level 2 allows
        # filling an existing signature field later, not adding one.
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=MODERATOR_FIELD, on_page=moderator_page, box=moderator_box.as_pyhanko_box()
            ),
        )
        report(1, 4, "Signing")
        data = _sign_into(
            writer, identity, field=reviewer_field, certify=True, when=when,
            stamp_heading="Reviewed and signed by", note=None,
            new_box=(reviewer_page, reviewer_box.as_pyhanko_box()),
        )
        report(2, 4, "Writing the signed report")
        _write_atomically(out, data, report)
    except (CaseViewError, Cancelled):
        raise
    except Exception as exc:
        raise _unexpected(exc, "signed") from exc
    return SignedReport(out, identity.info.name, identity.info.fingerprint, when, hashlib.sha256(data).hexdigest())


def countersign_bytes(pdf: bytes, *, identity: LoadedIdentity, field: str = MODERATOR_FIELD,
                      reason: str | None = None, note: str | None = None, now: datetime | None = None) -> bytes:
    """The report's bytes plus one incremental update that signs the existing, empty ``field`` and nothing else.

    An approval signature (PAdES B-B). ``existing_fields_only`` makes a misspelt field an error
    rather than a new invisible field, which the reviewer's DocMDP level 2 would not allow.
    """
    when = _as_now(now)
    check_validity(identity.info, when)
    if note is not None and len(note) > 200:
        raise SigningError("Keep the countersignature note to 200 characters; it has to fit in the signature box.")
    if reason is not None and (not reason.strip() or len(reason) > 400):
        raise SigningError("The countersignature's reason must be a sentence of at most 400 characters.")
    try:
        writer = _open_incremental(pdf, "report")
        status = {name: filled for name, filled, _ in _sig_fields(writer.prev)}
        if field not in status:
            raise SigningError(f"The report has no signature field named {field!r} to countersign in.")
        if status[field]:
            raise SigningError(f"The {field} signature field of this report is already signed.")
        if not any(status.values()):
            raise SigningError("The report is not signed yet; the reviewer signs before the countersignature.")
        return _sign_into(
            writer, identity, field=field, certify=False, when=when,
            stamp_heading="Countersigned by", note=note, new_box=None, reason=reason,
        )
    except (CaseViewError, Cancelled):
        raise
    except Exception as exc:
        raise _unexpected(exc, "countersigned") from exc


def countersign(
    pdf_path: Path,
    out: Path,
    *,
    identity: LoadedIdentity,
    field: str = MODERATOR_FIELD,
    note: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> SignedReport:
    """Add an approval signature in the pre-made (empty) Moderator field, as an incremental update."""
    pdf_path, out = Path(pdf_path), Path(out)
    report = reporter(progress, cancel)
    when = _as_now(now)
    check_validity(identity.info, when)
    _check_folder(out)
    try:
        pdf = pdf_path.read_bytes()
    except OSError as exc:
        raise SigningError(f"The report {pdf_path} cannot be read ({exc.strerror or exc}).") from None
    report(0, 4, "Preparing the report")
    report(1, 4, "Signing")
    data = countersign_bytes(pdf, identity=identity, field=field, reason=reason, note=note, now=when)
    report(2, 4, "Writing the countersigned report")
    _write_atomically(out, data, report)
    return SignedReport(out, identity.info.name, identity.info.fingerprint, when, hashlib.sha256(data).hexdigest())


def certify_record(pdf: bytes, *, identity: LoadedIdentity, moderation: bytes, box: SignatureBox,
                   field: str = MODERATOR_FIELD, now: datetime | None = None) -> bytes:
    """A moderation record: ``moderation.json`` embedded, then certified with DocMDP level 1 (no changes), PAdES B-B."""
    if not isinstance(moderation, (bytes, bytearray)):
        raise SigningError("The moderation to embed must be the exact bytes of moderation.json.")
    when = _as_now(now)
    check_validity(identity.info, when)
    _check_box(box, "moderator's")
    try:
        from pyhanko.sign import fields

        writer = _open_incremental(pdf, "moderation record")
        page = _resolve_page(box, _page_count(writer), "moderator's")
        if any(True for _ in fields.enumerate_sig_fields(writer.prev)):
            raise SigningError("The moderation record already has signature fields; sign a freshly rendered one.")
        _embed_into(writer, bytes(moderation), when, MODERATION_NAME)
        return _sign_into(
            writer, identity, field=field, certify=True, when=when, stamp_heading="Moderated and signed by",
            note=None, new_box=(page, box.as_pyhanko_box()), reason="Moderation record", docmdp_level=1,
        )
    except (CaseViewError, Cancelled):
        raise
    except Exception as exc:
        raise _unexpected(exc, "signed") from exc


def _sig_fields(reader):
    from pyhanko.sign import fields

    for name, value, _ref in fields.enumerate_sig_fields(reader):
        yield name, value is not None, _ref
