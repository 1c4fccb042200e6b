"""The fast paths of the personal-data detectors find exactly what their plain patterns find.

The detectors check look-behinds by hand and start the digit-led patterns from the page's digit runs
(pdscan_detectors: Speed). Here each is compared with the plain ``finditer`` of the whole pattern over
random text built from the pieces that matter: digits and their separators, letters either side, wrapped
lines, titles, birth words, street words, and characters whose case folding is unusual.
"""

from __future__ import annotations

import random
import re

import pytest

from caseview.core import pdscan_detectors as D

PIECES = (["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] * 6
          + [" ", " ", " ", "\n", "-", ".", "(", ")", ",", "\t", "\u00a0", "/", "_", "@", "+44 "]
          + list("ABCDEHJKLMNPRSTWXYZabdehnrstwz") + ["\u212a", "\u017f", "\u0660", "\u0665"]
          + ["Mr ", "Mrs ", "Dr. ", "MS ", "born ", "D.O.B. ", "date of birth ", "dob ", "Flat ", "flat ",
             " Road", " Street", " Court", " St.", "Family ", "Kestrel ", "GIR 0AA", "SW1A 1AA", "M1 1AE",
             "AB123456C", "QQ 12 34 56 A", "ab 123456 c", "JK12\n34 56D", "943 476 5919", "123 456 7890",
             "1234567890", "123456 7890", "123-4567890", "12 34", "(0)", "A123456789012", "z000000000000 ", "0161 496\n0685", "07700 900123"])


def _texts(seed: int, n: int = 1500) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 80))) for _ in range(n)]


def _plain(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _runs(matches):
    return lambda t: matches(t, D._digit_runs(t))


CASES = {
    "nhs": (D._NHS_NUMBER, _runs(D._nhs_matches)),
    "ni": (D._NINO, _runs(D._ni_matches)),
    "upn": (D._UPN, _runs(D._upn_matches)),
    "postcode": (D._POSTCODE, _runs(D._postcode_matches)),
    "address": (D._ADDRESS, _runs(D._address_matches)),
    "title": (re.compile(rf"{D._A}(?:Mrs|Miss|Mr|Ms|Mx|Dr|MRS|MISS|MR|MS|MX|DR){D._Z}\.?"), D._titles),
    "birth": (re.compile(rf"{D._A}(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born){D._Z}", re.IGNORECASE),
              lambda t: D._after(D._BIRTH_WORD, D._NOT_IN_A_WORD, t)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_matching_equals_the_plain_pattern(name):
    plain, fast = CASES[name]
    texts = _texts(sum(map(ord, name)))
    hits = 0
    for text in texts:
        expected = _plain(plain, text)
        assert [m.span() for m in fast(text)] == expected, repr(text)
        hits += bool(expected)
    assert hits > 10, f"the random texts hardly exercise {name}: {hits} with a match"


def test_the_address_pattern_with_possessive_house_numbers_finds_what_the_backtracking_one_finds():
    plain_house = r"\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?,?\s{1,3}"
    plain = re.compile(D._ADDRESS.pattern.replace(D._HOUSE, plain_house))
    assert plain.pattern != D._ADDRESS.pattern
    hits = 0
    for text in _texts(17, 4000):
        expected = _plain(plain, text)
        assert _plain(D._ADDRESS, text) == expected, repr(text)
        hits += bool(expected)
    assert hits > 50


def test_the_birth_word_pre_check_never_turns_away_a_page_with_a_birth_word():
    plain = re.compile(rf"{D._A}(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born){D._Z}", re.IGNORECASE)
    turned_away = with_word = 0
    for text in _texts(23, 4000):
        if not text.isascii():
            continue  # the pre-check is for ASCII pages only
        may = D._may_name_a_birth(text.lower())
        if plain.search(text):
            with_word += 1
            assert may, repr(text)
        turned_away += not may
    assert with_word > 100 and turned_away > 100  # it was tested both ways
    for form in ("dob", "d.o.b", "d o b", "d. o. b.", "D.O.B", "d.\no.\nb", "Born", "date of\nbirth"):
        page = f"Seen at home (x {form} 12/03/2015) on Monday."
        assert plain.search(page) and D._may_name_a_birth(page.lower()), form


def test_phone_candidates_are_the_digit_spans_the_plain_pattern_finds():
    plain = re.compile(r"\d(?:[ \t().\-]{0,2}\d){7,}")
    for text in _texts(11):
        joined = D._WRAPPED_DIGITS.sub(" ", text)
        assert list(D._phone_candidates(text, D._digit_runs(text))) == _plain(plain, joined), repr(text)


def test_a_planted_identifier_is_found_in_running_text():
    page = ("Visit on 3 May 2024. Mrs Okafor said the baby was born 12/03/2015 at home; NHS 943 476 5919,\n"
            "tel 0161 496\n0685, NI QQ 12 34 56 A, UPN A123456789012 (check letter aside), 14 Kestrel Drive, "
            "M1 1AE, mum@example.org.")
    kinds = {h.kind for h in D.run_detectors(page)}
    assert {"titled-name", "date-of-birth", "nhs-number", "phone", "address", "postcode", "email"} <= kinds
