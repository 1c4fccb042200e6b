"""Timeliness: statutory timescales computed from a bundle's typed chronology, to inform the reviewer's judgement."""

from __future__ import annotations

from bisect import bisect_right

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .dates import london_date, uk_date
from .timescales import FIRST_AFTER, Calendar, Limit, Rule, RuleSet

MET = "met"
MISSED = "missed"
NOT_EVIDENCED = "not-evidenced"
NOT_YET_DUE = "not-yet-due"
NOT_APPLICABLE = "not-applicable"
STATUSES = (MET, MISSED, NOT_EVIDENCED, NOT_YET_DUE, NOT_APPLICABLE)

# Absence from the bundle is not proof that a thing did not happen; the wording must not say it did not.
NOT_EVIDENCED_NOTE = "not evidenced in the bundle"

ENGLAND_AND_WALES = Calendar("GB", "ENG")
_ONE_DAY = timedelta(days=1)

# The holidays library's English names differ from gov.uk's, which are the ones a reviewer knows.
_GOV_UK_NAMES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
}
_OBSERVED = " (observed)"


class WorkingCalendar:
    """Monday to Friday less one country's public holidays, from the maintained ``holidays`` library."""

    def __init__(self, spec: Calendar = ENGLAND_AND_WALES):
        import holidays

        self.spec = spec
        # Years are filled in on first lookup, so one object serves any date.
        self._holidays = holidays.country_holidays(spec.country, subdiv=spec.subdiv)
        self._years: dict[int, frozenset[date]] = {}
        self._span: tuple[int, ...] = ()  # the years _weekday_ordinals covers
        self._weekday_ordinals: list[int] = []

    def _in_year(self, year: int) -> frozenset[date]:
        """That year's holidays as a plain set: the library's own lookup costs ~2 µs a day, this ~50 ns."""
        days = self._years.get(year)
        if days is None:
            date(year, 1, 1) in self._holidays  # noqa: B015 - fills the library's year in
            days = self._years[year] = frozenset(d for d in self._holidays if d.year == year)
        return days

    def holidays_between(self, start: date, end: date) -> int:
        """Holidays on weekdays after ``start`` up to and including ``end`` (two binary searches)."""
        if end <= start:
            return 0
        if not self._span or start.year < self._span[0] or end.year > self._span[1]:
            lo, hi = (min(start.year, self._span[0]), max(end.year, self._span[1])) if self._span else \
                (start.year, end.year)
            years = range(lo, hi + 1)
            self._weekday_ordinals = sorted(d.toordinal() for y in years for d in self._in_year(y)
                                            if d.weekday() < 5)
            self._span = (years[0], years[-1])
        ords = self._weekday_ordinals
        return bisect_right(ords, end.toordinal()) - bisect_right(ords, start.toordinal())

    @property
    def holiday_word(self) -> str:
        return "bank holiday" if self.spec.country == "GB" else "public holiday"

    def holiday(self, day: date) -> str | None:
        """The holiday's name on ``day`` (gov.uk's wording in the UK), or None."""
        name = self._holidays.get(day)
        if name is None or self.spec.country != "GB":
            return name
        return "; ".join(_gov_uk_name(part) for part in name.split("; "))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._in_year(day.year)


def _gov_uk_name(name: str) -> str:
    base = name.removesuffix(_OBSERVED)
    base = _GOV_UK_NAMES.get(base, base)
    return f"{base}, substitute day" if name.endswith(_OBSERVED) else base


@lru_cache(maxsize=8)
def working_calendar(spec: Calendar = ENGLAND_AND_WALES) -> WorkingCalendar:
    return WorkingCalendar(spec)


