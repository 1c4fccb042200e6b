"""A countersigned report and its moderation record: valid as made; each kind of tampering invalid, with its reason."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caseview.core.moderation import ItemVerdict, SetOverall, SetVerdict, apply, finish_moderation, start_moderation
from caseview.core.signing import MODERATOR_FIELD, _sign_into
from caseview.core.store import Workspace
from caseview.core.verify import countersign_reason, verify_report, verify_with_record
from tests.core import pdf_fixtures as F
from tests.core.moderation_fixtures import signed_case

ROLES = {"reviewer": [F.reviewer().certificate_der], "moderator": [F.moderator().certificate_der]}


def _moderate(signed, out: Path, *, disagree: bool) -> tuple[Path, Path, str]:
    with Workspace(signed.root, backup=False) as ws:
        mid = start_moderation(ws, signed.case_id, signed.report).moderation_id
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "agree")))
        verdict = ItemVerdict("K2", "disagree", 1, "Not good: no plan.") if disagree else ItemVerdict("K2", "agree")
        apply(ws, mid, SetVerdict(verdict))
        apply(ws, mid, SetOverall("endorsed-with-changes" if disagree else "endorsed",
                                  "K2 regraded." if disagree else ""))
        done = finish_moderation(ws, mid, out / "record.pdf", out / "R-moderated.pdf", identity=F.moderator())
    return done.record, done.countersigned, done.reason


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp("tamper")
    signed = signed_case(root / "one")
    record, counter, reason = _moderate(signed, root, disagree=True)
    other = signed_case(root / "two", bundle_id="urn:uuid:00000000-0000-4000-8000-0000000000aa")
    (root / "other").mkdir()
    other_record, _, _ = _moderate(other, root / "other", disagree=False)
    return {"root": root, "signed": signed, "record": record, "counter": counter, "reason": reason,
            "other_record": other_record}


def _write(tmp_path: Path, data: bytes, name: str = "tampered.pdf") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _text(v) -> str:
    return "\n".join(v.reasons)


def _countersign_with(pdf: bytes, change=None, *, reason: str | None = None, field: str = MODERATOR_FIELD,
                      new_box=None) -> bytes:
    """Sign the Moderator field (or ``field``) with ``change(writer)`` made in the same incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if change is not None:
        change(writer)
    return _sign_into(writer, F.moderator(), field=field, certify=False, when=datetime.now(UTC).replace(microsecond=0),
                      stamp_heading="Countersigned by", note=None, new_box=new_box, reason=reason)


def test_as_made_both_files_are_valid_and_linked(made):
    v = verify_with_record(made["counter"], made["record"], trusted_roles=ROLES)
    assert v.ok, _text(v)
    assert v.moderation.linked and v.moderation.record_valid
    reviewer, moderator = v.signatures
    assert (reviewer.role, moderator.role) == ("reviewer", "moderator")
    assert moderator.reason == made["reason"]
    assert reviewer.modification_level == "FORM_FILLING" and reviewer.docmdp_ok
    rec = verify_report(made["record"], trusted_roles=ROLES)
    assert rec.ok and rec.kind == "moderation-record"
    assert rec.signatures[0].docmdp_permission == 1
    assert rec.moderates["report_sha256"] == hashlib.sha256(made["signed"].report.read_bytes()).hexdigest()
    assert made["counter"].read_bytes().startswith(made["signed"].report.read_bytes())


def test_a_changed_byte_in_the_record(made, tmp_path):
    bad = _write(tmp_path, F.flip_signed_byte(made["record"].read_bytes()), "record.pdf")
    v = verify_with_record(made["counter"], bad, trusted_roles=ROLES)
    assert not v.valid and not v.moderation.record_valid
    assert ("Moderation record: The signature by Marek Żółkiewski (field Moderator) does not match the file"
            in _text(v))


