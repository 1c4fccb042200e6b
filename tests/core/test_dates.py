"""UK dates and Europe/London times: one style everywhere a reviewer reads them."""

from datetime import date, datetime, timezone

from caseview.core.dates import clock_time, london_date, london_time, uk_date


def test_dates_read_the_uk_way():
    assert uk_date("2026-01-14") == "14 January 2026"
    assert uk_date(date(2026, 12, 3)) == "3 December 2026"
    assert uk_date("2026-01-14", short=True) == "14 Jan 2026"
    assert uk_date("") == "" and uk_date(None) == ""
    assert uk_date("early 2025") == "early 2025"  # not a date: shown as written


def test_times_are_on_londons_clock_with_gmt_or_bst():
    assert london_time("2026-11-03T16:20:00Z") == "3 November 2026, 16:20 GMT"
    assert london_time("2026-06-30T23:30:00Z") == "1 July 2026, 00:30 BST"  # late evening UTC in summer: next day
    assert london_time("2026-06-30T09:00:00+02:00") == "30 June 2026, 08:00 BST"
    assert london_time(datetime(2026, 12, 3, 17, 24, tzinfo=timezone.utc), short=True) == "3 Dec 2026, 17:24 GMT"
    assert clock_time("2026-03-29T01:30:00Z") == "02:30 BST"  # the clocks went forward at 01:00 UTC
    assert clock_time("2026-03-29T00:30:00Z") == "00:30 GMT"


def test_a_date_time_counts_by_its_london_date():
    assert london_date("2026-06-30T23:30:00Z") == date(2026, 7, 1)
    assert london_date("2026-12-31T23:30:00Z") == date(2026, 12, 31)  # GMT in winter: the same day
    assert london_date("2026-02-06") == date(2026, 2, 6)
