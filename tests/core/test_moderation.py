"""Moderation in the core: start (and what it refuses), the verdict rules, undoable commands, history, import/export."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest

from caseview.core.errors import ReviewError
from caseview.core.moderation import (ItemVerdict, PaymentChange, SetOverall, SetPayment, SetVerdict, apply,
                                     export_moderation, finish_moderation, history_rows, import_moderation,
                                     list_moderations, load_context, missing, read_state, start_moderation,
                                     verify_history)
from caseview.core.moderation.io import parse_moderation
from caseview.core.store import Workspace
from caseview.core.verify import verify_with_record
from tests.core import pdf_fixtures as F
from tests.core.moderation_fixtures import signed_case, verdicts, write_json


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    return signed_case(tmp_path_factory.mktemp("moderation"))


@pytest.fixture
def started(signed, tmp_path):
    """A fresh copy of the signed case's workspace with a moderation started on it."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(signed.root, root)
    with Workspace(root, backup=False) as ws:
        s = start_moderation(ws, signed.case_id, signed.report)
    return root, s


def _ws(root: Path) -> Workspace:
    return Workspace(root, backup=False)


def test_start_keeps_the_report_and_says_an_untrusted_reviewer(started, signed):
    root, s = started
    assert s.moderation_id.startswith("M") and s.case_reference == "TS-2026-0001"
    assert s.report_sha256 == hashlib.sha256(signed.report.read_bytes()).hexdigest()
    assert s.reviewer["signer"] == "Gwen Llŷr" and s.reviewer["trusted"] is False
    assert any("not trusted" in n for n in s.notices)
    with _ws(root) as ws:
        rows = list_moderations(ws)
        assert [r["moderation_id"] for r in rows] == [s.moderation_id] and rows[0]["missing"] == 3
        ctx = load_context(ws, s.moderation_id)
        assert ctx.framework.id == "case-file-audit" and ctx.framework.version == "1.0"  # a 1.0 report
        assert ctx.reviewer_judgement("K1") == 2 and ctx.reviewer_judgement("K2") == 3
        with pytest.raises(ReviewError, match="already being moderated"):
            start_moderation(ws, signed.case_id, signed.report)


def test_start_with_a_trusted_reviewer_says_nothing(signed, tmp_path):
    import shutil

    shutil.copytree(signed.root, tmp_path / "ws")
    with _ws(tmp_path / "ws") as ws:
        s = start_moderation(ws, signed.case_id, signed.report,
                             trusted_roles={"reviewer": [F.reviewer().certificate_der]})
        assert s.notices == () and s.reviewer["trusted"] is True


def test_start_refuses_another_bundle_naming_both_fingerprints(signed, tmp_path):
    other = signed_case(tmp_path / "other", bundle_id="urn:uuid:00000000-0000-4000-8000-0000000000ff")
    with _ws(signed.root) as ws:
        case = ws.case(signed.case_id)
        with pytest.raises(ReviewError) as err:
            start_moderation(ws, signed.case_id, other.report)
    text = str(err.value)
    with _ws(other.root) as ws2:
        other_fp = ws2.case(other.case_id).fingerprint
    assert "another bundle" in text and case.fingerprint in text and other_fp in text


def test_start_refuses_another_version_of_the_bundle(signed, tmp_path):
    # Same bundle id, different contents: a corrected version of the bundle.
    other = signed_case(tmp_path / "v2", reference="TS-2026-0001-v2")
    with _ws(signed.root) as ws:
        with pytest.raises(ReviewError, match="another version of this bundle"):
            start_moderation(ws, signed.case_id, other.report)


