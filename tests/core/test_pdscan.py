"""Personal-data detectors: each kind's hits and near misses, masking, the removed-identifiers list, the scan's JSON."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseview.core.errors import Cancelled, CaseViewError
from caseview.core.pdscan import (
    NOT_CHECKED,
    Finding,
    RemovedIdentifiers,
    ScanResult,
    mask,
    scan_pages,
    scan_text,
)
from caseview.core.pdscan_detectors import nhs_check_digit_holds, upn_check_letter

# Synthetic values only: NHS numbers from the NHS's own test range, Ofcom drama telephone numbers,
# libphonenumber's example mobile, the DfE guidance's worked UPN, example.org addresses.


def found(text, **kw):
    """(kind, matched text, confidence) for every finding on a page."""
    kw.setdefault("document_id", "D1")
    kw.setdefault("page", 1)
    kw.setdefault("page_ref", "D1 p.1")
    return [(f.kind, text[f.start:f.end], f.confidence) for f in scan_text(text, **kw)]


def kinds(text, kind, **kw):
    return [(m, c) for k, m, c in found(text, **kw) if k == kind]


# --- NHS number ---------------------------------------------------------------------------------------


def test_nhs_number_grouped_or_next_to_nhs():
    assert kinds("NHS number: 943 476 5919.", "nhs-number") == [("943 476 5919", "high")]
    assert kinds("NHS No 943-476-5919", "nhs-number") == [("943-476-5919", "high")]
    assert kinds("nhs no. 9434765919", "nhs-number") == [("9434765919", "high")]
    assert kinds("9434765919 (NHS)", "nhs-number") == [("9434765919", "high")]
    # grouped 3 3 4 without the word: still a hit, less sure
    assert kinds("Reference 943 476 5919 on the form.", "nhs-number") == [("943 476 5919", "low")]


def test_nhs_number_near_misses():
    assert kinds("NHS number: 943 476 5918.", "nhs-number") == []  # check digit wrong
    assert kinds("Account 9434765919 was closed.", "nhs-number") == []  # unbroken, no NHS near
    far = "NHS" + " filler" * 8 + " 9434765919"
    assert kinds(far, "nhs-number") == []  # the word is more than 40 characters away
    assert kinds("NHS ref 1943 476 5919 2", "nhs-number") == []  # part of a longer run of digit groups
    assert kinds("NHS X9434765919", "nhs-number") == []


# --- National Insurance number ------------------------------------------------------------------------


def test_ni_number_spaced_or_not():
    assert kinds("NI: AB 12 34 56 C.", "ni-number") == [("AB 12 34 56 C", "high")]
    assert kinds("NINO JG103759A", "ni-number") == [("JG103759A", "high")]
    assert kinds("nino jg103759a", "ni-number") == [("jg103759a", "low")]
    assert kinds("met at 12 10 10 a cafe", "ni-number") == []  # lower case and spaced: words and figures


@pytest.mark.parametrize("bad", ["DA123456A", "AD123456A", "AO123456A", "BG123456A", "GB123456A", "NK123456A",
                                 "TN123456A", "ZZ123456A", "AB123456E", "AB12345A", "AB1234567A", "QQ123456C"])
def test_ni_number_invalid_prefix_suffix_or_length(bad):
    assert kinds(f"NI number {bad} recorded", "ni-number") == []


# --- Unique Pupil Number ------------------------------------------------------------------------------


def test_upn_check_letter_follows_the_dfe_algorithm():
    # worked by hand: 8*2+0*3+1*4+2*5+0*6+0*7+0*8+0*9+5*10+0*11+0*12+1*13 = 93; 93 % 23 = 1 -> "B"
    assert upn_check_letter("801200005001") == "B"
    assert kinds("UPN B801200005001", "upn") == [("B801200005001", "high")]
    assert kinds("UPN A801200005001", "upn") == []  # wrong check letter
    assert kinds("UPN B80120000500", "upn") == []  # 11 digits
    assert kinds("UPN B8012000050012", "upn") == []  # 13 digits


@given(st.text("0123456789", min_size=12, max_size=12))
def test_any_upn_with_its_check_letter_is_found(digits):
    upn = upn_check_letter(digits) + digits
    assert kinds(f"pupil {upn} on roll", "upn") == [(upn, "high")]


# --- Postcode -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB",
                                  "GIR 0AA"])
def test_postcodes_in_every_valid_shape(code):
    assert kinds(f"Lives near {code}, by the park.", "postcode") == [(code, "high")]


def test_postcode_near_misses_and_doubtful_forms():
    assert kinds("Room AB1 2CD", "postcode") == []  # C is never in the inward code
    assert kinds("Code QA1 1AA", "postcode") == []  # Q never starts a postcode
    assert kinds("Outward only: SW1A", "postcode") == []
    assert kinds("at SW1A1AA today", "postcode") == [("SW1A1AA", "low")]
    assert kinds("at sw1a 1aa today", "postcode") == [("sw1a 1aa", "low")]


# --- Telephone ----------------------------------------------------------------------------------------


def test_phone_numbers_and_helplines():
    assert kinds("Mother's mobile 07400 123456.", "phone") == [("07400 123456", "high")]
    assert kinds("Home 020 7946 0958", "phone") == [("020 7946 0958", "high")]
    assert kinds("Call +44 7400 123456", "phone") == [("+44 7400 123456", "high")]
    assert kinds("Childline 0800 1111", "phone") == [("0800 1111", "low")]
    assert kinds("NSPCC 0808 800 5000", "phone") == [("0808 800 5000", "low")]
    assert kinds("Council contact centre 0300 123 4567", "phone") == [("0300 123 4567", "low")]


def test_short_codes_and_invalid_numbers_are_not_phones():
    assert kinds("Samaritans 116 123, NHS 111, or 999.", "phone") == []
    assert kinds("Tel 020 7946 09", "phone") == []


# --- Email --------------------------------------------------------------------------------------------


def test_email_addresses():
    assert kinds("Write to jane.doe+case@mail.example.org.", "email") == [("jane.doe+case@mail.example.org", "high")]
    assert kinds("no address @ here, nor user@localhost", "email") == []


# --- Date of birth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,date", [
    ("DOB: 12/03/2015", "12/03/2015"),
    ("D.O.B. 12.03.2015", "12.03.2015"),
    ("DOB 12/3/15", "12/3/15"),
    ("Date of birth 12 March 2015", "12 March 2015"),
    ("born on the 2015-03-12 at home", "2015-03-12"),
    ("She was born on 3rd Sept 2014", "3rd Sept 2014"),
    ("12/03/2015 (dob)", "12/03/2015"),
])
def test_date_of_birth_near_a_birth_word(text, date):
    assert kinds(text, "date-of-birth") == [(date, "high")]


def test_dates_that_are_not_dates_of_birth():
    assert kinds("Visit on 12/03/2015 went well.", "date-of-birth") == []  # no birth word
    assert kinds("DOB: 31/02/2015", "date-of-birth") == []  # no such day
    assert kinds("Born" + " x" * 30 + " 12/03/2015", "date-of-birth") == []  # more than 40 characters away
    assert kinds("newborn checks 12/03/2015", "date-of-birth") == []  # "born" only as a whole word
    assert kinds("DOB: March 2015", "date-of-birth") == []  # not a full date


# --- Titled name --------------------------------------------------------------------------------------


def test_titled_names():
    assert kinds("Seen by Mrs Jane Smith today.", "titled-name") == [("Mrs Jane Smith", "high")]
    assert kinds("Dr. Patel wrote", "titled-name") == [("Dr. Patel", "high")]
    assert kinds("Mr J. Brown and Miss Okafor-Reid", "titled-name") == [("Mr J. Brown", "high"),
                                                                       ("Miss Okafor-Reid", "high")]
    assert kinds("Mx Élodie attended", "titled-name") == [("Mx Élodie", "high")]


@pytest.mark.parametrize("text", ["Mr Social worker visited", "Mrs Foster Carer", "Ms Health Visitor", "Dr GP",
                                  "Mr X and Ms AB", "Mr and Mrs", "Dr Barnardo's", "Mrs Designated Safeguarding Lead",
                                  "MS Teams call", "Mrsmith", "Mr smith",
                                  "Mr Mr", "Dr Mrs"])
def test_roles_and_initials_are_not_names(text):
    assert kinds(text, "titled-name") == []


# --- Address ------------------------------------------------------------------------------------------


def test_addresses():
    assert kinds("Lives at 12 High Street with Mother.", "address") == [("12 High Street", "high")]
    assert kinds("moved to 12A Oak Tree Road in May", "address") == [("12A Oak Tree Road", "high")]
    assert kinds("Flat 3, 7 Mill Lane", "address") == [("Flat 3, 7 Mill Lane", "high")]
    assert kinds("Flat 3, Oak Court", "address") == [("Flat 3, Oak Court", "high")]
    assert kinds("at 4 St Mary's Rd.", "address") == [("4 St Mary's Rd.", "high")]
    assert kinds("10 Downing St, London", "address") == [("10 Downing St", "high")]


def test_address_near_misses():
    assert kinds("There were 3 Family Court hearings.", "address") == []
    assert kinds("12 high street", "address") == []  # not capitalised
    assert kinds("High Street shops", "address") == []  # no house number
    assert kinds("12 Street", "address") == []  # no words before the street word
    assert kinds("12 High Streets", "address") == []


# --- Declared references, overlaps, order -------------------------------------------------------------


def test_declared_references_are_never_findings():
    text = "Case 943 476 5919 and claim JG103759A, D4."
    assert {k for k, _, _ in found(text)} == {"nhs-number", "ni-number"}
    assert found(text, declared={"943-476-5919", "jg 103759 a"}) == []
    assert kinds("NHS 943 476 5919", "nhs-number", declared={"943 476"}) != []  # a part does not excuse the whole


def test_findings_of_one_kind_do_not_overlap_and_come_in_text_order():
    removed = RemovedIdentifiers.from_lines(["Jane Smith", "Smith"])
    text = "Mrs Jane Smith met Smith."
    hits = kinds(text, "removed-identifier", removed=removed)
    assert hits == [("Jane Smith", "high"), ("Smith", "high")]
    starts = [f.start for f in scan_text(text, document_id="D1", page=1, page_ref="D1 p.1", removed=removed)]
    assert starts == sorted(starts)


# --- Removed identifiers ------------------------------------------------------------------------------


def test_removed_identifiers_ignore_case_accents_punctuation_and_spacing():
    removed = RemovedIdentifiers.from_lines(["  Zoë O'Brien  ", "", "943 476 5919", "12 High Street"])
    text = "ZOE   OBRIEN, zoë o’brien, 9434765919, 12 high-street"
    assert [m for m, _ in kinds(text, "removed-identifier", removed=removed)] == [
        "ZOE   OBRIEN", "zoë o’brien", "9434765919", "12 high-street"]
    decomposed = "Zoe\u0308 O'Brien"  # the accent as a separate combining character
    assert [m for m, _ in kinds(decomposed, "removed-identifier", removed=removed)] == [decomposed]


def test_removed_identifier_surname_alone_and_word_boundaries():
    removed = RemovedIdentifiers.from_lines(["Jane Smith", "Ann", "Jo Li", "Oak Tree Close"])
    assert kinds("Mr Smith called", "removed-identifier", removed=removed) == [("Smith", "low")]
    assert kinds("Smithson and Blacksmith", "removed-identifier", removed=removed) == []
    assert kinds("The Annual review; Joanne; Ann-Marie", "removed-identifier", removed=removed) == [
        ("Ann", "high")]
    assert kinds("Li said", "removed-identifier", removed=removed) == []  # a surname needs 3+ letters
    assert kinds("Close the door", "removed-identifier", removed=removed) == []  # a street word is no surname
    assert kinds("Issuer-side only", "removed-identifier") == []  # no list, no kind


def test_removed_identifiers_never_show_in_repr_errors_or_findings(tmp_path):
    secret = "Wilhelmina Fairweather"
    removed = RemovedIdentifiers.from_lines([secret, "AB 12 34 56 C"])
    assert len(removed) == 2
    for shown in (repr(removed), str(removed), repr(removed._keys)):
        assert "ilhelmina" not in shown.lower() and "fairweather" not in shown.lower() and "123456" not in shown
    result = scan_pages([("D1", 1, "D1 p.1", f"Signed {secret}.")], removed=removed)
    dumped = json.dumps(result.to_json()) + repr(result)
    assert "ilhelmina" not in dumped and "airweather" not in dumped and "W********* ***********" in dumped

    bad = tmp_path / "ids.txt"
    bad.write_bytes(b"Fairweather\n\xffWilhelmina\n")
    with pytest.raises(CaseViewError) as caught:
        RemovedIdentifiers.from_file(bad)
    assert "line 2" in str(caught.value) and "ilhelmina" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(CaseViewError) as caught:
        RemovedIdentifiers.from_lines(["Fairweather", "-X-"])
    assert "Line 2" in str(caught.value) and "X" not in str(caught.value).replace("removed", "")
    with pytest.raises(CaseViewError):
        RemovedIdentifiers.from_file(tmp_path / "missing.txt")


def test_removed_identifiers_from_a_utf8_file(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("\ufeffJosé Núñez\r\n\r\n  07400 123456  \n", encoding="utf-8")
    removed = RemovedIdentifiers.from_file(path)
    assert len(removed) == 2
    assert [m for m, _ in kinds("JOSE NUNEZ; 07400123456", "removed-identifier", removed=removed)] == [
        "JOSE NUNEZ", "07400123456"]


# --- Masking, findings, the scan ----------------------------------------------------------------------


def test_mask_keeps_the_first_character_and_the_spacing():
    assert mask("Smith") == "S****"
    assert mask("943 476 5919") == "9** *** ****"
    assert mask("Jane\nSmith") == "J*** *****"
    assert mask("") == ""


def test_finding_json_has_exactly_the_spec_keys():
    (finding,) = scan_text("NHS 943 476 5919", document_id="D4", page=2, page_ref="D4 p.2")
    assert finding == Finding("nhs-number", "D4", 2, "D4 p.2", 4, 16, "9** *** ****", "high", finding.reason)
    assert set(finding.to_json()) == {"kind", "document_id", "page", "page_ref", "start", "end", "masked",
                                      "confidence", "reason"}
    assert "943" not in finding.reason


def test_scan_pages_orders_findings_and_lists_pages_without_text():
    pages = [
        ("D2", 1, "D2 p.1", "Mrs Jane Smith, 12 High Street"),
        ("D3", 1, "D3 p.1", None),
        ("D1", None, "D1", "DOB: 12/03/2015"),
        ("D3", 2, "D3 p.2", "   \n "),
        ("D2", 2, "D2 p.2", "NHS 943 476 5919"),
        ("D4", 1, "D4 p.1", "Nothing personal here."),
        ("D5", 1, "D5 p.1", ""),
    ]
    steps = []
    result = scan_pages(pages, declared={"D1"}, progress=steps.append)
    assert isinstance(result, ScanResult)
    assert [(f.document_id, f.page, f.kind) for f in result.findings] == [
        ("D2", 1, "titled-name"), ("D2", 1, "address"), ("D2", 2, "nhs-number"), ("D1", None, "date-of-birth")]
    assert result.not_checked == [{"document_id": "D3", "reason": NOT_CHECKED},
                                  {"document_id": "D5", "reason": NOT_CHECKED}]
    assert result.pages == 4
    data = result.to_json()
    assert set(data) == {"findings", "not_checked", "pages"} and data["pages"] == 4
    assert data["not_checked"][0] == {"document_id": "D3", "reason": "not checked: no text"}
    json.dumps(data)
    assert [(s.done, s.total) for s in steps] == [(i, 7) for i in range(1, 8)]


def test_scan_can_be_cancelled_from_the_progress_callback():
    def cancel(step):
        raise Cancelled()

    with pytest.raises(Cancelled):
        scan_pages(iter([("D1", 1, "D1 p.1", "text")]), progress=cancel)


# --- Properties ---------------------------------------------------------------------------------------


@given(st.text(min_size=1))
def test_mask_never_shows_more_than_the_first_character(value):
    masked = mask(value)
    assert len(masked) == len(value) and masked[0] == value[0]
    assert set(masked[1:]) <= {"*", " "}


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
def test_any_text_scans_to_findings_within_it_and_masked(text):
    for f in scan_text(text, document_id="D1", page=1, page_ref="D1 p.1"):
        assert 0 <= f.start < f.end <= len(text)
        assert f.masked == mask(text[f.start:f.end]) and len(f.masked) == f.end - f.start
        assert f.confidence in ("high", "low")


@given(st.text("0123456789", min_size=9, max_size=9), st.sampled_from([" ", "-"]))
def test_every_valid_grouped_nhs_number_is_found_and_a_wrong_check_digit_is_not(stem, sep):
    check = (11 - sum(w * int(d) for w, d in zip(range(10, 1, -1), stem)) % 11) % 11
    if check == 10:
        return  # no NHS number has this stem
    number = f"{stem[:3]}{sep}{stem[3:6]}{sep}{stem[6:]}{check}"
    assert nhs_check_digit_holds(number.replace(sep, ""))
    assert kinds(f"NHS {number}", "nhs-number") == [(number, "high")]
    wrong = number[:-1] + str((check + 1) % 10)
    assert kinds(f"NHS {wrong}", "nhs-number") == []


def test_the_nhs_check_digit_is_the_data_dictionarys_and_wants_ascii_digits():
    assert nhs_check_digit_holds("9434765919")  # the NHS's own example number
    assert not nhs_check_digit_holds("9434765918") and not nhs_check_digit_holds("943476591")
    assert not nhs_check_digit_holds("\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669")  # the same in Arabic digits
    # 6 × 2 leaves remainder 1, which would need a check digit of 10: no number with this stem is valid
    assert not any(nhs_check_digit_holds(f"000000006{d}") for d in range(10))


_name = st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)


@settings(max_examples=60)
@given(_name, _name, st.sampled_from([" ", "  ", "\n", " - ", ". "]))
def test_a_removed_name_is_found_however_it_is_cased_and_spaced(first, last, gap):
    removed = RemovedIdentifiers.from_lines([f"{first.title()} {last.title()}"])
    text = f"1: {first.upper()}{gap}{last}; 2"  # digits around, so no other word can be a hit
    hits = kinds(text, "removed-identifier", removed=removed)
    assert hits and hits[0] == (f"{first.upper()}{gap}{last}", "high")
    findings = scan_text(text, document_id="D1", page=1, page_ref="D1 p.1", removed=removed)
    for f in findings:
        assert f.masked[1:].strip("* ") == ""
