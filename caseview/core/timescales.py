"""Timescale rule sets: load and validate whole (never half-load), shipped in resources/timescales or local."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..paths import resource
from .errors import FrameworkError
from .jsonload import JsonFault, first_schema_fault, parse_json_bytes

SCHEMA = "timescales.schema.json"
MAX_RULE_SET_BYTES = 1 << 20
DEFAULT_RULE_SET = "england-2023"
UNITS = ("working_days", "days", "months")
FIRST_AFTER = "first-after"


@dataclass(frozen=True)
class Limit:
    """How long a duty allows: ``amount`` of ``unit`` (one of :data:`UNITS`)."""

    unit: str
    amount: int

    def describe(self) -> str:
        """"15 working days", "1 working day", "3 months"."""
        word = {"working_days": "working day", "days": "day", "months": "month"}[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class Calendar:
    """The public holidays that are not working days, named as the ``holidays`` library names them."""

    country: str = "GB"
    subdiv: str | None = "ENG"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    from_type: str
    to_type: str
    limit: Limit
    source: str
    # After the first ``to``, each next one is due within repeat[k] of the previous (the last entry keeps applying).
    repeat: tuple[Limit, ...] = ()
    until: tuple[str, ...] = ()
    pairing: str = FIRST_AFTER
    # The clock starts at the last ``from`` on or before each event of this type, else at the first ``from``.
    from_last_before: str | None = None

    def repeat_limit(self, k: int) -> Limit | None:
        """The limit for the k-th repeat (k = 0 for the second ``to``), or None when the rule does not repeat."""
        if not self.repeat:
            return None
        return self.repeat[min(k, len(self.repeat) - 1)]


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set. ``text`` is the exact JSON it was read from."""

    id: str
    version: str
    title: str
    description: str
    calendar: Calendar
    rules: tuple[Rule, ...]
    text: str

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def sources(self) -> tuple[str, ...]:
        """Each distinct citation once, in rule order: what the report's note lists."""
        return tuple(dict.fromkeys(r.source for r in self.rules))


def parse_rule_set(text: str, origin: str) -> RuleSet:
    """Validate rule-set JSON text; raise :class:`FrameworkError` naming the JSON path of the fault."""
    try:
        obj = parse_json_bytes(text.encode("utf-8"))
        if not isinstance(obj, dict):
            raise JsonFault("must be a JSON object at the top level")
        fault = first_schema_fault(obj, SCHEMA)
        if fault is not None:
            raise _plain(fault)
        return _build(obj, text)
    except JsonFault as fault:
        where = f" at {fault.path}" if fault.path else ""
        raise FrameworkError(f"Timescales file {origin}{where} {fault.message}; it was not loaded.") from None


# jsonschema's own wording for the checks jsonload does not phrase, in the sentence style of the others.
_REWORDS = (
    (re.compile(r"Additional properties are not allowed \((.+) was unexpected\)"), r"has the unknown key \1"),
    (re.compile(r"Additional properties are not allowed \((.+) were unexpected\)"), r"has the unknown keys \1"),
    (re.compile(r".* is greater than the maximum of (\S+)"), r"must be at most \1"),
    (re.compile(r".* has non-unique elements"), "repeats an entry"),
)


def _plain(fault: JsonFault) -> JsonFault:
    for pattern, wording in _REWORDS:
        if pattern.fullmatch(fault.message):
            return JsonFault(pattern.sub(wording, fault.message), fault.path)
    return fault


def _limit(raw: dict, where: str) -> Limit:
    if len(raw) != 1:
        raise JsonFault("must name exactly one of working_days, days, months", where)
    ((unit, amount),) = raw.items()
    return Limit(unit, amount)


def _calendar(raw: dict | None) -> Calendar:
    if raw is None:
        return Calendar()
    import holidays

    supported = holidays.list_supported_countries()
    country, subdiv = raw["country"], raw.get("subdiv")
    if country not in supported:
        raise JsonFault(f"is {country!r}, a country the holiday calendar does not know", "calendar.country")
    if subdiv is not None and subdiv not in supported[country]:
        raise JsonFault(f"is {subdiv!r}, which is not a subdivision of {country} the holiday calendar knows "
                        f"({', '.join(supported[country])})", "calendar.subdiv")
    return Calendar(country, subdiv)


def _build(obj: dict, text: str) -> RuleSet:
    calendar = _calendar(obj.get("calendar"))
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(obj["rules"]):
        where = f"rules[{i}]"
        if r["id"] in seen:
            raise JsonFault(f"repeats rule id {r['id']!r}", f"{where}.id")
        seen.add(r["id"])
        repeat_raw = r.get("repeat")
        if repeat_raw is None:
            repeat: tuple[Limit, ...] = ()
        elif isinstance(repeat_raw, dict):
            repeat = (_limit(repeat_raw, f"{where}.repeat"),)
        else:
            repeat = tuple(_limit(x, f"{where}.repeat[{j}]") for j, x in enumerate(repeat_raw))
        rules.append(Rule(
            id=r["id"], title=r["title"], from_type=r["from"], to_type=r["to"],
            limit=_limit(r["limit"], f"{where}.limit"), source=r["source"], repeat=repeat,
            until=tuple(r.get("until", ())), pairing=r.get("pairing", FIRST_AFTER),
            from_last_before=r.get("from_last_before")))
    return RuleSet(id=obj["id"], version=obj["version"], title=obj["title"],
                   description=obj.get("description", ""), calendar=calendar, rules=tuple(rules), text=text)


def load_rule_set_file(path: Path) -> RuleSet:
    try:
        data = path.read_bytes()
        if len(data) > MAX_RULE_SET_BYTES:
            raise FrameworkError(f"Timescales file {path} is larger than {MAX_RULE_SET_BYTES:,} bytes; "
                                 f"it was not loaded.")
        return parse_rule_set(data.decode("utf-8"), str(path))
    except UnicodeDecodeError:
        raise FrameworkError(f"Timescales file {path} is not UTF-8 text; it was not loaded.") from None
    except OSError as exc:
        raise FrameworkError(f"Timescales file {path} cannot be read ({exc.strerror}).") from None


def builtin_dir() -> Path:
    return resource("timescales")


def load_rule_sets(extra_files: Iterable[Path] = ()) -> dict[str, RuleSet]:
    """The shipped rule sets by id, then the given local files, which win over a shipped set of the same id.

    A broken shipped file is a bug and raises; a broken local file raises too, because the
    user named it and must be told rather than silently given other rules.
    """
    sets: dict[str, RuleSet] = {}
    for path in [*sorted(builtin_dir().glob("*.json")), *extra_files]:
        rs = load_rule_set_file(Path(path))
        sets[rs.id] = rs
    return sets


def load_rule_set(path: Path | None = None) -> RuleSet:
    """The rule set in ``path`` (``--rules FILE``), else the shipped default (:data:`DEFAULT_RULE_SET`)."""
    if path is not None:
        return load_rule_set_file(Path(path))
    return load_rule_set_file(builtin_dir() / f"{DEFAULT_RULE_SET}.json")