def add_working_days(start: date, n: int, cal: WorkingCalendar | None = None) -> date:
    """The n-th working day after ``start`` (``start`` is day 0, whatever day it is)."""
    if n < 0:
        raise ValueError("n must not be negative")
    cal = cal or working_calendar()
    # The (base + n + h)-th weekday, where h counts the holidays passed on the way: h only grows, so this settles.
    base, held = _weekdays_to(start.toordinal()), 0
    while True:
        day = date.fromordinal(_nth_weekday(base + n + held)) if n else start
        more = cal.holidays_between(start, day)
        if more == held:
            return day
        held = more


def working_days_between(start: date, end: date, cal: WorkingCalendar | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start, cal)
    cal = cal or working_calendar()
    return _weekdays_to(end.toordinal()) - _weekdays_to(start.toordinal()) - cal.holidays_between(start, end)


def _nth_weekday(k: int) -> int:
    """The ordinal of the k-th weekday counted from 1 January of year 1 (k ≥ 1)."""
    weeks, rest = divmod(k - 1, 5)
    return 7 * weeks + rest + 1


def _weekdays_to(ordinal: int) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday, ordinal 1) up to and including ``ordinal``."""
    weeks, extra = divmod(ordinal, 7)
    return 5 * weeks + min(extra, 5)


def add_months(start: date, n: int) -> date:
    """Calendar months later; a day the target month lacks becomes its last day (31 Jan + 1 = 28/29 Feb)."""
    years, month0 = divmod(start.month - 1 + n, 12)
    year, month = start.year + years, month0 + 1
    return date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``: the largest k with add_months(start, k) <= end (0 when before)."""
    k = (end.year - start.year) * 12 + end.month - start.month
    while k > 0 and add_months(start, k) > end:
        k -= 1
    return max(k, 0)


def add_limit(start: date, limit: Limit, cal: WorkingCalendar | None = None) -> date:
    """The due date: ``limit`` counted from ``start`` in its unit."""
    if limit.unit == "working_days":
        return add_working_days(start, limit.amount, cal)
    if limit.unit == "days":
        return start + timedelta(days=limit.amount)
    return add_months(start, limit.amount)


def elapsed(start: date, end: date, unit: str, cal: WorkingCalendar | None = None) -> int:
    """Time from ``start`` to ``end`` in ``unit``, never below 0."""
    if unit == "working_days":
        return max(working_days_between(start, end, cal), 0)
    if unit == "days":
        return max((end - start).days, 0)
    return months_between(start, end)


def day_note(day: date, cal: WorkingCalendar | None = None) -> str | None:
    """"held on a Saturday" / "held on a bank holiday (Early May bank holiday)"; None on a working day.

    A weekend comes first: when a holiday falls on one, the bank holiday is the substitute weekday.
    """
    cal = cal or working_calendar()
    if day.weekday() >= 5:
        return f"held on a {day:%A}"
    name = cal.holiday(day)
    return f"held on a {cal.holiday_word} ({name})" if name else None


@dataclass(frozen=True)
class TimedEvent:
    """A chronology event as the engine counts it: its calendar day in England."""

    id: str
    type: str | None
    day: date
    subject: str | None = None


def events_from(source: Any) -> tuple[TimedEvent, ...]:
    """The events of a Manifest, or of an iterable of TimedEvents, objects with ``id``, ``type``, ``date``
    (and maybe ``subject``) such as manifest Events, or tuples ``(id, type, date[, subject])``.

    A date may be a ``date``, a ``datetime`` or an ISO string; a date-time counts by its Europe/London date.
    """
    out = []
    for e in getattr(source, "chronology", source):
        if isinstance(e, TimedEvent):
            out.append(e)
            continue
        if hasattr(e, "id"):
            ident, kind, when = e.id, getattr(e, "type", None), getattr(e, "date", None)
            subject = getattr(e, "subject", None)  # bundle format 1.1
        else:
            ident, kind, when, *rest = e
            subject = rest[0] if rest else None
        day = _plain_date(when) or london_date(when)
        if day is None:
            raise ValueError(f"chronology event {ident!r} has no readable date ({when!r})")
        out.append(TimedEvent(str(ident), kind or None, day, subject or None))
    return tuple(out)


