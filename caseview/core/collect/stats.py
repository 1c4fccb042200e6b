"""Agreement between reviewer and moderator: exact, within one, quadratic-weighted Cohen's kappa with a bootstrap CI.

Kappa with quadratic weights compares the mean squared difference between the two
grades with the mean squared difference expected if the two raters graded
independently with the same marginal distributions (Cohen 1968; Fleiss & Cohen 1973):

    kappa_w = 1 - mean((x - y)^2) / (var(x) + var(y) + (mean(x) - mean(y))^2)

with population variances, which equals ``1 - sum(w*O) / sum(w*E)`` for weights
``(i - j)^2`` on equally spaced grades. The interval is the 2.5th and 97.5th
percentiles of kappa over ``B`` resamples of the pairs, drawn with a fixed seed, so a
re-run over the same evidence gives the same figures.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from typing import Sequence

SEED = 20261203
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Agreement:
    n: int
    exact: float | None
    within_one: float | None
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None


def _kappa_from_sums(n: int, sx: float, sy: float, sxx: float, syy: float, sd2: float) -> float | None:
    mx, my = sx / n, sy / n
    expected = (sxx / n - mx * mx) + (syy / n - my * my) + (mx - my) ** 2
    if expected <= 1e-12:
        return None  # both raters gave one and the same grade throughout: kappa is undefined
    return 1.0 - (sd2 / n) / expected


def quadratic_kappa(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Quadratic-weighted kappa of (reviewer, moderator) grade pairs; None when there are none or it is undefined."""
    n = len(pairs)
    if n == 0:
        return None
    sx = sum(x for x, _ in pairs)
    sy = sum(y for _, y in pairs)
    sxx = sum(x * x for x, _ in pairs)
    syy = sum(y * y for _, y in pairs)
    sd2 = sum((x - y) ** 2 for x, y in pairs)
    return _kappa_from_sums(n, sx, sy, sxx, syy, sd2)


def bootstrap_interval(pairs: Sequence[tuple[float, float]], *, resamples: int = BOOTSTRAP,
                       seed: int = SEED) -> tuple[float, float] | None:
    """The percentile 95% interval of kappa over ``resamples`` resamples with replacement (seeded)."""
    n = len(pairs)
    if n < 2:
        return None
    rng = random.Random(seed)
    terms = [(x, y, x * x, y * y, (x - y) ** 2) for x, y in pairs]
    values = []
    for _ in range(resamples):
        sx = sy = sxx = syy = sd2 = 0.0
        for i in rng.choices(range(n), k=n):
            x, y, xx, yy, d2 = terms[i]
            sx += x
            sy += y
            sxx += xx
            syy += yy
            sd2 += d2
        k = _kappa_from_sums(n, sx, sy, sxx, syy, sd2)
        if k is not None:
            values.append(k)
    if len(values) < resamples // 2:
        return None  # most resamples were all one grade: no honest interval
    values.sort()
    lo = values[int(0.025 * (len(values) - 1))]
    hi = values[int(round(0.975 * (len(values) - 1)))]
    return lo, hi


def agreement(pairs: Sequence[tuple[float, float]], *, resamples: int = BOOTSTRAP, seed: int = SEED) -> Agreement:
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None, None, None, None)
    exact = sum(1 for x, y in pairs if x == y) / n
    within = sum(1 for x, y in pairs if abs(x - y) <= 1) / n
    ci = bootstrap_interval(pairs, resamples=resamples, seed=seed)
    return Agreement(n, round(exact, 4), round(within, 4), _r(quadratic_kappa(pairs)),
                     _r(ci[0]) if ci else None, _r(ci[1]) if ci else None)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _grade(value: str | None, order: dict[str, int]) -> float | None:
    """A stored grade as a number: a scale value as itself, a choice by its place in the framework's options."""
    if value is None:
        return None
    try:
        return float(int(value))
    except ValueError:
        return float(order[value]) if value in order else None


def _options(framework_id: str, version: str | None, question: str) -> dict[str, int]:
    from .facts import _framework

    fw = _framework({"id": framework_id, "version": version})
    if fw is None:
        return {}
    for qs in fw.item_questions.values():
        for q in qs:
            if q.id == question and q.options:
                return {opt: i for i, opt in enumerate(q.options)}
    return {}


def write_agreement(conn: sqlite3.Connection, *, resamples: int = BOOTSTRAP, seed: int = SEED) -> None:
    """Recompute the ``agreement`` table from the counted moderation records (the caller holds the transaction)."""
    conn.execute("DELETE FROM agreement")
    rows = conn.execute("""
        SELECT m.framework_id, max(m.framework_version), mi.question, mi.reviewer_judgement, mi.moderated_judgement
        FROM moderation_items mi JOIN moderations m ON m.record = mi.record
        WHERE m.counted = 1 AND mi.question IS NOT NULL
          AND mi.reviewer_judgement IS NOT NULL AND mi.moderated_judgement IS NOT NULL
        GROUP BY mi.record, mi.item_id ORDER BY m.framework_id, mi.question, mi.record, mi.item_id""").fetchall()
    groups: dict[tuple[str, str], list] = {}
    for fw_id, version, question, rj, mj in rows:
        groups.setdefault((fw_id, question), []).append((version, rj, mj))
    for (fw_id, question), values in groups.items():
        order = _options(fw_id, values[0][0], question)
        pairs = [(a, b) for _, rj, mj in values
                 if (a := _grade(rj, order)) is not None and (b := _grade(mj, order)) is not None]
        a = agreement(pairs, resamples=resamples, seed=seed)
        conn.execute("INSERT INTO agreement VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (fw_id, question, a.n, a.exact, a.within_one, a.kappa, a.kappa_low, a.kappa_high,
                      resamples, seed))