def test_start_refuses_an_invalid_or_countersigned_report(signed, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(F.flip_signed_byte(signed.report.read_bytes()))
    with _ws(signed.root) as ws:
        with pytest.raises(ReviewError, match="not a valid signed report"):
            start_moderation(ws, signed.case_id, bad)
        with pytest.raises(ReviewError, match="not a valid signed report"):
            start_moderation(ws, signed.case_id, tmp_path / "absent.pdf")
    from caseview.core.signing import countersign

    twice = tmp_path / "twice.pdf"
    countersign(signed.report, twice, identity=F.moderator())
    with _ws(signed.root) as ws:
        with pytest.raises(ReviewError, match="already countersigned"):
            start_moderation(ws, signed.case_id, twice)


def test_rules_and_completeness(started):
    root, s = started
    mid = s.moderation_id
    with _ws(root) as ws:
        ctx = load_context(ws, mid)

        def gaps():
            return [m.sentence() for m in missing(ctx, read_state(ws, mid))]

        assert gaps() == ["K1: no verdict yet", "K2: no verdict yet", "case: no overall verdict yet"]
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "disagree")), ctx=ctx)
        apply(ws, mid, SetVerdict(ItemVerdict("K2", "agree-with-changes")), ctx=ctx)
        apply(ws, mid, SetOverall("not-endorsed", ""), ctx=ctx)
        assert gaps() == ["K1: a disagreement needs the moderated judgement",
                          "K1: a comment is needed with disagree",
                          "K2: a comment is needed with agree with changes",
                          "case: a comment is needed with not endorsed"]
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "disagree", 2, "Same grade?")), ctx=ctx)
        assert "different from the reviewer's (2)" in gaps()[0]
        apply(ws, mid, SetVerdict(ItemVerdict("K2", "agree", 1)), ctx=ctx)
        assert "agreeing keeps the reviewer's judgement (3)" in gaps()[1]
        with pytest.raises(ReviewError, match="scale's values"):
            apply(ws, mid, SetVerdict(ItemVerdict("K1", "disagree", 7, "x")), ctx=ctx)
        with pytest.raises(ReviewError, match="must be one of"):
            apply(ws, mid, SetVerdict(ItemVerdict("K1", "maybe")), ctx=ctx)
        with pytest.raises(ReviewError, match="not in the case"):
            apply(ws, mid, SetVerdict(ItemVerdict("K9", "agree")), ctx=ctx)
        with pytest.raises(ReviewError, match="no payment recommendation"):
            apply(ws, mid, SetPayment("K1", PaymentChange("K1", "Pay")), ctx=ctx)
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "disagree", 1, "Inadequate: no plan.")), ctx=ctx)
        apply(ws, mid, SetVerdict(ItemVerdict("K2", "agree")), ctx=ctx)
        apply(ws, mid, SetOverall("endorsed", ""), ctx=ctx)
        assert gaps() == []
        data = export_moderation(ws, mid)
    assert data["agreement"] == {"items": 2, "agree": 1, "agree_with_changes": 0, "disagree": 1, "graded": 2,
                                 "exact": 0.5}
    assert [(i["reviewer_judgement"], i["moderated_judgement"]) for i in data["items"]] == [(2, 1), (3, 3)]


def test_commands_undo_through_their_inverses_and_history_is_chained(started):
    root, s = started
    mid = s.moderation_id
    with _ws(root) as ws:
        before = read_state(ws, mid)
        inv1 = apply(ws, mid, SetVerdict(ItemVerdict("K1", "disagree", 1, "Inadequate.")))
        inv2 = apply(ws, mid, SetOverall("endorsed-with-changes", "One regraded."))
        assert read_state(ws, mid).items["K1"].judgement == 1
        apply(ws, mid, inv2)
        apply(ws, mid, inv1)
        assert read_state(ws, mid) == before
        rows = history_rows(ws, mid)
        assert [r["summary"] for r in rows][1:] == ["K1 · verdict disagree", "case · overall endorsed-with-changes",
                                                    "case · overall cleared", "K1 · verdict cleared"]
        assert rows[0]["summary"].startswith("moderation started of the report signed by Gwen Llŷr")
        assert verify_history(ws, mid)[0]
        ws.conn.execute("UPDATE moderation_history SET summary = 'edited' WHERE moderation_id = ? AND seq = 2",
                        (mid,))
        ok, sentence = verify_history(ws, mid)
        assert not ok and "altered at entry 2" in sentence