def _plain_date(when: Any) -> date | None:
    """The common case quickly: an ISO date string with no time (a chronology is mostly these)."""
    if isinstance(when, str) and len(when) == 10:
        try:
            return date.fromisoformat(when)
        except ValueError:
            return None
    return None


def _as_of(source: Any, events: tuple[TimedEvent, ...], given: date | str | None) -> date | None:
    if given is not None:
        return london_date(given)
    period = getattr(getattr(source, "case", None), "period", None)  # bundle format 1.1
    end = period.get("end") if isinstance(period, dict) else getattr(period, "end", None)
    if end:
        return london_date(end)
    return max((e.day for e in events), default=None)


@dataclass(frozen=True)
class Result:
    """One rule instance. ``start`` and ``unit`` serve the views; the findings JSON has the first nine."""

    rule: str
    subject: str | None
    from_event: str
    to_event: str | None
    due: date
    actual: date | None
    elapsed: int
    status: str
    note: str
    start: date  # the from event's day
    unit: str  # what ``elapsed`` counts: working_days, days or months

    def to_json(self) -> dict:
        return {"rule": self.rule, "subject": self.subject, "from_event": self.from_event,
                "to_event": self.to_event, "due": self.due.isoformat(),
                "actual": self.actual.isoformat() if self.actual else None, "elapsed": self.elapsed,
                "status": self.status, "note": self.note}


@dataclass(frozen=True)
class Timeliness:
    """Every rule instance of one rule set over one chronology, as of one day."""

    rule_set_id: str
    rule_set_version: str
    as_of: date | None
    results: tuple[Result, ...]

    def to_json(self) -> dict:
        return {"rule_set": {"id": self.rule_set_id, "version": self.rule_set_version},
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "results": [r.to_json() for r in self.results]}

    def counts(self) -> dict[str, int]:
        """How many results have each status, every status present (0 when none)."""
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}


def compute(source: Any, rule_set: RuleSet, as_of: date | str | None = None) -> Timeliness:
    """Apply ``rule_set`` to a Manifest or plain events (see :func:`events_from`).

    The as-of date is ``as_of`` when given, else the bundle's ``case.period.end``, else the latest
    chronology date. Results come rule by rule, then subject (events without one first), then date.
    """
    events = events_from(source)
    when = _as_of(source, events, as_of)
    if when is None:
        return Timeliness(rule_set.id, rule_set.version, None, ())
    cal = working_calendar(rule_set.calendar)
    groups: dict[str | None, list[TimedEvent]] = {}
    for e in _counted(events):
        groups.setdefault(e.subject, []).append(e)
    order = sorted(groups, key=lambda s: (s is not None, s or ""))
    results = [r for rule in rule_set.rules for subject in order
               for r in _rule_results(rule, groups[subject], subject, when, cal)]
    return Timeliness(rule_set.id, rule_set.version, when, tuple(results))


def _counted(events: Iterable[TimedEvent]) -> list[TimedEvent]:
    """Typed events in date order (a stable sort keeps the manifest's order within a day), each type
    once a day per subject: two records of one meeting must not count as two meetings."""
    seen: set[tuple] = set()
    out = []
    for e in sorted((e for e in events if e.type), key=lambda e: e.day):
        key = (e.subject, e.type, e.day)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _anchors(rule: Rule, events: list[TimedEvent]) -> list[TimedEvent]:
    """The ``from`` events that start a clock."""
    froms = [e for e in events if e.type == rule.from_type]
    if rule.from_last_before is None or not froms:
        return froms
    # Several strategy discussions: the clock runs from the one at which the enquiry was started.
    picked: list[TimedEvent] = []
    for marker in (e for e in events if e.type == rule.from_last_before):
        before = [f for f in froms if f.day <= marker.day]
        if before and before[-1] not in picked:
            picked.append(before[-1])
    return picked or froms[:1]


