"""The feed import hands PDFs to the workers through: first as the check stages them, then the rest in bundle order."""

from __future__ import annotations

from pathlib import Path

from caseview.core.extract import Feed, extract_pdfs
from tests.factory import make_pdf


def test_a_feed_gives_each_job_once_and_what_is_left_in_the_closing_order():
    feed = Feed()
    feed.put("D4", Path("d"))
    feed.put("D3", Path("c"))
    assert feed.take() == ("D4", Path("d"))  # taken before the close: not given again
    feed.put("D3", Path("c"))  # given twice: read once
    assert feed.open and not feed.finished
    # Import closes with every PDF in bundle order: D3, still waiting, now comes after D1 as that order says.
    feed.close([("D1", Path("a")), ("D4", Path("d")), ("D3", Path("c")), ("D2", Path("b"))])
    assert [feed.take(), feed.take(), feed.take(), feed.take()] == [
        ("D1", Path("a")), ("D3", Path("c")), ("D2", Path("b")), None]
    assert feed.finished


def test_a_waiting_job_the_closing_order_leaves_out_is_still_read_first():
    feed = Feed()
    feed.put("X", Path("x"))
    feed.close([("D1", Path("a"))])
    assert [feed.take(), feed.take(), feed.take()] == [("X", Path("x")), ("D1", Path("a")), None]


def test_workers_read_what_is_fed_and_stop_when_the_feed_closes(tmp_path):
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(make_pdf(["Hello world", "Page two says goodbye"]))
    feed = Feed()
    feed.put("first", pdf)
    feed.close([("first", pdf), ("again", pdf)])
    results = extract_pdfs(feed, scan=True)
    assert sorted(results) == ["again", "first"]
    assert results["first"].pages == results["again"].pages == ("Hello world", "Page two says goodbye")
    assert results["first"].hits == ((), ())  # the detectors ran on each page and found nothing
