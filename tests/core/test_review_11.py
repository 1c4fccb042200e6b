"""Framework shape 1.1 answers: a date, a table of actions, and questions required only when they apply."""

from __future__ import annotations

import pytest

from caseview.core.errors import ReviewError
from caseview.core.frameworks import load_registry
from caseview.core.review import check_value

OV = load_registry().get("outcome-verification", "1.1")
CFA = load_registry().get("case-file-audit", "1.1")
RECHECK = {q.id: q for q in OV.questions_for("outcome")}["recheck"]
ACTIONS = {q.id: q for q in CFA.case_questions}["actions"]


@pytest.mark.parametrize("value", ["2027-04-02", "2028-02-29"])
def test_a_date_is_an_iso_calendar_date(value):
    check_value(RECHECK, value, OV, "O3 recheck")


@pytest.mark.parametrize("value", ["2027-02-29", "02/04/2027", "2027-4-2", 20270402, None, "2027-04-02T00:00:00"])
def test_anything_else_is_not_a_date(value):
    with pytest.raises(ReviewError, match="must be a date written 2027-04-02"):
        check_value(RECHECK, value, OV, "O3 recheck")


def test_actions_are_rows_of_action_owner_and_due():
    check_value(ACTIONS, [], CFA, "case actions")
    check_value(ACTIONS, [{"action": "Convene a review conference", "owner_role": "Team manager", "due": "2027-01-15"},
                          {"action": "Record the child's views", "owner_role": "", "due": ""}], CFA, "case actions")


@pytest.mark.parametrize("value, words", [
    ({"action": "x"}, "must be a list"),
    ([{"action": "x", "owner_role": "y"}], "action 1"),
    ([{"action": "x", "owner_role": "y", "due": "", "extra": 1}], "action 1"),
    ([{"action": "x", "owner_role": "y", "due": ""}, {"action": 3, "owner_role": "y", "due": ""}], "action 2"),
    ([{"action": "x", "owner_role": "y", "due": "next week"}], "due date"),
])
def test_bad_actions_are_refused_naming_the_row(value, words):
    with pytest.raises(ReviewError, match=words):
        check_value(ACTIONS, value, CFA, "case actions")


def test_a_raised_flag_can_be_a_condition():
    from dataclasses import replace
    q = replace(RECHECK, required_when=("concern", (True,)))
    assert q.is_required({"concern": {"raised": True, "note": "x"}}.get)
    assert not q.is_required({"concern": {"raised": False, "note": ""}}.get)
