"""Frameworks: the shipped two validate, a broken file is refused with its JSON path, workspace files are picked up."""

from __future__ import annotations

import json

import pytest

from caseview.core.errors import FrameworkError
from caseview.core.frameworks import builtin_dir, load_framework_file, load_registry, parse_framework


def test_shipped_frameworks_match_the_spec():
    reg = load_registry()
    cfa, ov = reg.get("case-file-audit"), reg.get("outcome-verification")
    assert [q.id for q in cfa.questions_for("decision")] == ["timely", "informed", "child_voice", "proportionate",
                                                             "oversight", "judgement", "rationale", "escalate"]
    assert [q.id for q in cfa.case_questions] == ["overall", "strengths", "development", "themes", "recommendations"]
    assert [lv.label for lv in cfa.scale("judgement")] == ["Outstanding", "Good", "Requires improvement to be good",
                                                            "Inadequate"]
    assert [q.id for q in ov.questions_for("outcome")] == ["evidenced", "attributable", "sustained", "rationale",
                                                           "concern"]
    assert [q.id for q in ov.questions_for("decision")] == ["judgement", "rationale", "escalate"]
    assert [q.id for q in ov.case_questions] == ["payment", "payment_rationale", "quality_note"]
    assert not cfa.covers("outcome") and ov.covers("outcome")
    assert {q.id: q.min_evidence for q in ov.questions_for("outcome")}["evidenced"] == 1


def _source():
    return json.loads((builtin_dir() / "case-file-audit.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, path", [
    (lambda f: f["item_questions"]["decision"][5].update(scale="nope"), "item_questions.decision[5].scale"),
    (lambda f: f["item_questions"]["decision"][0].pop("text"), "item_questions.decision[0].text"),
    (lambda f: f["case_questions"][0].update(type="slider"), "case_questions[0].type"),
    (lambda f: f["item_questions"]["decision"].append(dict(f["item_questions"]["decision"][0])),
     "item_questions.decision[8].id"),
])
def test_broken_framework_is_refused_whole(mutate, path):
    fw = _source()
    mutate(fw)
    with pytest.raises(FrameworkError) as err:
        parse_framework(json.dumps(fw), "custom.json")
    assert path in str(err.value) and "not loaded" in str(err.value)


def test_workspace_framework_is_picked_up_and_bad_ones_reported(tmp_path):
    fw = _source()
    fw["id"], fw["title"] = "council-audit", "Council audit"
    (tmp_path / "council.json").write_text(json.dumps(fw), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    reg = load_registry([tmp_path])
    assert reg.get("council-audit").title == "Council audit"
    assert len(reg.problems) == 1 and "broken.json" in reg.problems[0]
    with pytest.raises(FrameworkError):
        load_framework_file(tmp_path / "broken.json")
