"""collect: every kind of file gets its status and reason, totals to the penny, incremental runs, wrong -o refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from caseview.core.collect import CollectError, collect
from caseview.core.trust import TrustRoles
from tests.core import collect_fixtures as C


def _rows(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("collect")
    C.write_collection(root / "in")
    result = collect([root / "in"], root / "evidence.sqlite", trust=C.trust())
    return root, result


def _status(db: Path) -> dict[str, tuple[str, str]]:
    rows = _rows(db, "SELECT name, status, reason FROM files UNION ALL SELECT c.name, 'duplicate', "
                     "'same bytes as ' || f.name FROM copies c JOIN files f ON f.sha256 = c.sha256")
    return {Path(n).name: (s, r) for n, s, r in rows}


def test_every_kind_of_file_gets_its_status_and_reason(collected):
    root, result = collected
    got = _status(root / "evidence.sqlite")
    expected = {
        "counted.pdf": ("accepted", "valid; every signer trusted"),
        "untrusted.pdf": ("untrusted", "Sam Stranger"),
        "one-byte.pdf": ("rejected", "signed content was changed"),
        "info-edit.pdf": ("rejected", "edits the document information (Title)"),
        "earlier.pdf": ("superseded", "later.pdf (completed 1 December 2026)"),
        "later.pdf": ("accepted", "valid"),
        "copy-of-counted.pdf": ("duplicate", "counted.pdf"),
        "moderated-original.pdf": ("duplicate", "countersigned version"),
        "moderated-countersigned.pdf": ("accepted", "Gwen Llŷr, Marek Żółkiewski"),
        "record-f.pdf": ("accepted", "Paired with"),
        "record-unpaired.pdf": ("accepted", "Unpaired: the report it moderates is not in the collection; counted "
                                            "only in the agreement figures."),
        "letter.pdf": ("not-a-report", "without CaseView findings"),
        "notes.pdf": ("not-a-report", "Not a PDF file."),
    }
    assert set(got) == set(expected)  # nothing dropped silently
    for name, (status, words) in expected.items():
        assert got[name][0] == status, (name, got[name])
        assert words in got[name][1], (name, got[name])
    assert result.counts == {"accepted": 5, "untrusted": 1, "rejected": 2, "superseded": 1, "duplicate": 2,
                             "not-a-report": 2}
    assert result.new_files == 13
    assert "moderated-countersigned.pdf" in got["record-f.pdf"][1]
    assert {Path(n.name).name for n in result.not_counted} == set(expected) - {
        "counted.pdf", "later.pdf", "moderated-countersigned.pdf", "record-f.pdf", "record-unpaired.pdf"}


def test_totals_to_the_penny(collected):
    root, _ = collected
    db = root / "evidence.sqlite"
    counted = _rows(db, "SELECT case_reference, claimed_pence, recommended_pence, withheld_pence, deferred_pence, "
                        "undecided_pence, issuer FROM reports WHERE counted = 1 ORDER BY case_reference")
    assert counted == [("NS-A", 325050, 150000, 75050, 100000, 0, "Northshire Council"),
                       ("NS-E", 50100, 50100, 0, 0, 0, "Northshire Council"),
                       ("NS-F", 325050, 150000, 75050, 100000, 0, "Northshire Council")]
    (totals,) = _rows(db, "SELECT sum(claimed_pence), sum(recommended_pence), sum(withheld_pence), "
                          "sum(deferred_pence) FROM v_payments_by_provider")
    assert totals == (700200, 350100, 150100, 200000)  # £7,002.00 = £3,501.00 + £1,501.00 + £2,000.00
    assert sum(totals[1:]) == totals[0]
    by_provider = _rows(db, "SELECT provider, claimed_pence, recommended_pence FROM v_payments_by_provider")
    assert by_provider == [("Brightpath Ltd", 650100, 300000), ("Second Chance CIC", 50100, 50100)]
    types = _rows(db, "SELECT DISTINCT typeof(claimed_pence) FROM items WHERE claimed_pence IS NOT NULL")
    assert types == [("integer",)]  # money is never a float


def test_items_answers_evidence_timeliness_and_views(collected):
    root, _ = collected
    db = root / "evidence.sqlite"
    sha = _rows(db, "SELECT sha256 FROM files WHERE name LIKE '%counted.pdf' AND name NOT LIKE '%copy%'")[0][0]
    items = _rows(db, "SELECT item_id, kind, title, judgement_value, judgement_label, payment, recheck, claimed_pence "
                      "FROM items WHERE report = ? ORDER BY position", sha)
    assert items == [("K1", "decision", "Strategy discussion", 3, "Good", None, None, None),
                     ("O1", "outcome", "Outcome 1", None, None, "Pay", None, 150000),
                     ("O2", "outcome", "Outcome 2", None, None, "Defer", "2027-04-02", 100000),
                     ("O3", "outcome", "Outcome 3", None, None, "Withhold", None, 75050)]
    assert _rows(db, "SELECT value FROM answers WHERE report = ? AND item_id = 'K1' AND question = 'judgement'",
                 sha) == [("3",)]
    assert _rows(db, "SELECT value FROM answers WHERE report = ? AND item_id IS NULL", sha) == [('"None."',)]
    assert _rows(db, "SELECT page_ref, quote FROM evidence WHERE report = ?", sha) == [("B1", "visited on 3 May")]
    assert _rows(db, "SELECT rule, status, elapsed FROM timeliness WHERE report = ? ORDER BY rule", sha) == [
        ("rule-1", "met", 3), ("rule-2", "missed", 3)]
    assert _rows(db, "SELECT rule, instances, met, missed, met_rate FROM v_timeliness_by_rule") == [
        ("rule-1", 3, 3, 0, 1.0), ("rule-2", 3, 0, 3, 0.0)]
    assert _rows(db, "SELECT judgement_value, items FROM v_judgements_by_item_kind") == [(4, 1), (3, 2)]


def test_moderation_pairs_with_the_countersigned_report(collected):
    root, _ = collected
    db = root / "evidence.sqlite"
    (row,) = _rows(db, "SELECT f.name, r.moderation_overall, r.moderated_by FROM reports r JOIN files f "
                       "ON f.sha256 = r.sha256 WHERE r.kind = 'report' AND r.moderation_overall IS NOT NULL")
    assert row[0].endswith("moderated-countersigned.pdf") and row[1:] == ("endorsed-with-changes", "Marek Żółkiewski")
    assert _rows(db, "SELECT i.item_id, i.moderation_verdict, i.moderated_value FROM items i JOIN reports r "
                     "ON r.sha256 = i.report WHERE r.moderation_overall IS NOT NULL AND i.moderation_verdict "
                     "IS NOT NULL ORDER BY 1") == [("K1", "disagree", "2"), ("O1", "agree", None)]
    mods = _rows(db, "SELECT case_reference, paired_with IS NOT NULL, counted FROM moderations ORDER BY 1")
    assert mods == [("NS-F", 1, 1), ("NS-G", 0, 1)]
    agreement = dict((q, (n, exact)) for q, n, exact in _rows(db, "SELECT question, n, exact FROM v_agreement"))
    assert agreement == {"judgement": (2, 0.5), "threshold": (2, 1.0)}


def test_rerun_adds_only_new_files(collected, tmp_path):
    root, _ = collected
    db = tmp_path / "evidence.sqlite"
    shutil.copy(root / "evidence.sqlite", db)
    again = collect([root / "in"], db, trust=C.trust())
    assert again.new_files == 0 and again.counts == collect([root / "in"], db, trust=C.trust()).counts
    extra = tmp_path / "extra"
    extra.mkdir()
    C.signed_report(extra / "new.pdf", bundle_id="urn:uuid:h", reference="NS-H")
    shutil.copy(root / "in" / "counted.pdf", extra / "another-copy.pdf")
    third = collect([root / "in", extra], db, trust=C.trust())
    assert third.new_files == 2  # the new report, and a new name for bytes already collected
    assert third.counts["accepted"] == 6 and third.counts["duplicate"] == 3
    runs = _rows(db, "SELECT new_files, accepted FROM runs ORDER BY id")
    assert runs == [(13, 5), (0, 5), (0, 5), (2, 6)]


def test_recheck_and_include_untrusted(collected, tmp_path):
    root, _ = collected
    db = tmp_path / "evidence.sqlite"
    shutil.copy(root / "evidence.sqlite", db)
    r = collect([root / "in"], db, trust=C.trust(), include_untrusted=True)
    assert r.new_files == 0
    assert _rows(db, "SELECT counted FROM reports r JOIN files f ON f.sha256 = r.sha256 "
                     "WHERE f.name LIKE '%untrusted.pdf'") == [(1,)]
    # nobody trusted any more: re-verified with --recheck, the accepted become untrusted, and nothing counts
    r = collect([root / "in"], db, trust=TrustRoles(), recheck=True)
    assert r.counts["accepted"] == 0 and r.counts["untrusted"] >= 6
    assert _rows(db, "SELECT count(*) FROM reports WHERE counted = 1") == [(0,)]


def test_a_file_that_is_not_an_evidence_base_is_refused_and_left_alone(collected, tmp_path):
    root, _ = collected
    text = tmp_path / "notes.sqlite"
    text.write_bytes(b"my notes\n")
    with pytest.raises(CollectError, match="not a CaseView evidence base"):
        collect([root / "in" / "counted.pdf"], text, trust=C.trust())
    assert text.read_bytes() == b"my notes\n"
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE cases (id TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(CollectError, match="SQLite database but not a CaseView evidence base"):
        collect([root / "in" / "counted.pdf"], other, trust=C.trust())
    assert other.read_bytes() == before
    with pytest.raises(CollectError, match="does not exist"):
        collect([tmp_path / "missing"], tmp_path / "e.sqlite")
    assert not (tmp_path / "e.sqlite").exists()


def test_schema_is_versioned_with_named_migrations(collected):
    root, _ = collected
    db = root / "evidence.sqlite"
    assert _rows(db, "SELECT key, value FROM evidence_base ORDER BY key") == [
        ("format", "caseview-evidence-base"), ("schema_version", "1")]
    assert _rows(db, "SELECT migration_set, name FROM _sqlite_migrations") == [
        ("caseview-evidence", "0001_evidence_base")]


def test_two_worker_processes_give_the_same_evidence(collected, tmp_path):
    root, first = collected
    r = collect([root / "in"], tmp_path / "e.sqlite", trust=C.trust(), jobs=2)
    assert r.counts == first.counts
    q = "SELECT name, status FROM files ORDER BY sha256"
    assert [(Path(n).name, s) for n, s in _rows(tmp_path / "e.sqlite", q)] == [
        (Path(n).name, s) for n, s in _rows(root / "evidence.sqlite", q)]


def test_summary_pdf_names_the_evidence_base_and_carries_the_figures(collected, tmp_path):
    import re

    import pypdfium2 as pdfium

    from caseview.core.collect.summary import file_sha256, write_summary

    root, _ = collected
    db = tmp_path / "evidence.sqlite"
    shutil.copy(root / "evidence.sqlite", db)
    out = write_summary(db, tmp_path / "summary.pdf")
    doc = pdfium.PdfDocument(out.read_bytes())
    try:
        text = " ".join(re.sub(r"\s+", " ", doc[i].get_textpage().get_text_range()) for i in range(len(doc)))
    finally:
        doc.close()
    assert file_sha256(db) in text.replace(" ", "") or file_sha256(db)[:32] in text.replace(" ", "")
    for words in ("1. What was collected", "2. Outcome claims", "3. Practice judgements", "4. Timeliness",
                  "5. Moderation", "6. Over time", "Total (GBP) 9 £7,002.00 £3,501.00 £1,501.00 £2,000.00",
                  "notes.pdf not-a-report Not a PDF file.", "NS-F K1 3 2", "Nov 2026"):
        assert words in text, words


def test_a_report_claiming_in_two_currencies_has_no_single_total():
    from caseview.core.collect.facts import _money

    items = [{"id": "K1", "kind": "outcome", "title": "a", "claim": {"reference": "C1", "amount": "100.00",
                                                                     "currency": "GBP"}},
             {"id": "K2", "kind": "outcome", "title": "b", "claim": {"reference": "C2", "amount": "50.00",
                                                                     "currency": "EUR"}}]
    assert _money(items, {"items": {}})["claimed_pence"] is None  # not 150.00 of nothing in particular
    assert _money(items[:1], {"items": {}}) | {"undecided_pence": 0} == {
        "currency": "GBP", "claimed_pence": 10000, "recommended_pence": 0, "withheld_pence": 0,
        "deferred_pence": 0, "undecided_pence": 0}
