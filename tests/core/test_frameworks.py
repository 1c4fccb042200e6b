"""Frameworks: the shipped two validate, a broken file is refused with its JSON path, workspace files are picked up."""

from __future__ import annotations

import json

import pytest

from caseview.core.errors import FrameworkError
from caseview.core.frameworks import builtin_dir, load_framework_file, load_registry, parse_framework


def test_shipped_frameworks_match_the_spec():
    reg = load_registry()
    cfa, ov = reg.get("case-file-audit", "1.0"), reg.get("outcome-verification", "1.0")
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


def test_shipped_frameworks_1_1_match_the_spec():
    reg = load_registry()
    assert reg.all_versions("case-file-audit") == ["1.0", "1.1"] and reg.all_versions("outcome-verification") == ["1.0", "1.1"]
    cfa, ov = reg.get("case-file-audit"), reg.get("outcome-verification")
    assert (cfa.version, ov.version) == ("1.1", "1.1")
    assert [q.id for q in cfa.questions_for("decision")] == [
        "timely", "informed", "child_voice", "proportionate", "oversight", "fathers", "identity_needs", "supervision",
        "judgement", "rationale", "escalate"]
    assert [q.id for q in cfa.case_questions] == ["overall", "difference_made", "strengths", "development", "themes",
                                                 "recommendations", "actions", "limitations", "declaration",
                                                 "declaration_note"]
    assert [q.id for q in ov.questions_for("outcome")] == ["threshold", "evidence_quality", "attributable",
                                                           "sustained", "payment", "recheck", "rationale", "concern"]
    assert [q.id for q in ov.questions_for("decision")] == ["timely", "child_voice", "oversight", "judgement",
                                                            "rationale", "escalate"]
    assert [q.id for q in ov.case_questions] == ["payment_summary", "limitations", "quality_note", "declaration",
                                                 "declaration_note"]
    by_id = {q.id: q for q in ov.questions_for("outcome")}
    assert by_id["threshold"].min_evidence == 1 and by_id["recheck"].type == "date"
    assert by_id["payment"].options == ("Pay", "Withhold", "Defer")
    recheck = by_id["recheck"]
    assert recheck.is_required({"payment": "Defer"}.get) and not recheck.is_required({"payment": "Pay"}.get)
    assert not recheck.is_required({}.get)
    actions = {q.id: q for q in cfa.case_questions}["actions"]
    assert actions.type == "actions"
    assert actions.is_required({"overall": 2}.get) and actions.is_required({"overall": 1}.get)
    assert not actions.is_required({"overall": 3}.get) and not actions.is_required({"overall": "2"}.get)


def test_a_bundle_gets_the_version_it_asks_for():
    reg = load_registry()
    assert reg.for_bundle("outcome-verification", "1.0", 1).version == "1.0"
    assert reg.for_bundle("outcome-verification", "1.1", 1).version == "1.1"
    assert reg.for_bundle("outcome-verification", None, 1).version == "1.1"
    assert reg.for_bundle("outcome-verification", None, 0).version == "1.0"  # a 1.0 bundle predates 1.1
    assert reg.for_bundle("outcome-verification", "9.9", 1).version == "1.1"  # not installed: the newest


@pytest.mark.parametrize("when, fault", [
    ({"question": "nope", "equals": "Defer"}, "required_when.question"),
    ({"question": "recheck", "equals": "Defer"}, "required_when.question"),  # itself
    ({"question": "payment", "equals": "Maybe"}, "required_when"),
    ({"question": "rationale", "equals": "x"}, "required_when.question"),  # a text cannot be a condition
    ({"question": "payment"}, "required_when"),
])
def test_a_bad_condition_is_refused_with_its_path(when, fault):
    src = json.loads((builtin_dir() / "outcome-verification-1.1.json").read_text(encoding="utf-8"))
    src["item_questions"]["outcome"][5]["required_when"] = when
    with pytest.raises(FrameworkError, match=rf"at item_questions\.outcome\[5\]\.{fault}\b"):
        parse_framework(json.dumps(src), "test.json")


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