def test_a_record_for_another_report(made):
    v = verify_with_record(made["counter"], made["other_record"], trusted_roles=ROLES)
    assert not v.valid and not v.moderation.linked
    text = _text(v)
    assert "The moderation record is about the report with SHA-256" in text
    assert "names the moderation record" in text and "different bundles" in text


def test_countersignature_whose_update_also_adds_page_content(made, tmp_path):
    from pyhanko.pdf_utils import generic

    def overlay(w):
        w.add_stream_to_page(0, w.add_object(generic.StreamObject(stream_data=b"q 1 0 0 rg 56 400 300 40 re f Q")))

    v = verify_report(_write(tmp_path, _countersign_with(made["signed"].report.read_bytes(), overlay,
                                                         reason=made["reason"])), trusted_roles=ROLES)
    assert not v.valid
    assert "After the certification signature by Gwen Llŷr (field Reviewer), the file was changed" in _text(v)


def test_countersignature_whose_update_also_adds_an_annotation(made, tmp_path):
    from pyhanko.pdf_utils import generic

    def annotate(w):
        page_ref = w.find_page_for_modification(0)[0]
        page = page_ref.get_object()
        note = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 50, 80, 80)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Grade should be 4"),
        })
        page[generic.NameObject("/Annots")] = generic.ArrayObject([w.add_object(note)])
        w.update_container(page)

    v = verify_report(_write(tmp_path, _countersign_with(made["signed"].report.read_bytes(), annotate,
                                                         reason=made["reason"])), trusted_roles=ROLES)
    assert not v.valid
    assert "After the certification signature by Gwen Llŷr (field Reviewer), the file was changed" in _text(v)


def test_a_further_signature_in_a_new_field(made, tmp_path):
    data = _countersign_with(made["counter"].read_bytes(), field="Second", new_box=(0, (50, 50, 200, 120)),
                             reason="Second opinion")
    v = verify_with_record(_write(tmp_path, data), made["record"], trusted_roles=ROLES)
    assert not v.valid
    assert "A further signature by Marek Żółkiewski (field Second) is in the field Second" in _text(v)
    assert [s.role for s in v.signatures] == ["reviewer", "moderator", "other"]


def test_a_new_field_instead_of_the_moderator_field(made, tmp_path):
    data = _countersign_with(made["signed"].report.read_bytes(), field="Moderator2", new_box=(0, (50, 50, 200, 120)),
                             reason=made["reason"])
    v = verify_report(_write(tmp_path, data), trusted_roles=ROLES)
    assert not v.valid
    assert "only the pre-made Moderator field may be signed" in _text(v)


def test_a_reason_naming_another_records_hash(made, tmp_path):
    other_sha = verify_report(made["other_record"]).moderation_sha256
    reason = countersign_reason("endorsed-with-changes", {"agree": 1, "agree_with_changes": 0, "items": 2}, other_sha)
    data = _countersign_with(made["signed"].report.read_bytes(), reason=reason)
    counter = _write(tmp_path, data)
    alone = verify_report(counter, trusted_roles=ROLES)
    assert alone.ok, _text(alone)  # on its own a countersignature names whatever it names
    v = verify_with_record(counter, made["record"], trusted_roles=ROLES)
    assert not v.valid and not v.moderation.linked
    assert f"names the moderation record {other_sha}, not this record" in _text(v)


def test_only_the_reviewer_trusted_says_moderator_not_trusted(made):
    v = verify_report(made["counter"], trusted_roles={"reviewer": ROLES["reviewer"]})
    assert v.valid and not v.trusted
    assert any(r.startswith("Moderator not trusted") for r in v.reasons), v.reasons
    assert not any(r.startswith("Reviewer not trusted") for r in v.reasons)
    # the moderator's certificate on the list as a reviewer does not make it a trusted moderator
    v = verify_report(made["counter"], trusted_roles={"reviewer": ROLES["reviewer"] + ROLES["moderator"]})
    assert "is on the trust list as a reviewer, not as a moderator" in _text(v)
