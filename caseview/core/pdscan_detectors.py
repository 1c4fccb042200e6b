"""The personal-data detectors: each finds one kind of identifier in a page's text and says why, never what."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

HIGH = "high"
LOW = "low"

# "Not preceded / followed by a letter or digit": \b would treat "_" as a word character.
_A = r"(?<![^\W_])"
_Z = r"(?![^\W_])"
_SEP = "[ \u00a0\\-\n]"  # what separates the groups of an NHS number (\n: a PDF line wrapped inside it)
NEAR = 40  # characters between a number or date and the word that says what it is


class Hit(NamedTuple):
    """One detector's match: offsets into the page text, how sure, and why (without the match)."""

    kind: str
    start: int
    end: int
    confidence: str
    reason: str


def _near(start: int, end: int, keywords: list[tuple[int, int]], limit: int = NEAR) -> bool:
    for k_start, k_end in keywords:
        if k_end <= start and start - k_end <= limit:
            return True
        if end <= k_start and k_start - end <= limit:
            return True
        if k_start < end and start < k_end:
            return True
    return False


def _spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text)]


# Speed (issue 16: the check runs beside PDFium in the import's workers). Python's engine scans quickly for a
# pattern that starts with a character class, and tries every position of the page for one that starts with a
# look-behind. So the look-behinds are checked here, at the engine's candidate (``_after``), and the digit-led
# detectors start from one shared list of the page's digit runs (``_digit_runs``) instead of a pass each.
# ``tests/core/test_pdscan_equivalence.py`` holds them to the plain patterns' matches.

_RUN = re.compile(r"\d+")
_DIGITS_ONLY = bytes(c if 48 <= c <= 57 else 32 for c in range(256))  # bytes.translate: 0-9 kept, the rest a space


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of digits. An ASCII page (most) is reduced to its digits and spaces by
    ``bytes.translate`` and the runs found by ``find``, about six times quicker than the engine's pass."""
    if not text.isascii():
        return [m.span() for m in _RUN.finditer(text)]  # \d: any script's decimal digits
    shape = text.encode("ascii").translate(_DIGITS_ONLY)
    runs = []
    at = 0
    for run in shape.split():
        at = shape.find(run, at)  # only spaces lie between the last run's end and this one
        runs.append((at, at + len(run)))
        at += len(run)
    return runs