def _rule_results(rule: Rule, events: list[TimedEvent], subject: str | None, as_of: date,
                  cal: WorkingCalendar) -> list[Result]:
    if rule.pairing != FIRST_AFTER:
        raise ValueError(f"rule {rule.id!r} asks for pairing {rule.pairing!r}, which this engine does not know")
    tos = [e for e in events if e.type == rule.to_type]
    untils = [e for e in events if e.type in rule.until]
    results: list[Result] = []
    covered: date | None = None
    for anchor in _anchors(rule, events):
        # A repeating duty runs until an `until` event; a `from` inside it (a later core group, a
        # second conference record) belongs to the running chain and starts no other.
        if covered is not None and anchor.day <= covered:
            continue
        end = next((u for u in untils if u.day >= anchor.day), None)
        results += _chain(rule, anchor, tos, end, subject, as_of, cal)
        if rule.repeat:
            covered = end.day if end else date.max
    return results


def _chain(rule: Rule, anchor: TimedEvent, tos: list[TimedEvent], end: TimedEvent | None,
           subject: str | None, as_of: date, cal: WorkingCalendar) -> list[Result]:
    """The first instance from ``anchor`` and, for a repeating rule, each next one from the previous ``to``."""
    results = []
    start, limit, k = anchor, rule.limit, 0
    # Same-day counts for a different type (a referral decided the day it came in), never for the event itself.
    strict = rule.from_type == rule.to_type
    while True:
        due = add_limit(start.day, limit, cal)
        to = next((e for e in tos if (e.day > start.day if strict else e.day >= start.day)
                   and (end is None or e.day <= end.day)), None)
        if to is not None:
            status = MET if to.day <= due else MISSED
        elif end is not None and end.day < due:
            status = NOT_APPLICABLE
        elif due < as_of:
            status = NOT_EVIDENCED
        else:
            status = NOT_YET_DUE
        stop = to.day if to else end.day if status == NOT_APPLICABLE else as_of
        results.append(Result(
            rule=rule.id, subject=subject, from_event=start.id, to_event=to.id if to else None, due=due,
            actual=to.day if to else None, elapsed=elapsed(start.day, stop, limit.unit, cal), status=status,
            note=_note(status, start, to, end, due, limit, cal, first=start is anchor), start=start.day,
            unit=limit.unit))
        if to is None or not rule.repeat:
            return results
        start, limit, k, strict = to, rule.repeat_limit(k), k + 1, True


def _note(status: str, start: TimedEvent, to: TimedEvent | None, end: TimedEvent | None, due: date,
          limit: Limit, cal: WorkingCalendar, *, first: bool) -> str:
    parts = []
    if status == MISSED and to is not None:
        parts.append(_lateness(due, to.day, limit.unit, cal))
    elif status == NOT_EVIDENCED:
        parts.append(NOT_EVIDENCED_NOTE)
    elif status == NOT_APPLICABLE and end is not None:
        parts.append(f"the duty ended on {uk_date(end.day)} ({end.id}, {_words(end.type)}), before it was due")
    if to is not None and (held := day_note(to.day, cal)):
        parts.append(held)
    # A repeat's start is the previous row's `to`, whose day was noted there.
    if first and (held := day_note(start.day, cal)):
        parts.append(f"{_words(start.type)} {held}")
    return "; ".join(parts)


def _words(event_type: str | None) -> str:
    """An event type as a reader says it: "cp_plan_ended" as "cp plan ended"."""
    return (event_type or "event").replace("_", " ")


def _lateness(due: date, actual: date, unit: str, cal: WorkingCalendar) -> str:
    """"2 working days late"; in calendar days for day and month limits, or when late only by a weekend."""
    if unit == "working_days":
        n = working_days_between(due, actual, cal)
        if n > 0:
            return f"{_count(n, 'working day')} late"
    return f"{_count((actual - due).days, 'day')} late"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