def test_export_import_round_trip_ignores_the_agreement_block(started, tmp_path):
    root, s = started
    mid = s.moderation_id
    with _ws(root) as ws:
        data = verdicts(export_moderation(ws, mid), K1={"verdict": "disagree", "moderated_judgement": 1,
                                                        "comment": "No plan.",
                                                        "evidence": [{"document_id": "D1", "page": 2}]})
        data["case"].update(overall="endorsed-with-changes", comment="K1 regraded.")
        data["agreement"] = {"items": 99, "agree": 99}
        import_moderation(ws, mid, write_json(tmp_path / "m.json", data))
        again = export_moderation(ws, mid)
        assert again["agreement"]["items"] == 2 and again["agreement"]["exact"] == 0.5
        assert again["items"][0]["evidence"] == [{"document_id": "D1", "page": 2, "page_ref": "A2"}]
        assert again["items"][1]["moderated_judgement"] == 3  # agreeing: the reviewer's judgement stands
        import_moderation(ws, mid, write_json(tmp_path / "again.json", again))
        third = export_moderation(ws, mid)
        assert (third["items"], third["case"], third["agreement"]) == (again["items"], again["case"],
                                                                       again["agreement"])
        # a minimal file: only what the rules require
        minimal = {k: data[k] for k in ("format", "format_version", "report", "bundle")}
        minimal["items"] = [{"item_id": "K1", "verdict": "agree"}, {"item_id": "K2", "verdict": "agree"}]
        minimal["case"] = {"overall": "endorsed"}
        import_moderation(ws, mid, write_json(tmp_path / "min.json", minimal))
        assert missing(load_context(ws, mid), read_state(ws, mid)) == []


def _faults():
    def fmt(d): d["format"] = "caseview-findings"
    def report(d): d["report"]["sha256"] = "0" * 64
    def bundle(d): d["bundle"]["fingerprint"] = "f" * 64
    def item(d): d["items"][0]["item_id"] = "K9"
    def verdict(d): d["items"][0]["verdict"] = "perhaps"
    def no_verdict(d): del d["items"][0]["verdict"]
    def same(d): d["items"][0].update(verdict="disagree", moderated_judgement=2, comment="x")
    def no_grade(d): d["items"][0].update(verdict="disagree", moderated_judgement=None, comment="x")
    def no_comment(d): d["items"][1].update(verdict="agree-with-changes", comment=" ")
    def reviewer(d): d["items"][1]["reviewer_judgement"] = 4
    def overall(d): d["case"].update(overall="not-endorsed", comment="")
    def doc(d): d["items"][1]["evidence"] = [{"document_id": "D1", "page": 9}]
    return [(fmt, "format must be"), (report, "report.sha256"), (bundle, "bundle.fingerprint"),
            (item, "items[0].item_id"), (verdict, "verdict 'perhaps'"), (no_verdict, "items[0].verdict is missing"),
            (same, "items[0] (K1): a disagreement needs a moderated judgement different"),
            (no_grade, "items[0] (K1): a disagreement needs the moderated judgement"),
            (no_comment, "items[1] (K2): a comment is needed"), (reviewer, "items[1].reviewer_judgement 4"),
            (overall, "case: a comment is needed with not endorsed"), (doc, "items[1].evidence[0] names page 9")]


@pytest.mark.parametrize("mutate,words", _faults(), ids=lambda x: getattr(x, "__name__", ""))
def test_import_is_refused_whole_naming_the_first_fault(started, tmp_path, mutate, words):
    root, s = started
    mid = s.moderation_id
    with _ws(root) as ws:
        good = verdicts(export_moderation(ws, mid))
        good["case"]["overall"] = "endorsed"
        before = read_state(ws, mid)
        bad = copy.deepcopy(good)
        mutate(bad)
        with pytest.raises(ReviewError) as err:
            import_moderation(ws, mid, write_json(tmp_path / "bad.json", bad))
        assert words in str(err.value) and str(err.value).startswith("bad.json: ")
        assert read_state(ws, mid) == before