def _after(rx: re.Pattern[str], before: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``finditer`` of the pattern ``before`` + ``rx``, where ``before`` is look-behinds only."""
    pos = 0
    while (m := rx.search(text, pos)) is not None:
        if before.match(text, m.start()) is None:
            pos = m.start() + 1
        else:
            yield m
            pos = m.end()


def _at(rx: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``finditer`` of ``rx`` when every place it can start is among ``starts`` (in any order, repeats allowed)."""
    pos = 0
    for start in sorted(set(starts)):
        if start >= pos and (m := rx.match(text, start)) is not None:
            yield m
            pos = m.end()


# --- NHS number -------------------------------------------------------------------------------------

# The look-arounds keep a 3-3-4 group from being cut out of a longer run of digit groups.
_NHS_NUMBER = re.compile(rf"{_A}(?<!\d{_SEP})(\d{{3}})({_SEP}?)(\d{{3}})({_SEP}?)(\d{{4}}){_Z}(?!{_SEP}\d)")
_NHS_WORD = re.compile(rf"{_A}NHS{_Z}", re.IGNORECASE)


def _nhs_matches(text: str, runs: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    # A match starts a digit run of 3 (3 3 4, 3 7), 6 (6 4) or 10 digits.
    return _at(_NHS_NUMBER, text, (s for s, e in runs if e - s in (3, 6, 10)))


def nhs_check_digit_holds(digits: str) -> bool:
    """The NHS number's modulus 11 check (NHS Data Dictionary): ten ASCII digits whose sum weighted 10 down to 1
    is a multiple of 11 (a remainder that would need a check digit of 10 is no NHS number). Our own, not
    python-stdnum's: that library's import (pydoc, ssl, urllib) was about half of each PDF worker's detector start."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return sum(w * int(d) for w, d in zip(range(10, 0, -1), digits)) % 11 == 0


def detect_nhs_numbers(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    keywords: list[tuple[int, int]] | None = None
    for m in _nhs_matches(text, _digit_runs(text) if runs is None else runs):
        digits = m.group(1) + m.group(3) + m.group(5)
        if not nhs_check_digit_holds(digits):
            continue
        grouped = bool(m.group(2)) and bool(m.group(4))
        if keywords is None:
            keywords = _spans(_NHS_WORD, text)
        if _near(m.start(), m.end(), keywords):
            yield Hit("nhs-number", m.start(), m.end(), HIGH,
                      "A 10-digit number with a valid NHS check digit, next to the word NHS.")
        elif grouped:
            # About one grouped 10-digit number in eleven passes the check by chance.
            yield Hit("nhs-number", m.start(), m.end(), LOW,
                      "A 10-digit number grouped 3 3 4 with a valid NHS check digit.")


# --- National Insurance number ----------------------------------------------------------------------

# HMRC: D, F, I, Q, U, V are never a prefix letter; O is never the second.
_NINO = re.compile(
    rf"{_A}([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ \n]?(\d\d)[ \n]?(\d\d)[ \n]?(\d\d)[ \n]?([A-D]){_Z}", re.IGNORECASE)
_NINO_UNALLOCATED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _ni_matches(text: str, runs: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    # A match starts two or three characters before a digit run of 2, 4 or 6 (the prefix, perhaps a space),
    # where no letter or digit comes before it: the year of "April 2025" is not tried.
    starts = []
    for s, e in runs:
        if e - s in (2, 4, 6):
            if s >= 2 and text[s - 2:s].isalpha():
                if s == 2 or not text[s - 3].isalnum():
                    starts.append(s - 2)
            elif s >= 3 and text[s - 1] in " \n" and text[s - 3:s - 1].isalpha():
                if s == 3 or not text[s - 4].isalnum():
                    starts.append(s - 3)
    return _at(_NINO, text, starts)


def detect_ni_numbers(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    for m in _ni_matches(text, _digit_runs(text) if runs is None else runs):
        if m.group(1).upper() in _NINO_UNALLOCATED:
            continue
        if m.group() == m.group().upper():
            yield Hit("ni-number", m.start(), m.end(), HIGH,
                      "A National Insurance number: an allocated prefix, six digits and a suffix A to D.")
        elif not any(c.isspace() for c in m.group()):
            # Spaced and in lower case it is as likely words and figures ("at 12 10 10 a").
            yield Hit("ni-number", m.start(), m.end(), LOW,
                      "A National Insurance number's pattern, written in lower case.")


# --- Unique Pupil Number ----------------------------------------------------------------------------

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # DfE's check-letter table: 23 letters, no I, O or S
_UPN = re.compile(rf"{_A}([A-Za-z])(\d{{12}}){_Z}")


def upn_check_letter(digits: str) -> str:
    """DfE: characters 2 to 13 weighted 2 to 13, summed, modulo 23, looked up in the letter table."""
    return UPN_LETTERS[sum(weight * int(d) for weight, d in zip(range(2, 14), digits, strict=True)) % 23]


def _upn_matches(text: str, runs: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    return _at(_UPN, text, (s - 1 for s, e in runs if e - s == 12 and s >= 1))  # a letter, then 12 digits


def detect_upns(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    for m in _upn_matches(text, _digit_runs(text) if runs is None else runs):
        if m.group(1).upper() == upn_check_letter(m.group(2)):
            yield Hit("upn", m.start(), m.end(), HIGH,
                      "A Unique Pupil Number: a letter then 12 digits with a valid check letter.")


# --- Postcode ---------------------------------------------------------------------------------------

# Royal Mail's format: the letters each position may hold; the inward code never uses C I K M O V.
_POSTCODE = re.compile(
    rf"{_A}(?:GIR[ \u00a0]?0AA|[A-PR-UWYZ](?:\d\d?|\d[A-HJKPSTUW]|[A-HK-Y]\d\d?|[A-HK-Y]\d[ABEHMNPRVWXY])"
    rf"[ \u00a0\n]?\d[ABD-HJLNP-UW-Z]{{2}}){_Z}", re.IGNORECASE)  # \n: wrapped in a PDF's text


def _postcode_matches(text: str, runs: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    # The inward code is the last digit of a run and two letters; the outward code and a space come 2 to 5
    # characters before that digit.
    starts = [e - 1 - k for s, e in runs if text[e:e + 2].isalpha() for k in range(2, 6)]
    return _at(_POSTCODE, text, (s for s in starts if s >= 0))


def detect_postcodes(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    for m in _postcode_matches(text, _digit_runs(text) if runs is None else runs):
        code = m.group()
        if code == code.upper() and not code.isalnum():
            yield Hit("postcode", m.start(), m.end(), HIGH, "A full UK postcode.")
        else:
            # Written without the space or in lower case it is less surely a postcode (a reference, a code).
            yield Hit("postcode", m.start(), m.end(), LOW,
                      "A UK postcode's pattern, written without the space or in lower case.")


# --- Telephone --------------------------------------------------------------------------------------

# Helplines and organisations' lines, not a person's: Childline, NSPCC, Samaritans, NHS 111, 999...
_HELPLINES = frozenset({"8001111", "8088005000", "116123", "111", "999", "112", "101", "105", "119"})
_SERVICE_TYPES = frozenset({phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
                            phonenumbers.PhoneNumberType.UAN, phonenumbers.PhoneNumberType.PREMIUM_RATE})


_WRAPPED_DIGITS = re.compile(r"(?<=\d)\n(?=\d)")  # "0161 496\n0685": a PDF line wrapped inside a number
_NUMBER_GAP = frozenset(" \t().-")


def _phone_candidates(text: str, runs: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Spans of eight or more digits with at most two separators (or one wrapped line) between digits: every UK
    number (10 or 11 digits, +44 and 9 or 10, or a short helpline such as 0800 1111) is one of these."""
    i = 0
    while i < len(runs):
        start, end = runs[i]
        digits = end - start
        j = i + 1
        while j < len(runs):
            gap = text[end:runs[j][0]]
            if not (gap == "\n" or (len(gap) <= 2 and all(c in _NUMBER_GAP for c in gap))):
                break
            end = runs[j][1]
            digits += end - runs[j][0]
            j += 1
        if digits >= 8:
            yield start, end
        i = j


def _phone_windows(text: str, runs: list[tuple[int, int]]) -> Iterator[tuple[int, str]]:
    """(offset, text) of a window around each candidate, where the library's matcher runs: over a whole page of
    prose (dates, times, money, references) it was half the check's cost."""
    end = -1
    for c_start, c_end in _phone_candidates(text, runs):
        if c_start < end:
            continue
        start, end = max(0, c_start - 6), min(len(text), c_end + 2)
        # the window starts at a word boundary, so the matcher sees "+44 (0)" and what comes before the number
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        yield start, _WRAPPED_DIGITS.sub(" ", text[start:end + 1])[:end - start]  # same length: offsets hold


@lru_cache(maxsize=4096)
def _window_hits(window: str) -> tuple[Hit, ...]:
    """The telephone numbers in one window, offsets into it. Cached: a letterhead's number or a case reference
    in a running head is the same window on every page."""
    hits = []
    for match in phonenumbers.PhoneNumberMatcher(window, "GB"):
        number, start, end = match.number, match.start, match.end
        if not phonenumbers.is_valid_number(number):
            continue
        national = phonenumbers.national_significant_number(number)
        if number.country_code == 44 and (national in _HELPLINES or national.startswith("116")):
            hits.append(Hit("phone", start, end, LOW, "A national helpline number."))
        elif phonenumbers.number_type(number) in _SERVICE_TYPES:
            hits.append(Hit("phone", start, end, LOW,
                            "A freephone, shared-cost or non-geographic number, more often an organisation's."))
        elif number.country_code != 44:
            hits.append(Hit("phone", start, end, LOW, "A valid telephone number outside the UK."))
        else:
            hits.append(Hit("phone", start, end, HIGH, "A valid UK telephone number."))
    return tuple(hits)


def detect_phones(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    for offset, window in _phone_windows(text, _digit_runs(text) if runs is None else runs):
        for hit in _window_hits(window):
            yield hit._replace(start=hit.start + offset, end=hit.end + offset)


# --- Email ------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+'\-])[A-Za-z0-9%+'_\-]+(?:\.[A-Za-z0-9%+'_\-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w\-])")


def detect_emails(text: str) -> Iterator[Hit]:
    for m in _EMAIL.finditer(text):
        yield Hit("email", m.start(), m.end(), HIGH, "An email address.")


# --- Date of birth ----------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_ORD = r"(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"{_A}(?:(?P<y1>\d{{4}})-(?P<m1>\d\d?)-(?P<d1>\d\d?)"
    rf"|(?P<d2>\d\d?)(?P<sep>[/.\-])(?P<m2>\d\d?)(?P=sep)(?P<y2>\d{{4}}|\d\d)"
    rf"|(?P<d3>\d\d?){_ORD}\s+(?:of\s+)?(?P<m3>{_MONTH})\.?,?\s+(?P<y3>\d{{4}})"
    rf"|(?P<m4>{_MONTH})\.?\s+(?P<d4>\d\d?){_ORD},?\s+(?P<y4>\d{{4}})){_Z}", re.IGNORECASE)
# "dob", "d.o.b.", "date of birth", "born" in any case, not inside a word (the look-behind is _after's).
_BIRTH_WORD = re.compile(rf"[dDbB](?i:(?<=[dD])\.?\s?o\.?\s?b\.?|(?<=[dD])ate\s+of\s+birth|(?<=[bB])orn){_Z}")
_NOT_IN_A_WORD = re.compile(_A)
_DOB_LOWER = re.compile(r"d\.?\s?o\.?\s?b")
_BORN_OR_BIRTH = re.compile(r"b(?:orn|irth)")  # one pass from a literal "b": 3 us a dense page, two `in` were 8


def _may_name_a_birth(low: str) -> bool:
    """False only if the lower-cased ASCII page cannot hold a birth word: no "born", "birth" or d.o.b."""
    return _BORN_OR_BIRTH.search(low) is not None or _DOB_LOWER.search(low) is not None


def _as_date(m: re.Match[str]) -> date | None:
    for i in "1234":
        if m.group(f"y{i}"):
            year, month, day = m.group(f"y{i}"), m.group(f"m{i}"), m.group(f"d{i}")
            break
    else:  # pragma: no cover - the pattern always fills one branch
        return None
    y = int(year) + (2000 if len(year) == 2 else 0)
    mo = int(month) if month.isdigit() else _MONTHS.index(month[:3].lower()) + 1
    try:
        return date(y, mo, int(day))
    except ValueError:
        return None


# Between a birth word and its date: no sentence end ("born early. On 3 May ..."), no other date, no
# new line that starts with a capital ("Date of birth: [redacted]\nReferral received 3 May ..."), no verb
# of another event ("born at 32 weeks and discharged on 3 May ..."); a line wrapped mid-sentence is fine.
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n[^\n]*[A-Z]|\b(?:discharged|admitted|seen|visited|moved|referred"
                           r"|transferred|started|attended|returned|placed|reviewed|assessed|examined|weighed)\b")
_BEFORE_WORD = re.compile(r"[ \u00a0]*[(\[][ \u00a0]*")  # "12/03/2015 (DOB)"; not "1/7/2026   Date of birth"


def _birth_date(keywords: list[tuple[int, int]], start: int, end: int, previous_end: int, text: str) -> bool:
    for k_start, k_end in keywords:
        if k_end <= start and start - k_end <= NEAR and k_end >= previous_end:
            if not _SENTENCE_END.search(text, k_end, start):
                return True
        elif end <= k_start and _BEFORE_WORD.fullmatch(text, end, k_start):
            return True
    return False


def detect_dates_of_birth(text: str) -> Iterator[Hit]:
    """A date the birth word introduces (within 40 characters, the same sentence, no date between), or one
    the word follows at once ("12/03/2015 (DOB)"); "Date of referral: 1/7/2026  Date of birth: [redacted]"
    and "paid on 3 May 2025. The baby was born at 34 weeks" are not dates of birth."""
    if text.isascii():  # (for ASCII, lower() is the engine's own case folding) most pages have no birth word
        low = text.lower()
        if not _may_name_a_birth(low):
            return
    keywords = [m.span() for m in _after(_BIRTH_WORD, _NOT_IN_A_WORD, text)]
    if not keywords:
        return
    previous_end = 0
    for m in _DATE.finditer(text):
        if _as_date(m) is None:
            continue
        if _birth_date(keywords, m.start(), m.end(), previous_end, text):
            yield Hit("date-of-birth", m.start(), m.end(), HIGH,
                      "A full date that a word for date of birth introduces, within 40 characters.")
        previous_end = m.end()


# --- Titled name ------------------------------------------------------------------------------------

# Words that follow a title in an anonymised bundle without being a name ("Mrs Foster Carer", "Dr GP").
ROLE_WORDS = frozenset("""
Social Worker Workers Mother Father Grandmother Grandfather Grandparent Grandparents Parent Parents Stepmother
Stepfather Step Guardian Aunt Uncle Sister Brother Sibling Cousin Partner Baby Infant Child Children Young
Person Pupil Student Teacher Teaching Assistant Headteacher Head Deputy Principal Class Form Tutor School
Nursery College Health Visitor Midwife Nurse Doctor GP Practitioner Paediatrician Consultant Psychologist
Psychiatrist Therapist Counsellor Clinician Clinical Specialist Surgeon Dentist Optician Pharmacist Manager
Team Senior Chair Chairperson Chief Director Officer Coordinator Co-ordinator Lead Leader Designated
Safeguarding Named Family Support Independent Reviewing Reviewer Advocate Solicitor Barrister Judge Magistrate
Legal Adviser Advisor Interpreter Translator Foster Carer Carers Kinship Adoptive Adopter Residential Key
Police Constable Sergeant Inspector Detective PC DC Probation Youth Offending Housing Landlord Neighbour
Friend Employer Supervisor Supervising Duty Area Locality Agency Staff Member Panel Service Services Community
Early Help Education Welfare Attendance Contact Case Unknown Redacted Name Surname Applicant Respondent
Councillor Governor Practice Unit Ward Hospital Clinic Surgery Trust Council Authority Local Barnardo
Barnardos Barnardo's Worker's Mum Dad Nan Nana Grandma Grandad Granddad
""".casefold().split())

_TITLES = frozenset({"Mrs", "Miss", "Mr", "Ms", "Mx", "Dr", "Prof", "Sir", "Lady", "Lord", "Rev"})
# A title is Mrs, Miss, Mr, Ms, Mx or Dr, or the same in capitals (forms write names in capitals), as a word,
# perhaps with a full stop. The engine scans quickly for a pattern that starts with one literal character, slowly
# for one that starts with a choice of them: the titles are looked for as those starting with M and those with D
# (30 -> 4 us a dense page; tests/core/test_pdscan_equivalence.py holds them to the one plain pattern).
_TITLES_BY_LETTER = (re.compile(rf"M(?:rs|iss|r|s|x|RS|ISS|R|S|X){_Z}\.?"), re.compile(rf"D[rR]{_Z}\.?"))


def _titles(text: str) -> list[re.Match[str]]:
    """Each title with no letter or digit before it, in order (an M title never holds a D one)."""
    found = [m for rx in _TITLES_BY_LETTER for m in _after(rx, _NOT_IN_A_WORD, text)]
    return sorted(found, key=re.Match.start) if len(found) > 1 else found


_WORD = re.compile(r"\s{1,3}([^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*)(\.?)")


# Capitalised words that open a sentence and are never a surname: "I spoke to Mr X. She said ..."
_NOT_NAMES = frozenset("""
The This That These Those She He They It We You His Her Hers Their Our My Your An And But Or In On At To
For From With When Where While After Before There Then If As Of Also Both All No Not Please Yours Dear
""".casefold().split())
_LINE_BREAK = re.compile(r"[ \t\u00a0]*\n")
# Role words that are also common surnames: a name unless a role word or "of" follows ("Mrs Young" is a
# name, "Mr Young Person" and "Ms Head of Year" are not).
_SURNAME_ROLES = frozenset({"young", "head", "ward", "friend", "key", "case", "judge", "nurse", "constable"})
_ROLE_GOES_ON = re.compile(r"[ \t\u00a0]{1,3}(?:of\b|([^\W\d_][\w'’\-]*))")


def _is_role(word: str, text: str, after: int) -> bool:
    folded = word.casefold()
    if folded not in ROLE_WORDS:
        return False
    if folded not in _SURNAME_ROLES:
        return True
    m = _ROLE_GOES_ON.match(text, after)
    return m is not None and (m.group(1) is None or m.group(1).casefold() in ROLE_WORDS)


def _is_initial(word: str) -> bool:
    # "J", "JP", "ABC": initials, or the letters anonymisation leaves ("Mr X", "Ms AB").
    return len(word) == 1 or (len(word) <= 3 and word.isupper())


def detect_titled_names(text: str) -> Iterator[Hit]:
    for t in _titles(text):
        pos, names, end = t.end(), 0, 0
        capitals = t.group()[1].isupper()  # "MS OKAFOR" in a form; "MS Teams" is no name
        for _ in range(6):
            m = _WORD.match(text, pos)
            if m is None or not (m.group(1).isupper() if capitals else m.group(1)[0].isupper()):
                break
            word = m.group(1)
            if _is_role(word, text, m.end(1)) or word.capitalize() in _TITLES or word.casefold() in _NOT_NAMES:
                break
            if _is_initial(word):
                if names or _LINE_BREAK.match(text, m.end()):
                    break  # "from Mrs Y.\nClaim reference": the initial ends the line, the next is no name
                pos = m.end()
                continue
            names, end, pos = names + 1, m.end(1), m.end(1)
            if names == 3:
                break
        if names:
            yield Hit("titled-name", t.start(), end, HIGH,
                      "A title followed by a capitalised word that is not a role.")


# --- Address ----------------------------------------------------------------------------------------

STREET_WORDS = frozenset("""
Road Rd Street St Avenue Ave Lane Close Drive Way Court Crescent Gardens Terrace Place
Grove Rise Walk Row Mews Square Hill Park View Green Parade
""".casefold().split())
_STREET = (r"(?:Road|Street|Avenue|Lane|Close|Drive|Way|Court|Crescent|Gardens|Terrace|Place"
           r"|Grove|Rise|Walk|Row|Mews|Square|Hill|Park|View|Green|Parade|(?:Rd|St|Ave)\.?)")
# Possessive digits (``{1,4}+``): fewer digits would leave a digit where a letter, "-", "," or a space must
# come, so giving some back never matches; on a page of dates and references the retries were a tenth to a
# fifth of the detector's time.
_HOUSE = r"\d{1,4}+[A-Za-z]?(?:-\d{1,4}+[A-Za-z]?)?,?\s{1,3}"
_ADDRESS = re.compile(
    rf"(?<![\w/.\-])(?:[Ff]lat\s+\d{{1,4}}[A-Za-z]?,?\s{{1,3}}(?:{_HOUSE})?|{_HOUSE})"
    rf"(?P<words>(?:[A-Z][\w'’.\-]*\s{{1,3}}){{1,4}}?)(?P<street>{_STREET})(?![\w'’\-])")
# "3 Family Court hearings" names a court, not a street.
_COURTS = frozenset({"family", "crown", "county", "high", "magistrates", "magistrates'", "youth", "supreme",
                     "appeal", "coroner's", "coroners", "combined", "civil", "criminal", "juvenile", "district"})


def _flats(text: str) -> Iterator[int]:
    for word in ("Flat", "flat"):
        at = text.find(word)
        while at >= 0:
            yield at
            at = text.find(word, at + 1)


def _address_matches(text: str, runs: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    # A match starts at "Flat" or at a house number: a run of one to four digits.
    return _at(_ADDRESS, text, [*(s for s, e in runs if e - s <= 4), *_flats(text)])


def detect_addresses(text: str, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    for m in _address_matches(text, _digit_runs(text) if runs is None else runs):
        if m.group("street") == "Court" and m.group("words").split()[-1].casefold() in _COURTS:
            continue
        yield Hit("address", m.start(), m.end(), HIGH,
                  "A house number followed by capitalised words and a street word.")


DETECTORS: tuple[Callable[[str], Iterator[Hit]], ...] = (
    detect_nhs_numbers, detect_ni_numbers, detect_upns, detect_postcodes, detect_phones, detect_emails,
    detect_dates_of_birth, detect_titled_names, detect_addresses,
)

_USE_RUNS = frozenset({detect_nhs_numbers, detect_ni_numbers, detect_upns, detect_postcodes, detect_phones,
                       detect_addresses})


def run_detectors(text: str) -> Iterator[Hit]:
    """Every detector's hits on one page's text (the removed-identifiers list is the caller's)."""
    runs = _digit_runs(text)
    for detector in DETECTORS:
        if detector in _USE_RUNS:
            if runs:
                yield from detector(text, runs)
        elif detector is not detect_emails or "@" in text:
            yield from detector(text)
