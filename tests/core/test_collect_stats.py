"""Agreement statistics against published worked examples: quadratic-weighted kappa, exact and within one."""

from __future__ import annotations

import pytest

from caseview.core.collect.stats import agreement, bootstrap_interval, quadratic_kappa


def test_quadratic_kappa_matches_maples_published_examples():
    # Maplesoft, EssayTools[QuadraticWeightedKappa] help page, Examples 1 and 2:
    # QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [8,8,6,6,7,6,1,4,8]) = 0.758620689655172
    # QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [3,5,6,6,7,6,1,4,8]) = 0.438095238095238
    a = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    assert quadratic_kappa(list(zip(a, [8, 8, 6, 6, 7, 6, 1, 4, 8]))) == pytest.approx(0.758620689655172, abs=1e-12)
    assert quadratic_kappa(list(zip(a, [3, 5, 6, 6, 7, 6, 1, 4, 8]))) == pytest.approx(0.438095238095238, abs=1e-12)


def test_two_categories_give_cohens_kappa_of_the_textbook_example():
    # Wikipedia, "Cohen's kappa", simple example: 50 proposals, both yes 20, A yes B no 5, A no B yes 10,
    # both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4. With two grades the quadratic weights are 0/1,
    # so the weighted kappa is Cohen's.
    pairs = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    assert quadratic_kappa(pairs) == pytest.approx(0.4)
    a = agreement(pairs)
    assert (a.n, a.exact, a.within_one, a.kappa) == (50, 0.7, 1.0, 0.4)
    assert a.kappa_low < 0.4 < a.kappa_high


def test_quadratic_kappa_equals_the_weighted_table_formula():
    # 1 - sum(w O) / sum(w E) with w = (i - j)^2, computed from the contingency table directly.
    pairs = [(4, 4), (3, 3), (3, 2), (2, 2), (2, 3), (1, 2), (3, 3), (4, 3), (2, 2), (1, 1), (3, 1), (2, 4)]
    n = len(pairs)
    grades = range(1, 5)
    rows = {g: sum(1 for x, _ in pairs if x == g) for g in grades}
    cols = {g: sum(1 for _, y in pairs if y == g) for g in grades}
    observed = sum((x - y) ** 2 for x, y in pairs)
    expected = sum((i - j) ** 2 * rows[i] * cols[j] / n for i in grades for j in grades)
    assert quadratic_kappa(pairs) == pytest.approx(1 - observed / expected)


def test_perfect_agreement_and_undefined_cases():
    assert quadratic_kappa([(1, 1), (2, 2), (4, 4)]) == pytest.approx(1.0)
    assert quadratic_kappa([(3, 3), (3, 3)]) is None  # one grade throughout: kappa is undefined, not 1
    assert quadratic_kappa([]) is None
    empty = agreement([])
    assert empty.n == 0 and empty.kappa is None and empty.exact is None
    assert bootstrap_interval([(1, 2)]) is None


def test_bootstrap_interval_is_seeded():
    pairs = [(4, 4), (3, 3), (3, 2), (2, 2), (2, 3), (1, 2), (3, 3), (4, 3), (2, 2), (1, 1), (3, 1), (2, 4)] * 3
    first = bootstrap_interval(pairs, resamples=500, seed=7)
    assert first == bootstrap_interval(pairs, resamples=500, seed=7)
    assert first != bootstrap_interval(pairs, resamples=500, seed=8)
    assert first[0] < quadratic_kappa(pairs) < first[1]
    a = agreement(pairs)
    assert a.exact == round(sum(x == y for x, y in pairs) / len(pairs), 4)
    assert a.within_one == round(sum(abs(x - y) <= 1 for x, y in pairs) / len(pairs), 4)
