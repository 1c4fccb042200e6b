"""The report's Timeliness section: statutory timescales computed from the chronology (timeliness.md)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from ..dates import uk_date
from .blocks import Paragraph, h1, hex_of, quiet, ruled_table
from .model import ReportInput, TimelinessRow
from .style import ALERT, Styles, esc

# Words, never colour alone: the status is readable in black and white and by a screen reader.
STATUS_WORDS = {"met": "Met", "missed": "Missed", "not-evidenced": "Not evidenced in the bundle",
                "not-yet-due": "Not yet due", "not-applicable": "No longer applies"}
_ORDER = ("missed", "not-evidenced", "met", "not-yet-due", "not-applicable")


def _status(row: TimelinessRow) -> str:
    words = esc(STATUS_WORDS.get(row.status, row.status))
    if row.status == "missed":
        return f'<font color="{hex_of(ALERT)}"><b>{words}</b></font>'
    if row.status == "not-evidenced":
        return f"<b>{words}</b>"
    return words


def _counts(rows: tuple[TimelinessRow, ...]) -> str:
    parts = []
    for status in _ORDER:
        n = sum(r.status == status for r in rows)
        if n:
            parts.append(f"{n} {STATUS_WORDS[status].lower()}")
    return ", ".join(parts)


def timeliness(inp: ReportInput, st: Styles, width: float) -> list[Flowable]:
    """After the summary: one row per rule instance (rule, from, due, actual, elapsed, status), then the
    rule set and its sources in a note. Nothing when the chronology has no dated events."""
    t = inp.timeliness
    if t is None:
        return []
    story = h1("Timeliness", "timeliness", st)
    as_of = uk_date(t.as_of) if t.as_of else "the last date in the bundle"
    story.append(Paragraph(
        f"Computed by CaseView from the bundle's chronology as of {esc(as_of)}, with the rule set "
        f"<b>{esc(t.rule_set_id)}</b> version {esc(t.rule_set_version)}. It informs the reviewer's "
        "judgement and is not itself a judgement. An event the bundle does not hold is reported as "
        "not evidenced in the bundle, which is not proof that it did not happen.", st.body_muted))
    if not t.rows:
        story += [Paragraph(esc(t.why_none or "No rule of the set applies to this chronology."), st.body),
                  Spacer(1, 6), *_sources(t, st), PageBreak()]
        return story
    story.append(Paragraph(f"<b>{len(t.rows)} timescale{'s' if len(t.rows) != 1 else ''}</b>: "
                           f"{esc(_counts(t.rows))}.", st.body))
    head = ["From", "Due", "Actual", "Elapsed", "Status"]
    rows = [[Paragraph(h, st.cell_head) for h in head]]
    extra: list[tuple] = []
    for r in t.rows:
        # The rule's title across the table, then its instance: the title needs the width, the dates do not.
        title = f"<b>{esc(r.rule_title)}</b>" + (f" {quiet('· for ' + esc(r.subject))}" if r.subject else "")
        i = len(rows)
        rows.append([Paragraph(title, st.cell), "", "", "", ""])
        extra += [("SPAN", (0, i), (-1, i)), ("LINEBELOW", (0, i), (-1, i), 0, colors.white),
                  ("BOTTOMPADDING", (0, i), (-1, i), 1), ("TOPPADDING", (0, i + 1), (-1, i + 1), 1),
                  ("NOSPLIT", (0, i), (-1, i + 1))]
        status = _status(r) + (f'<br/><font size="7.5">{quiet(esc(r.note))}</font>' if r.note else "")
        rows.append([
            Paragraph(esc(r.from_event), st.cell),
            Paragraph(esc(uk_date(r.due)), st.cell),
            Paragraph(esc(r.to_event) if r.to_event else quiet("None in the bundle"), st.cell),
            Paragraph(quiet("—") if r.status == "not-applicable" else esc(r.elapsed), st.cell),
            Paragraph(status, st.cell),
        ])
    widths = [128, 64, 128, 54, 0]
    widths[-1] = width - sum(widths)
    story += [ruled_table(rows, widths, extra, split_in_row=False), Spacer(1, 8), *_sources(t, st), PageBreak()]
    return story


def _sources(t, st: Styles) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(
        f"<b>Rule set:</b> {esc(t.rule_set_title or t.rule_set_id)} ({esc(t.rule_set_id)}, version "
        f"{esc(t.rule_set_version)}). Working days are Monday to Friday less the bank holidays of England "
        "and Wales; the day of the event that starts the clock is day 0. <b>Sources:</b>", st.small_muted)]
    seen: set[str] = set()
    for _title, source in t.sources:
        if source not in seen:
            seen.add(source)
            out.append(Paragraph(f"•&nbsp;{esc(source)}", st.small_muted))
    return [KeepTogether(out)]
