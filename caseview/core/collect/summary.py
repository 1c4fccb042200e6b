"""The summary PDF a commissioning board reads: six parts, each chart's numbers in a table beside it (collect.md)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer, Table

from ..atomic import write_atomically
from ..dates import london_time, uk_date
from ..money import format_money
from ..report.blocks import Paragraph, ruled_table, table_style
from ..report.style import ACCENT, MUTED, SANS, ensure_fonts, esc, make_styles
from .base import STATUSES, CollectError

WIDTH = A4[0] - 36 * mm
CHART_W, CHART_H = 80 * mm, 55 * mm


def _money(pence: int | None, currency: str | None = "GBP") -> str:
    return format_money(Decimal(pence or 0) / 100, currency or "GBP")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _bar(labels: list[str], values: list[float], *, horizontal: bool = True, value_max: float | None = None) -> Drawing:
    d = Drawing(CHART_W, CHART_H)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (30 * mm, 8) if horizontal else (24, 24)
    chart.width = CHART_W - chart.x - 8 if horizontal else CHART_W - 32
    chart.height = CHART_H - 16 if horizontal else CHART_H - 34
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    top = max(values or [0])
    chart.valueAxis.valueMax = value_max if value_max is not None else max(1, top * 1.1)
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize, axis.fillColor = SANS, 7, MUTED
    if horizontal:
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.reverseDirection = 1
    else:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    d.add(chart)
    return d


class _Summary:
    def __init__(self, conn: sqlite3.Connection, db_sha256: str, run: int | None):
        self.conn, self.db_sha256, self.run = conn, db_sha256, run
        self.st = make_styles()
        self.story: list = []

    def q(self, sql: str, *args) -> list[tuple]:
        return self.conn.execute(sql, args).fetchall()

    def p(self, text: str, style=None) -> None:
        self.story.append(Paragraph(text, style or self.st.body))

    def h(self, text: str) -> None:
        self.story += [CondPageBreak(80 * mm), Spacer(1, 8), Paragraph(esc(text), self.st.h1)]

    def table(self, head: list[str], rows: list[list], widths: list[float], right: set[int] = frozenset()) -> Table:
        cell = lambda i, v, hd=False: Paragraph(  # noqa: E731
            esc(v), (self.st.cell_head_right if i in right else self.st.cell_head) if hd
            else (self.st.cell_right if i in right else self.st.cell))
        data = [[cell(i, v, True) for i, v in enumerate(head)]] + [[cell(i, v) for i, v in enumerate(r)]
                                                                   for r in rows]
        if not rows:
            data.append([Paragraph("None.", self.st.small_muted)] + [""] * (len(head) - 1))
        return ruled_table(data, widths)

    def chart_and_table(self, drawing: Drawing, table: Table, caption: str) -> None:
        side = Table([[drawing, table]], colWidths=[CHART_W + 4 * mm, WIDTH - CHART_W - 4 * mm], hAlign="LEFT")
        side.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        self.story.append(KeepTogether([Paragraph(esc(caption), self.st.h3), side, Spacer(1, 6)]))

    # -- the six parts ---------------------------------------------------------------

    def collected(self) -> None:
        self.h("1. What was collected")
        counts = Counter({s: 0 for s in STATUSES})
        counts.update(dict(self.q("SELECT status, count(*) FROM files GROUP BY status")))
        counts["duplicate"] += self.q("SELECT count(*) FROM copies")[0][0]
        rows = [[s, counts[s]] for s in STATUSES]
        self.chart_and_table(_bar(list(STATUSES), [counts[s] for s in STATUSES]),
                             self.table(["Status", "Files"], rows, [45 * mm, 20 * mm], {1}), "Files by status")
        self.p("Only <b>accepted</b> reports are counted below (and untrusted ones when the run was told to include "
               "them); a superseded review gives way to the later review of the same bundle; a moderation record "
               "counts in the agreement figures.", self.st.body_muted)
        not_counted = self.q("""
            SELECT f.name, f.status, f.reason FROM files f LEFT JOIN reports r ON r.sha256 = f.sha256
            WHERE coalesce(r.counted, 0) = 0 AND NOT (coalesce(r.kind, '') = 'moderation-record'
                  AND f.status = 'accepted')
            UNION ALL SELECT c.name, 'duplicate', 'The same bytes as ' || f.name || '.'
            FROM copies c JOIN files f ON f.sha256 = c.sha256 ORDER BY 2, 1""")
        self.story.append(Paragraph("Files not counted, with the reason", self.st.h3))
        self.story.append(self.table(["File", "Status", "Reason"], [[Path(n).name, s, r] for n, s, r in not_counted],
                                     [45 * mm, 22 * mm, WIDTH - 67 * mm]))

    def outcomes(self) -> None:
        self.h("2. Outcome claims")
        verdicts = ("Met", "Not met", "Not yet due", "Not eligible")
        got = dict(self.q("""SELECT i.threshold, count(*) FROM items i JOIN reports r ON r.sha256 = i.report
                             WHERE r.counted = 1 AND i.kind = 'outcome' AND i.threshold IS NOT NULL GROUP BY 1"""))
        self.chart_and_table(_bar(list(verdicts), [got.get(v, 0) for v in verdicts]),
                             self.table(["Threshold verdict", "Outcomes"], [[v, got.get(v, 0)] for v in verdicts],
                                        [45 * mm, 20 * mm], {1}), "Outcomes by the reviewer's threshold verdict")
        rows = self.q("""SELECT provider, contract, currency, outcomes, claimed_pence, recommended_pence,
                         withheld_pence, deferred_pence FROM v_payments_by_provider""")
        body = [[p, c, n, _money(a, cur), _money(b, cur), _money(w, cur), _money(d, cur)]
                for p, c, cur, n, a, b, w, d in rows]
        for cur in sorted({r[2] for r in rows}):
            mine = [r for r in rows if r[2] == cur]
            body.append([f"Total ({cur})", "", sum(r[3] for r in mine)] +
                        [_money(sum(r[i] or 0 for r in mine), cur) for i in (4, 5, 6, 7)])
        self.story.append(Paragraph("Money by provider and contract", self.st.h3))
        w = (WIDTH - 90 * mm) / 4
        self.story.append(self.table(["Provider", "Contract", "Outcomes", "Claimed", "To pay", "Withheld", "Deferred"],
                                     body, [40 * mm, 28 * mm, 22 * mm, w, w, w, w], {2, 3, 4, 5, 6}))

    def judgements(self) -> None:
        self.h("3. Practice judgements")
        rows = self.q("""SELECT judgement_value, judgement_label, sum(items) FROM v_judgements_by_item_kind
                         WHERE kind = 'decision' GROUP BY 1, 2 ORDER BY 1 DESC""")
        self.chart_and_table(_bar([f"{v} {lab or ''}"[:28] for v, lab, _ in rows], [n for *_, n in rows]),
                             self.table(["Judgement", "Decisions"], [[f"{v} {lab or ''}", n] for v, lab, n in rows],
                                        [55 * mm, 20 * mm], {1}), "Graded judgements of decisions")
        answers = self.q("""SELECT a.question, a.value, count(*) FROM answers a JOIN reports r ON r.sha256 = a.report
                            JOIN items i ON i.report = a.report AND i.item_id = a.item_id
                            WHERE r.counted = 1 AND i.kind = 'decision' AND a.value LIKE '"%'
                            AND a.question NOT IN ('rationale') GROUP BY 1, 2 ORDER BY 1, 3 DESC""")
        by_q: dict[str, list[str]] = {}
        for question, value, n in answers:
            by_q.setdefault(question, []).append(f"{json.loads(value)} {n}")
        self.story.append(Paragraph("Answers by question (decisions)", self.st.h3))
        self.story.append(self.table(["Question", "Answers (count)"], [[k, "; ".join(v)] for k, v in by_q.items()],
                                     [40 * mm, WIDTH - 40 * mm]))
        themes: Counter = Counter()
        for (value,) in self.q("""SELECT a.value FROM answers a JOIN reports r ON r.sha256 = a.report
                                 WHERE r.counted = 1 AND a.item_id IS NULL AND a.question = 'themes'"""):
            try:
                themes.update(t for t in json.loads(value) if isinstance(t, str))
            except (ValueError, TypeError):
                continue
        self.story.append(Paragraph("Learning themes by frequency", self.st.h3))
        self.story.append(self.table(["Theme", "Reviews"], [[t, n] for t, n in themes.most_common()],
                                     [80 * mm, 20 * mm], {1}))

    def timeliness(self) -> None:
        self.h("4. Timeliness")
        rows = self.q("""SELECT rule, met, missed, not_evidenced, instances, met_rate FROM v_timeliness_by_rule""")
        self.chart_and_table(
            _bar([r[0][:30] for r in rows], [round((r[5] or 0) * 100, 1) for r in rows], value_max=100),
            self.table(["Rule", "Met", "Missed", "Not evidenced", "Met rate"],
                       [[r[0], r[1], r[2], r[3], _pct(r[5])] for r in rows],
                       [30 * mm, 12 * mm, 15 * mm, 19 * mm, 14 * mm], {1, 2, 3, 4}),
            "Share of timescales met, by rule (met of met, missed and not evidenced)")

    def moderation(self) -> None:
        self.h("5. Moderation")
        (n,) = self.q("SELECT count(*) FROM moderations WHERE counted = 1")[0]
        (paired,) = self.q("SELECT count(*) FROM moderations WHERE counted = 1 AND paired_with IS NOT NULL")[0]
        self.p(f"{n} moderation record{'s' if n != 1 else ''} counted, {paired} paired with a collected report.")
        rows = self.q("SELECT question, n, exact, within_one, kappa, kappa_low, kappa_high FROM agreement ORDER BY 1")
        body = [[q, k, _pct(e), _pct(w), _num(kap), "—" if lo is None else f"{lo:.2f} to {hi:.2f}"]
                for q, k, e, w, kap, lo, hi in rows]
        self.story.append(Paragraph("Reviewer against moderator, per graded question", self.st.h3))
        self.story.append(self.table(["Question", "n", "Exact", "Within one", "Kappa (quadratic)", "95% interval"],
                                     body, [35 * mm, 12 * mm, 20 * mm, 22 * mm, 30 * mm, WIDTH - 119 * mm],
                                     {1, 2, 3, 4}))
        self.p("Kappa is Cohen's, quadratic-weighted; the interval is from 2,000 bootstrap resamples with a fixed "
               "seed, so the same evidence gives the same figures.", self.st.small_muted)
        dis = self.q("""SELECT m.case_reference, mi.item_id, mi.reviewer_judgement, mi.moderated_judgement
                        FROM moderation_items mi JOIN moderations m ON m.record = mi.record
                        WHERE m.counted = 1 AND mi.reviewer_judgement IS NOT mi.moderated_judgement ORDER BY 1, 2""")
        self.story.append(Paragraph("Disagreements", self.st.h3))
        self.story.append(self.table(["Case", "Item", "Reviewer", "Moderator"], [list(r) for r in dis],
                                     [40 * mm, 20 * mm, 30 * mm, 30 * mm]))

    def over_time(self) -> None:
        self.h("6. Over time")
        rows = self.q("""
            SELECT substr(r.completed, 1, 7), count(DISTINCT r.sha256),
                   avg(CASE WHEN i.judgement_value IS NULL THEN NULL ELSE i.judgement_value >= 3 END)
            FROM reports r LEFT JOIN items i ON i.report = r.sha256
            WHERE r.counted = 1 AND r.completed IS NOT NULL GROUP BY 1 ORDER BY 1""")
        label = lambda ym: uk_date(f"{ym}-15", short=True).split(" ", 1)[1]  # noqa: E731
        self.chart_and_table(_bar([label(m) for m, *_ in rows], [n for _, n, _ in rows], horizontal=False),
                             self.table(["Month", "Reviews", "Good or better"],
                                        [[label(m), n, _pct(g)] for m, n, g in rows], [25 * mm, 18 * mm, 28 * mm],
                                        {1, 2}), "Reviews completed per month")

    def build(self) -> bytes:
        ensure_fonts()
        when = self.q("SELECT finished, id FROM runs WHERE id = coalesce(?, (SELECT max(id) FROM runs))", self.run)
        finished, run = when[0] if when else (None, None)
        self.story += [Paragraph("Evidence base summary", self.st.cover_title),
                       Paragraph(f"Collected signed case reviews; run {run}, {esc(london_time(finished))}.",
                                 self.st.cover_sub),
                       Paragraph(f"Evidence base SHA-256 <font name='CaseViewMono'>{self.db_sha256}</font>. "
                                 "This summary is derived and not signed: every figure can be traced to the "
                                 "reports in that evidence base, each of whose signatures was checked.",
                                 self.st.small_muted)]
        for part in (self.collected, self.outcomes, self.judgements, self.timeliness, self.moderation,
                     self.over_time):
            part()
        buf = io.BytesIO()

        def footer(c, doc):
            c.saveState()
            c.setFont(SANS, 7.5)
            c.setFillColor(MUTED)
            c.drawString(18 * mm, 10 * mm, "CaseView evidence base summary (not signed)")
            c.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc.page}")
            c.restoreState()

        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                bottomMargin=18 * mm, title="Evidence base summary", author="CaseView collect")
        doc.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return buf.getvalue()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_summary(evidence_base: Path, out: Path, *, run: int | None = None) -> Path:
    """Write the summary of ``evidence_base`` to ``out`` atomically; returns ``out``."""
    conn = sqlite3.connect(evidence_base, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the hash then covers every committed row
        data = _Summary(conn, file_sha256(Path(evidence_base)), run).build()
    finally:
        conn.close()
    try:
        write_atomically(Path(out), data, mode=0o644)
    except OSError as exc:
        raise CollectError(f"The summary could not be written to {out} ({exc.strerror or exc}).") from None
    return Path(out)

