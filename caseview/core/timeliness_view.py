"""A case's timeliness as the findings, the report and the app show it: one rule set, events named."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .dates import uk_date
from .manifest import Manifest
from .timeliness import Result, Timeliness, compute, events_from
from .timescales import RuleSet, load_rule_set

if TYPE_CHECKING:
    from .report.model import TimelinessSection

UNIT_WORDS = {"working_days": "working day", "days": "day", "months": "month"}


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped default, england-2023 (validated once per process)."""
    return load_rule_set(None)


def case_timeliness(manifest: Manifest, rules: RuleSet | None = None) -> Timeliness:
    """The rule set's results for this bundle, as of its period's end (else its last event)."""
    return compute(manifest, rules or default_rules())


def why_none(manifest_or_events, rules: RuleSet) -> str:
    """Why a chronology gives no timescale, in one sentence (never an error)."""
    events = events_from(manifest_or_events)
    if not events:
        return "No timescale can be computed: the bundle's chronology is empty."
    counted = sorted({t for r in rules.rules for t in (r.from_type, r.to_type)})
    typed = [e for e in events if e.type]
    if not typed:
        return (f"No timescale can be computed: none of the chronology's {_n(len(events), 'event')} has a type "
                f"(the issuer types events such as {', '.join(counted[:4])}).")
    return (f"No rule of {rules.id} applies: none of the chronology's {_n(len(typed), 'typed event')} starts a "
            f"timescale it counts ({', '.join(counted)}).")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def elapsed_words(result: Result) -> str:
    word = UNIT_WORDS.get(result.unit, result.unit)
    return f"{result.elapsed} {word}{'' if result.elapsed == 1 else 's'}"


def event_label(manifest: Manifest, event_id: str | None) -> str | None:
    """"E7 · 14 January 2026 · Strategy discussion", or the id alone when the event is not in the bundle."""
    if event_id is None:
        return None
    event = next((e for e in manifest.chronology if e.id == event_id), None)
    if event is None:
        return event_id
    return f"{event.id} · {uk_date(event.date)} · {event.title}"


def report_section(manifest: Manifest, timeliness: Timeliness, rules: RuleSet) -> TimelinessSection | None:
    """The report's Timeliness section; with no rows, it says why."""
    from .report.model import (  # the report package is loaded only to report
        TimelinessRow,
        TimelinessSection,
    )

    titles = {r.id: r.title for r in rules.rules}
    rows = tuple(TimelinessRow(
        rule_title=titles.get(r.rule, r.rule), subject=r.subject,
        from_event=event_label(manifest, r.from_event) or r.from_event,
        to_event=event_label(manifest, r.to_event), due=r.due, actual=r.actual,
        elapsed=elapsed_words(r), status=r.status, note=r.note) for r in timeliness.results)
    used = {r.rule for r in timeliness.results}
    sources = tuple((r.title, r.source) for r in rules.rules if r.id in used)
    return TimelinessSection(rules.id, rules.version, rules.title, timeliness.as_of, rows, sources,
                             "" if rows else why_none(manifest, rules))
