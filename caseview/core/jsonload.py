"""Strict JSON for untrusted files: bounded depth, no duplicate keys, no NaN, schema errors as JSON paths."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..paths import resource

MAX_DEPTH = 64


class JsonFault(Exception):
    """What is wrong with a JSON document, with the JSON path where it applies."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path


def json_path(parts) -> str:
    """``("documents", 3, "sha256")`` → ``documents[3].sha256``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _max_depth(text: str) -> int:
    """Nesting depth of arrays and objects, computed without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    obj: dict = {}
    for key, value in pairs:
        if key in obj:
            raise JsonFault(f"has the key {key!r} twice in one object")
        obj[key] = value
    return obj


def _no_constants(name: str):
    raise JsonFault(f"uses {name}, which is not valid JSON")


def parse_json_bytes(data: bytes) -> Any:
    """Parse UTF-8 JSON (no BOM) strictly; raise :class:`JsonFault` with a sentence fragment."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise JsonFault("starts with a byte-order mark; it must be UTF-8 without one")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonFault(f"is not valid UTF-8 (at byte {exc.start})") from None
    if _max_depth(text) > MAX_DEPTH:
        raise JsonFault(f"is nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise JsonFault(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:  # belt and braces: _max_depth should have caught it
        raise JsonFault("is nested too deeply") from None


@lru_cache(maxsize=None)
def _validator(schema_name: str):
    import jsonschema

    schema = json.loads(resource("schemas", schema_name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def first_schema_fault(instance: Any, schema_name: str) -> JsonFault | None:
    """The first schema violation in document order, as a JSON path and a plain sentence."""
    errors = list(_validator(schema_name).iter_errors(instance))
    if not errors:
        return None
    errors.sort(key=lambda e: (_sort_key(e.absolute_path), len(e.absolute_path)))
    return _describe(errors[0])


def _sort_key(path) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _describe(error) -> JsonFault:
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        key = missing[0] if missing else "?"
        return JsonFault("is missing", json_path(path + [key]))
    where = json_path(path) or "the top level"
    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
    if hint and kind in ("type", "pattern"):
        return JsonFault(hint, where)
    if kind == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        article = "an" if str(wanted)[0] in "aeiou" else "a"
        return JsonFault(f"must be {article} {wanted}", where)
    if kind == "const":
        return JsonFault(f"must be {error.validator_value!r}", where)
    if kind == "enum":
        return JsonFault("must be one of " + ", ".join(map(repr, error.validator_value)), where)
    if kind == "pattern":
        return JsonFault(_pattern_hint(error), where)
    if kind == "minLength":
        return JsonFault("must not be empty", where)
    if kind == "minItems":
        return JsonFault(f"must have at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}", where)
    if kind == "minimum":
        return JsonFault(f"must be at least {error.validator_value}", where)
    if kind == "anyOf":
        return JsonFault("is not a valid date or date-time", where)
    return JsonFault(error.message, where)


# Patterns end with this instead of "$", which in Python also matches before a final newline.
_END = "(?![\\s\\S])"

_PATTERN_HINTS: dict[str, str] = {
    "^[0-9a-f]{64}$": "must be 64 lowercase hexadecimal digits",
    "^[A-Za-z0-9_.-]{1,32}$": "must be 1 to 32 characters of A-Z, a-z, 0-9, '_', '.', '-'",
    "^[A-Z0-9]{1,3}$": "must be 1 to 3 characters of A-Z and 0-9",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date like 2026-01-14",
}


def _pattern_hint(error) -> str:
    hint = _PATTERN_HINTS.get(error.validator_value.replace(_END, "$"))
    if hint:
        return hint
    if "T" in error.validator_value or "Zz" in error.validator_value:
        return "must be an RFC 3339 date-time with an offset, like 2026-10-01T09:30:00+01:00"
    return f"is not in the expected form ({error.validator_value})"

