"""Timeliness: working days against England and Wales bank holidays, months, repeats, subjects, and rule-set files."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseview.core.errors import FrameworkError
from caseview.core.manifest import Event, Period
from caseview.core.timeliness import (
    MET,
    MISSED,
    NOT_APPLICABLE,
    NOT_EVIDENCED,
    NOT_YET_DUE,
    TimedEvent,
    add_months,
    add_working_days,
    compute,
    day_note,
    events_from,
    months_between,
    working_calendar,
    working_days_between,
)
from caseview.core.timescales import (
    load_rule_set,
    load_rule_set_file,
    load_rule_sets,
    parse_rule_set,
)

ENGLAND = load_rule_set()


def rule_set(*rules: dict, **top) -> object:
    """A one-off rule set from rule dicts, each needing only from/to/limit."""
    full = [{"id": f"r{i}", "title": "t", "source": "s", **r} for i, r in enumerate(rules)]
    return parse_rule_set(json.dumps({"id": "test", "version": "1.0", "title": "Test", "rules": full, **top}),
                          "test.json")


def only(result_set, rule: str | None = None):
    rows = [r for r in result_set.results if rule is None or r.rule == rule]
    assert len(rows) == 1, rows
    return rows[0]


# --- the shipped rule sets ---------------------------------------------------------------------------------

def test_shipped_rule_sets_match_the_spec():
    sets = load_rule_sets()
    assert (ENGLAND.id, ENGLAND.version) == ("england-2023", "1.0")
    assert [r.id for r in ENGLAND.rules] == ["referral-decision", "assessment-45", "icpc-after-strategy",
                                             "core-group-10", "rcpc-first", "cla-review-first"]
    limits = {r.id: (r.from_type, r.to_type, r.limit.describe(), tuple(x.describe() for x in r.repeat), r.until)
              for r in ENGLAND.rules}
    assert limits["referral-decision"] == ("referral", "referral_decision", "1 working day", (), ())
    assert limits["assessment-45"][2] == "45 working days"
    assert limits["icpc-after-strategy"][:3] == ("strategy_discussion", "icpc", "15 working days")
    assert limits["core-group-10"][:3] == ("icpc", "core_group", "10 working days")
    assert limits["rcpc-first"] == ("icpc", "rcpc", "3 months", ("6 months",), ("cp_plan_ended", "case_closed"))
    assert limits["cla-review-first"] == ("became_looked_after", "cla_review", "20 working days",
                                          ("3 months", "6 months"), ("case_closed",))
    assert any("regulation 33" in s for s in ENGLAND.sources)
    assert all("Working Together to Safeguard Children 2023" in ENGLAND.rule(i).source
               for i in ("referral-decision", "assessment-45", "icpc-after-strategy", "core-group-10", "rcpc-first"))
    local = sets["local-example"]
    assert [(r.from_type, r.to_type, r.limit.describe(), r.repeat[0].describe(), r.until) for r in local.rules] == [
        ("icpc", "statutory_visit", "10 working days", "10 working days", ("cp_plan_ended", "case_closed")),
        ("core_group", "core_group", "42 days", "42 days", ("cp_plan_ended", "case_closed"))]


def test_the_demo_story_gives_the_late_conference():
    events = [("E1", "referral", "2026-01-12"), ("E2", "referral_decision", "2026-01-12"),
              ("E3", "strategy_discussion", "2026-01-14"), ("E4", "s47_enquiry_started", "2026-01-14"),
              ("E5", "icpc", "2026-02-06")]
    row = only(compute(events, ENGLAND), "icpc-after-strategy")
    assert (row.from_event, row.to_event, row.due, row.elapsed, row.status) == (
        "E3", "E5", date(2026, 2, 4), 17, MISSED)
    assert row.note == "2 working days late"


# --- each status ---------------------------------------------------------------------------------------------

def test_met_same_day_and_on_the_due_date():
    same = only(compute([("R", "referral", "2026-03-02"), ("D", "referral_decision", "2026-03-02")], ENGLAND),
                "referral-decision")
    assert (same.status, same.due, same.actual, same.elapsed, same.note) == (
        MET, date(2026, 3, 3), date(2026, 3, 2), 0, "")
    on_due = only(compute([("R", "referral", "2026-03-06"), ("D", "referral_decision", "2026-03-09")], ENGLAND),
                  "referral-decision")  # Friday to Monday is 1 working day
    assert (on_due.status, on_due.elapsed) == (MET, 1)


def test_missed_says_by_how_much():
    row = only(compute([("R", "referral", "2026-03-02"), ("D", "referral_decision", "2026-03-05")], ENGLAND),
               "referral-decision")
    assert (row.status, row.elapsed, row.note) == (MISSED, 3, "2 working days late")
    months = rule_set({"from": "a", "to": "b", "limit": {"months": 1}})
    row = only(compute([("A", "a", "2025-01-31"), ("B", "b", "2025-03-03")], months))
    assert (row.due, row.status, row.note, row.elapsed, row.unit) == (date(2025, 2, 28), MISSED, "3 days late", 1,
                                                                      "months")


def test_late_only_by_a_weekend_is_said_in_days():
    row = only(compute([("R", "referral", "2026-03-05"), ("D", "referral_decision", "2026-03-07")], ENGLAND),
               "referral-decision")  # due Friday 6 March, held Saturday
    assert row.status == MISSED and row.note == "1 day late; held on a Saturday"


def test_not_evidenced_and_not_yet_due_depend_on_the_as_of_date():
    events = [("R", "referral", "2026-03-02")]
    row = only(compute(events, ENGLAND, as_of=date(2026, 3, 4)), "referral-decision")
    assert (row.status, row.to_event, row.actual, row.note, row.elapsed) == (
        NOT_EVIDENCED, None, None, "not evidenced in the bundle", 2)
    assert only(compute(events, ENGLAND, as_of=date(2026, 3, 3)), "referral-decision").status == NOT_YET_DUE
    assessment = only(compute(events, ENGLAND, as_of=date(2026, 3, 4)), "assessment-45")
    assert (assessment.status, assessment.due, assessment.note) == (NOT_YET_DUE, date(2026, 5, 7), "")  # Easter and 4 May skipped


def test_not_applicable_when_the_duty_ended_first():
    events = [("I", "icpc", "2026-02-06"), ("X", "cp_plan_ended", "2026-03-20")]
    row = only(compute(events, ENGLAND, as_of=date(2026, 9, 1)), "rcpc-first")
    assert (row.status, row.due, row.to_event) == (NOT_APPLICABLE, date(2026, 5, 6), None)
    assert row.note == "the duty ended on 20 March 2026 (X, cp plan ended), before it was due"
    late_end = [("I", "icpc", "2026-02-06"), ("X", "cp_plan_ended", "2026-06-01")]
    assert only(compute(late_end, ENGLAND), "rcpc-first").status == NOT_EVIDENCED


# --- bank holidays and weekends -----------------------------------------------------------------------------

def test_early_may_bank_holiday_is_not_a_working_day_and_is_named():
    cal = working_calendar()
    assert add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 1)
    assert add_working_days(date(2026, 4, 30), 2) == date(2026, 5, 5)  # Monday 4 May skipped
    assert working_days_between(date(2026, 5, 1), date(2026, 5, 5)) == 1
    assert day_note(date(2026, 5, 4), cal) == "held on a bank holiday (Early May bank holiday)"
    row = compute([("I", "icpc", "2026-02-06"), ("R", "rcpc", "2026-05-04")], ENGLAND).results[-2]
    assert (row.rule, row.to_event) == ("rcpc-first", "R") and row.status == MET and row.note == "held on a bank holiday (Early May bank holiday)"


def test_christmas_2026_and_the_substitute_boxing_day():
    # 25 December 2026 is a Friday; Boxing Day falls on the Saturday, so Monday 28 is the bank holiday.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3
    assert day_note(date(2026, 12, 25)) == "held on a bank holiday (Christmas Day)"
    assert day_note(date(2026, 12, 26)) == "held on a Saturday"
    assert day_note(date(2026, 12, 28)) == "held on a bank holiday (Boxing Day, substitute day)"
    assert day_note(date(2026, 12, 29)) is None
    row = only(compute([("R", "referral", "2026-12-24"), ("D", "referral_decision", "2026-12-29")], ENGLAND),
               "referral-decision")
    assert (row.due, row.status, row.elapsed) == (date(2026, 12, 29), MET, 1)


def test_a_start_on_a_weekend_is_day_zero_and_noted():
    events = [("S", "strategy_discussion", "2026-01-17"), ("I", "icpc", "2026-02-06")]
    row = only(compute(events, ENGLAND), "icpc-after-strategy")
    assert row.due == date(2026, 2, 6) and row.status == MET
    assert row.note == "strategy discussion held on a Saturday"


def test_another_calendar_can_be_named():
    scotland = rule_set({"from": "a", "to": "b", "limit": {"working_days": 1}},
                        calendar={"country": "GB", "subdiv": "SCT"})
    row = only(compute([("A", "a", "2026-01-01"), ("B", "b", "2026-01-05")], scotland))
    assert row.due == date(2026, 1, 5)  # 2 January is a bank holiday in Scotland, not in England
    assert only(compute([("A", "a", "2026-01-01"), ("B", "b", "2026-01-05")],
                        rule_set({"from": "a", "to": "b", "limit": {"working_days": 1}}))).due == date(2026, 1, 2)


# --- months ----------------------------------------------------------------------------------------------------

def test_month_arithmetic_clamps_to_the_last_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 1, 31), date(2026, 2, 27)) == 0


# --- repeat, until, pairing -------------------------------------------------------------------------------------

def test_review_conferences_repeat_until_the_plan_ends():
    events = [("I", "icpc", "2026-01-31"), ("R1", "rcpc", "2026-04-30"), ("R2", "rcpc", "2026-11-02"),
              ("X", "cp_plan_ended", "2026-11-02")]
    rows = [r for r in compute(events, ENGLAND, as_of=date(2027, 6, 1)).results if r.rule == "rcpc-first"]
    assert [(r.from_event, r.to_event, r.due, r.status) for r in rows] == [
        ("I", "R1", date(2026, 4, 30), MET),
        ("R1", "R2", date(2026, 10, 30), MISSED),
        ("R2", None, date(2027, 5, 2), NOT_APPLICABLE)]
    assert rows[1].note.startswith("3 days late")


def test_looked_after_reviews_use_each_repeat_in_turn():
    events = [("L", "became_looked_after", "2026-01-05"), ("C1", "cla_review", "2026-02-02"),
              ("C2", "cla_review", "2026-05-01"), ("C3", "cla_review", "2026-11-02")]
    rows = [r for r in compute(events, ENGLAND).results if r.rule == "cla-review-first"]
    assert [(r.to_event, r.due, r.status, r.unit) for r in rows] == [
        ("C1", date(2026, 2, 2), MET, "working_days"),
        ("C2", date(2026, 5, 2), MET, "months"),
        ("C3", date(2026, 11, 1), MISSED, "months"),
        (None, date(2027, 5, 2), NOT_YET_DUE, "months")]


def test_a_repeating_rule_on_one_type_chains_without_starting_again():
    local = load_rule_sets()["local-example"]
    events = [("G1", "core_group", "2026-02-19"), ("G2", "core_group", "2026-03-19"),
              ("G3", "core_group", "2026-05-14"), ("X", "cp_plan_ended", "2026-06-01"),
              ("G4", "core_group", "2026-09-01")]
    rows = [r for r in compute(events, local, as_of=date(2026, 9, 2)).results if r.rule == "core-group-6-weekly"]
    assert [(r.from_event, r.to_event, r.status) for r in rows] == [
        ("G1", "G2", MET), ("G2", "G3", MISSED), ("G3", None, NOT_APPLICABLE), ("G4", None, NOT_YET_DUE)]


def test_first_after_pairs_each_start_with_the_first_stop_after_it():
    events = [("R1", "referral", "2026-03-02"), ("D1", "referral_decision", "2026-03-03"),
              ("R2", "referral", "2026-06-01"), ("D2", "referral_decision", "2026-06-05")]
    rows = [r for r in compute(events, ENGLAND).results if r.rule == "referral-decision"]
    assert [(r.from_event, r.to_event, r.status) for r in rows] == [("R1", "D1", MET), ("R2", "D2", MISSED)]


def test_the_conference_clock_starts_at_the_discussion_that_started_the_enquiry():
    events = [("S1", "strategy_discussion", "2026-01-05"), ("S2", "strategy_discussion", "2026-01-12"),
              ("Q", "s47_enquiry_started", "2026-01-12"), ("S3", "strategy_discussion", "2026-01-20"),
              ("I", "icpc", "2026-02-02")]
    row = only(compute(events, ENGLAND), "icpc-after-strategy")
    assert (row.from_event, row.due, row.status) == ("S2", date(2026, 2, 2), MET)
    without_enquiry = [e for e in events if e[1] != "s47_enquiry_started"]
    row = only(compute(without_enquiry, ENGLAND), "icpc-after-strategy")
    assert (row.from_event, row.status) == ("S1", MISSED)


# --- subjects, duplicates, order, dates ---------------------------------------------------------------------------

def test_timescales_are_counted_per_subject():
    events = [Event("A1", "2026-03-02", "Referral", "referral", subject="Child A"),
              Event("A2", "2026-03-03", "Decision", "referral_decision", subject="Child A"),
              Event("B1", "2026-03-02", "Referral", "referral", subject="Child B"),
              Event("B2", "2026-03-03", "Decision", "referral_decision", subject="Child A"),
              Event("N1", "2026-03-04", "Referral", "referral")]
    rows = [r for r in compute(events, ENGLAND, as_of=date(2026, 3, 10)).results if r.rule == "referral-decision"]
    assert [(r.subject, r.from_event, r.to_event, r.status) for r in rows] == [
        (None, "N1", None, NOT_EVIDENCED), ("Child A", "A1", "A2", MET), ("Child B", "B1", None, NOT_EVIDENCED)]


def test_two_events_of_one_type_on_one_day_count_once():
    local = load_rule_sets()["local-example"]
    events = [("G1", "core_group", "2026-02-19"), ("G1b", "core_group", "2026-02-19T15:00:00+00:00"),
              ("G2", "core_group", "2026-03-19")]
    rows = [r for r in compute(events, local).results if r.rule == "core-group-6-weekly"]
    assert [(r.from_event, r.to_event) for r in rows] == [("G1", "G2"), ("G2", None)]
    # Another child's meeting the same day is another meeting.
    assert len(events_from([("G1", "core_group", "2026-02-19", "Child A"),
                            ("G2", "core_group", "2026-02-19", "Child B")])) == 2


def test_events_out_of_order_are_sorted():
    events = [("E1", "referral", "2026-01-12"), ("E2", "referral_decision", "2026-01-12"),
              ("E3", "strategy_discussion", "2026-01-14"), ("E4", "s47_enquiry_started", "2026-01-14"),
              ("E5", "icpc", "2026-02-06"), ("E6", "core_group", "2026-02-19"), ("E7", "rcpc", "2026-05-05"),
              ("E8", "assessment_completed", "2026-03-10"), ("E9", "cp_plan_ended", "2026-10-02")]
    expected = compute(events, ENGLAND).to_json()
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != events and compute(shuffled, ENGLAND).to_json() == expected


def test_a_date_time_counts_by_its_london_date():
    # 23:30 UTC on 2 July is 00:30 on 3 July in London (BST): a day later than the UTC date.
    assert events_from([("D", "referral_decision", "2026-07-02T23:30:00Z")])[0].day == date(2026, 7, 3)
    moment = datetime(2026, 7, 2, 23, 30, tzinfo=UTC)
    row = only(compute([("R", "referral", date(2026, 7, 1)), ("D", "referral_decision", moment)], ENGLAND),
               "referral-decision")
    assert (row.actual, row.status, row.note) == (date(2026, 7, 3), MISSED, "1 working day late")
    winter = events_from([("D", "referral_decision", "2026-01-02T23:30:00Z")])[0]
    assert winter.day == date(2026, 1, 2)  # GMT: the same day


def test_untyped_and_unused_types_are_ignored_but_set_the_as_of_date():
    events = [("R", "referral", "2026-03-02"), ("X", "home_visit_by_aunt", "2026-03-20"), ("N", None, "2026-04-01")]
    result = compute(events, ENGLAND)
    assert result.as_of == date(2026, 4, 1)
    assert {r.rule for r in result.results} == {"referral-decision", "assessment-45"}
    odd = rule_set({"from": "home_visit_by_aunt", "to": "referral", "limit": {"days": 30}})
    assert only(compute(events, odd)).status == NOT_YET_DUE  # an unknown type is a type like any other
    assert only(compute(events, odd, as_of=date(2026, 5, 1))).status == NOT_EVIDENCED


def test_the_as_of_date_is_the_case_period_end_when_given():
    chronology = (Event("R", "2026-03-02", "Referral", "referral"),)
    bundle = SimpleNamespace(chronology=chronology,
                             case=SimpleNamespace(period=Period(date(2026, 1, 1), date(2026, 3, 31))))
    assert compute(bundle, ENGLAND).as_of == date(2026, 3, 31)
    as_strings = SimpleNamespace(chronology=chronology, case=SimpleNamespace(period=SimpleNamespace(
        start="2026-01-01", end="2026-03-31")))
    assert compute(as_strings, ENGLAND).as_of == date(2026, 3, 31)
    without = SimpleNamespace(chronology=chronology, case=SimpleNamespace(period=None))
    assert compute(without, ENGLAND).as_of == date(2026, 3, 2)
    assert compute(SimpleNamespace(chronology=chronology), ENGLAND, as_of="2026-05-01").as_of == date(2026, 5, 1)
    empty = compute([], ENGLAND)
    assert empty.as_of is None and empty.to_json() == {"rule_set": {"id": "england-2023", "version": "1.0"},
                                                       "as_of": None, "results": []}


def test_json_has_exactly_the_spec_keys():
    t = compute([TimedEvent("R", "referral", date(2026, 3, 2)), TimedEvent("D", "referral_decision",
                                                                           date(2026, 3, 3))], ENGLAND)
    doc = t.to_json()
    assert doc["rule_set"] == {"id": "england-2023", "version": "1.0"} and doc["as_of"] == "2026-03-03"
    first = doc["results"][0]
    assert list(first) == ["rule", "subject", "from_event", "to_event", "due", "actual", "elapsed", "status", "note"]
    assert first == {"rule": "referral-decision", "subject": None, "from_event": "R", "to_event": "D",
                     "due": "2026-03-03", "actual": "2026-03-03", "elapsed": 1, "status": "met", "note": ""}
    json.dumps(doc)
    assert t.counts() == {MET: 1, MISSED: 0, NOT_EVIDENCED: 0, NOT_YET_DUE: 1, NOT_APPLICABLE: 0}


# --- rule-set files -----------------------------------------------------------------------------------------------

def _valid() -> dict:
    return {"id": "local", "version": "1.0", "title": "Local", "rules": [
        {"id": "visits", "title": "Visits", "from": "icpc", "to": "statutory_visit",
         "limit": {"working_days": 10}, "repeat": [{"working_days": 10}], "source": "Local standard"}]}


@pytest.mark.parametrize("change, where, words", [
    (lambda d: d["rules"][0].pop("source"), "rules[0].source", "is missing"),
    (lambda d: d["rules"][0]["limit"].update(days=3), "rules[0].limit", "exactly one of working_days, days, months"),
    (lambda d: d["rules"][0].update(limit={}), "rules[0].limit", "exactly one of"),
    (lambda d: d["rules"][0]["limit"].update(working_days=-1), "rules[0].limit.working_days", "must be at least 0"),
    (lambda d: d["rules"][0].update(limit={"weeks": 2}), "rules[0].limit", "unknown key 'weeks'"),
    (lambda d: d["rules"][0].update(repeat=[{"days": 1}, {"days": 1, "months": 1}]), "rules[0].repeat[1]",
     "exactly one of"),
    (lambda d: d["rules"][0].update(repeat="6 months"), "rules[0].repeat", "must be an object or array"),
    (lambda d: d["rules"][0].update(pairing="nearest"), "rules[0].pairing", "must be one of 'first-after'"),
    (lambda d: d["rules"][0].update(until=[]), "rules[0].until", "at least 1 entry"),
    (lambda d: d["rules"].append(dict(d["rules"][0])), "rules[1].id", "repeats rule id 'visits'"),
    (lambda d: d["rules"][0].update(id="Visits!"), "rules[0].id", "a-z, 0-9 and '-'"),
    (lambda d: d.update(calendar={"country": "ZZ"}), "calendar.country", "the holiday calendar does not know"),
    (lambda d: d.update(calendar={"country": "GB", "subdiv": "XYZ"}), "calendar.subdiv", "ENG"),
    (lambda d: d.update(rules=[]), "rules", "at least 1 entry"),
    (lambda d: d.pop("version"), "version", "is missing"),
])
def test_an_invalid_rule_set_is_refused_naming_the_json_path(change, where, words):
    doc = _valid()
    parse_rule_set(json.dumps(doc), "local.json")  # the base is valid
    change(doc)
    with pytest.raises(FrameworkError) as caught:
        parse_rule_set(json.dumps(doc), "local.json")
    message = str(caught.value)
    assert message.startswith(f"Timescales file local.json at {where} ") and words in message
    assert message.endswith("it was not loaded.")


def test_broken_json_and_files(tmp_path):
    with pytest.raises(FrameworkError, match="is not valid JSON"):
        parse_rule_set("{", "x.json")
    with pytest.raises(FrameworkError, match="cannot be read"):
        load_rule_set_file(tmp_path / "absent.json")
    (tmp_path / "latin.json").write_bytes(b"\xff\xfe")
    with pytest.raises(FrameworkError, match="not UTF-8"):
        load_rule_set_file(tmp_path / "latin.json")


def test_a_local_file_is_loaded_beside_the_shipped_sets(tmp_path):
    path = tmp_path / "local.json"
    path.write_text(json.dumps(_valid()), encoding="utf-8")
    sets = load_rule_sets([path])
    assert {"england-2023", "local-example", "local"} <= set(sets)
    assert load_rule_set(path).rule("visits").repeat[0].describe() == "10 working days"


# --- properties -----------------------------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=1, max_value=300))
def test_a_working_day_due_date_is_never_a_weekend_or_bank_holiday(start, n):
    due = add_working_days(start, n)
    assert due.weekday() < 5 and working_calendar().holiday(due) is None and due > start


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=300))
def test_adding_working_days_then_counting_back_gives_the_same_number(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@settings(max_examples=500, deadline=None)
@given(days, days, st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=120))
def test_month_arithmetic_is_monotonic(a, b, n, m):
    early, late = min(a, b), max(a, b)
    assert add_months(early, n) <= add_months(late, n)
    assert add_months(a, n) <= add_months(a, n + m)
    assert add_months(a, n) >= a
    assert months_between(a, add_months(a, n)) == n


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=0, max_value=10))
def test_a_decision_is_met_exactly_when_within_one_working_day(referral, offset):
    decided = date.fromordinal(referral.toordinal() + offset)
    row = only(compute([("R", "referral", referral), ("D", "referral_decision", decided)], ENGLAND),
               "referral-decision")
    # Met means on or before the due date: a Saturday after a Friday due date is late though no working day passed.
    assert (row.status == MET) == (decided <= add_working_days(referral, 1))
    assert row.elapsed == working_days_between(referral, decided)