def test_finish_refuses_incomplete_and_the_reviewer_then_writes_both_and_locks(started, tmp_path):
    root, s = started
    mid = s.moderation_id
    record, counter = tmp_path / "record.pdf", tmp_path / "R-moderated.pdf"
    with _ws(root) as ws:
        with pytest.raises(ReviewError, match="not complete"):
            finish_moderation(ws, mid, record, counter, identity=F.moderator())
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "agree")))
        apply(ws, mid, SetVerdict(ItemVerdict("K2", "disagree", 4, "Better than the reviewer thought.")))
        apply(ws, mid, SetOverall("endorsed-with-changes", "K2 regraded upwards."))
        from caseview.core.errors import SigningError

        with pytest.raises(SigningError, match="someone other than the reviewer"):
            finish_moderation(ws, mid, record, counter, identity=F.reviewer())
        with pytest.raises(SigningError, match="does not exist"):
            finish_moderation(ws, mid, tmp_path / "nowhere" / "r.pdf", counter, identity=F.moderator())
        assert [p.name for p in tmp_path.iterdir()] == ["ws"]
        done = finish_moderation(ws, mid, record, counter, identity=F.moderator())
        assert done.reason.startswith("Moderated: endorsed with changes; 1 of 2 items agreed. Moderation record "
                                      "SHA-256 ")
        with pytest.raises(ReviewError, match="read-only"):
            apply(ws, mid, SetOverall("endorsed", ""))
        with pytest.raises(ReviewError, match="already been countersigned"):
            finish_moderation(ws, mid, record, counter, identity=F.moderator())
        assert history_rows(ws, mid)[-1]["summary"].startswith("countersigned by Marek Żółkiewski")
        assert verify_history(ws, mid)[0]
    roles = {"reviewer": [F.reviewer().certificate_der], "moderator": [F.moderator().certificate_der]}
    v = verify_with_record(counter, record, trusted_roles=roles)
    assert v.ok, v.reasons
    assert v.moderation.linked and v.moderation.overall == "endorsed-with-changes"
    assert v.moderation.agreement["exact"] == 0.5
    assert [s.role for s in v.signatures] == ["reviewer", "moderator"]


def test_nothing_is_left_when_the_second_file_cannot_be_written(started, tmp_path, monkeypatch):
    root, s = started
    mid = s.moderation_id
    with _ws(root) as ws:
        apply(ws, mid, SetVerdict(ItemVerdict("K1", "agree")))
        apply(ws, mid, SetVerdict(ItemVerdict("K2", "agree")))
        apply(ws, mid, SetOverall("endorsed", ""))
        from caseview.core.moderation import finish as finish_module

        real = finish_module.write_atomically
        calls = []

        def failing(path, data, **kw):
            calls.append(path)
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
            return real(path, data, **kw)

        monkeypatch.setattr(finish_module, "write_atomically", failing)
        out = tmp_path / "out"
        out.mkdir()
        from caseview.core.errors import SigningError

        with pytest.raises(SigningError, match="neither was kept"):
            finish_moderation(ws, mid, out / "record.pdf", out / "R-moderated.pdf", identity=F.moderator())
        assert list(out.iterdir()) == []
        assert load_context(ws, mid).status == "open"


def test_parse_needs_an_object(started):
    root, s = started
    with _ws(root) as ws:
        with pytest.raises(ReviewError, match="must be an object"):
            parse_moderation([], load_context(ws, s.moderation_id))


def test_the_moderation_core_is_light_and_speaks_the_verifiers_words():
    """The app imports the moderation core at start-up: pyHanko, reportlab and the verifier come when first used."""
    import subprocess
    import sys

    from caseview.core.moderation import model
    from caseview.core.verify import record

    assert (model.VERDICTS, model.OVERALLS, model.FORMAT) == (record.VERDICTS, record.OVERALLS, record.FORMAT)
    code = ("import sys, caseview.core.moderation; print(sorted({m.split('.')[0] if not m.startswith('caseview') "
            "else m for m in sys.modules if m.startswith(('pyhanko', 'reportlab', 'caseview.core.verify', "
            "'caseview.core.signing', 'caseview.core.report'))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
