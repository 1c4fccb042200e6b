"""Timeliness in the findings JSON (computed, never trusted from a file) and in the report's own section."""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
import pytest

from caseview.core.finalise import produce_report
from caseview.core.findings import export_findings, import_findings, write_findings
from caseview.core.store import Workspace
from caseview.paths import resource
from tests.factory import import_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeliness") / "ws"
    case_id = import_demo(root)
    return root, case_id


def _missed(block: dict) -> list[tuple[str, str, str]]:
    return [(r["rule"], r["from_event"], r["to_event"]) for r in block["results"] if r["status"] == "missed"]


def test_the_findings_carry_the_computed_timeliness(demo):
    root, case_id = demo
    with Workspace(root, backup=False) as ws:
        block = export_findings(ws, case_id)["timeliness"]
    assert block["rule_set"] == {"id": "england-2023", "version": "1.0"}
    assert block["as_of"] == "2026-10-19"  # the bundle's period end
    assert _missed(block) == [("icpc-after-strategy", "E03", "E09")]
    row = next(r for r in block["results"] if r["rule"] == "icpc-after-strategy")
    assert set(row) == {"rule", "subject", "from_event", "to_event", "due", "actual", "elapsed", "status", "note"}
    assert (row["due"], row["actual"], row["elapsed"], row["note"]) == ("2026-02-04", "2026-02-06", 17,
                                                                         "2 working days late")


def test_an_imported_files_timeliness_is_never_trusted(demo, tmp_path):
    root, case_id = demo
    findings = json.loads(resource("demo", "demo-findings.json").read_text(encoding="utf-8"))
    findings["timeliness"] = {"rule_set": {"id": "england-2023", "version": "1.0"}, "as_of": "2026-10-19",
                              "results": [{"rule": "icpc-after-strategy", "status": "met"}]}
    path = tmp_path / "forged.json"
    write_findings(findings, path)
    with Workspace(root, backup=False) as ws:
        import_findings(ws, case_id, path)
        again = export_findings(ws, case_id)["timeliness"]
    assert _missed(again) == [("icpc-after-strategy", "E03", "E09")]
    assert len(again["results"]) == 7


def test_the_report_has_a_timeliness_section_after_the_summary(demo, tmp_path):
    root, case_id = demo
    out = tmp_path / "draft.pdf"
    with Workspace(root, backup=False) as ws:
        produce_report(ws, case_id, out, identity=None)
    doc = pdfium.PdfDocument(out.read_bytes())
    try:
        pages = [re.sub(r"\s+", " ", doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    finally:
        doc.close()
    first = lambda words: next(i for i, t in enumerate(pages) if words in t)  # noqa: E731
    assert first("Summary") < first("Timeliness Computed by CaseView") < first("Findings by item")
    text = " ".join(pages[first("Timeliness Computed by CaseView"):first("Findings by item")])
    assert "7 timescales: 1 missed, 5 met, 1 no longer applies." in text
    assert "england-2023" in text and "version 1.0" in text
    assert re.search(r"E03 · 14 January 2026 · Strategy discussion.*4 February 2026.*E09 · 6 February 2026.*"
                     r"17 working days Missed 2 working days late", text)
    assert "Working Together to Safeguard Children 2023, chapter 3" in text  # the sources, in the note
    assert "not proof that it did not happen" in text


def test_a_chronology_without_types_gives_no_timescales_and_says_why(tmp_path):
    from caseview.core.timeliness_view import case_timeliness, default_rules, report_section, why_none

    rules = default_rules()
    untyped = [("E1", None, "2026-01-12"), ("E2", None, "2026-01-14")]
    assert why_none(untyped, rules).startswith("No timescale can be computed: none of the chronology's 2 events "
                                               "has a type")
    assert why_none([], rules) == "No timescale can be computed: the bundle's chronology is empty."
    unused = [("E1", "home_visit", "2026-01-12")]
    assert "none of the chronology's 1 typed event starts a timescale" in why_none(unused, rules)
    assert case_timeliness(untyped).results == ()  # never an error

    class Bare:
        chronology = ()
    section = report_section(Bare(), case_timeliness(Bare()), rules)
    assert section.rows == () and section.why_none.endswith("chronology is empty.")
