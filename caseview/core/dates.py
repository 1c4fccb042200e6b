"""Dates and times as a reviewer in England reads them: "3 December 2026", "16:20 GMT" (Europe/London)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")  # the tzdata package carries it where the system has none (Windows)

_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_when(value: str | date | datetime | None) -> date | datetime | None:
    """An ISO 8601 date or RFC 3339 date-time (``Z`` or an offset) as a value; None when it is not one."""
    if value is None or isinstance(value, (date, datetime)):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def in_london(moment: datetime) -> datetime:
    """A moment on London's clock; a time with no offset is taken to be UTC, as CaseView stores times."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)


def london_date(value: str | date | datetime | None) -> date | None:
    """The calendar day in England: a date-time counts by its date in Europe/London."""
    parsed = parse_when(value)
    if isinstance(parsed, datetime):
        return in_london(parsed).date()
    return parsed


def uk_date(value: str | date | datetime | None, *, short: bool = False) -> str:
    """``2026-01-14`` as "14 January 2026" (short: "14 Jan 2026"); anything unparseable is shown as written."""
    if value is None or value == "":
        return ""
    day = london_date(value)
    if day is None:
        return str(value)
    month = _MONTHS_SHORT[day.month - 1] if short else f"{day:%B}"
    return f"{day.day} {month} {day.year}"


def london_time(value: str | datetime | None, *, short: bool = False, joiner: str = ", ") -> str:
    """A moment as "3 November 2026, 16:20 GMT" (or BST in summer), on London's clock whatever its offset."""
    if not value:
        return ""
    parsed = parse_when(value)
    if not isinstance(parsed, datetime):
        return uk_date(value, short=short)
    local = in_london(parsed)
    return f"{uk_date(local.date(), short=short)}{joiner}{local:%H:%M} {local.tzname()}"


def clock_time(value: str | datetime | None) -> str:
    """Just the time of day on London's clock: "16:20 GMT"."""
    parsed = parse_when(value) if value else None
    if not isinstance(parsed, datetime):
        return ""
    local = in_london(parsed)
    return f"{local:%H:%M} {local.tzname()}"
