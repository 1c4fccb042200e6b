"""A labelled corpus for the personal-data detectors: case prose with planted identifiers, and clean prose.

Deterministic (seeded ``random.Random``) synthetic English children's-social-care pages: visit notes,
conference minutes, school letters, health letters and referral forms. *Planted* pages carry identifiers
of every kind the detectors cover, each recorded with its kind and span; *clean* pages carry none, but are
full of near misses (ten-digit numbers with bad check digits, sort codes and account numbers, the
bundle's own references, dates without a birth word, times, money, percentages, titles before role
words). National helplines are listed as ``allowed``: the detectors report them at low confidence by
design, so such a finding is counted apart, neither found nor false.

Every value is made up. Names are invented; addresses use invented street names; landlines are from
Ofcom's drama ranges; emails use example domains. Mobiles are random numbers in allocated 07 ranges,
because the drama range 07700 900xxx is not a valid number to the telephone library, which would make
every planted mobile a miss for a reason no real bundle has. The check digits (NHS modulus 11, the
UPN's check letter) are computed here, independently of the detectors.

:func:`corpus` also renders a share of the pages into one PDF each and takes their text back through
pypdfium2 as import does, so identifiers wrapped over a line break are measured too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("nhs-number", "ni-number", "upn", "postcode", "phone", "email", "date-of-birth", "titled-name",
         "address")
SEED = 16


@dataclass(frozen=True)
class Label:
    kind: str
    start: int
    end: int
    value: str
    outside: bool = False  # beyond the spec's definition of the kind (a street address typed in lower case)


@dataclass(frozen=True)
class Page:
    document_id: str
    page: int
    page_ref: str
    genre: str
    medium: str  # "text" (a note's text as written) or "pdf" (rendered, then extracted)
    text: str
    plants: tuple[Label, ...]  # identifiers a detector must find
    allowed: tuple[Label, ...] = ()  # helplines: a low-confidence finding here is expected, not false


# --- Vocabulary (all invented) ------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = _words("""Okafor Ashcombe Brightwater Fennimore Larkwood Quillfeather Thistlewood Ravensworth Amberley Okonkwo-Fenwick
Marchetti Dunmore Kowalczyk Abernathy Hollinrake Sandoval Nakamura-Price O'Fennigan Pemberton Achterberg
Sutcliffe-Ray Mbeki-Lowe Castellano Wrenfield Haverstock Delacroix Oyelaran Brennock Fairclough Ingleby
Rahmanova Tolliver Whitlock Zaragoza Nightingale-Boyd Ferreira Kaczmarek Greystoke Hussainey Linwood Maddox
Pritchard-Odu Quarrington Stanwick Underhill Vasquez-Hart Yardley Ellesmere Achebe-Morris Thornbury Mowbray
Clitheroe Dauncey Ekwueme Gillanders Harrowby Jessop Kilbride""")
FORENAMES = _words("""Tamsin Jo Delphine Kwame Rosalind Idris Marguerite Fenella Oluwaseun Bartholomew Priyanka Casimir Lowri Anselm
Zainab Hollis Ottilie Emeka Saoirse Lysander Imogen Teodor Nkechi Perpetua""")
STREET_NAMES = _words("""Larkspur Brackenfield Quillon Thornbury Hollin Ashgrove Wrenfield Marlstone Pennington Cobbold Fernleigh
Kestrel Ottery Saltmarsh Tanner's Juniper Blackthorn Wickham Rowan Copperfield Linnet Harebell Foxglove Cinder""")
STREETS = _words("""Road Street Avenue Lane Close Drive Way Court Crescent Gardens Terrace Place""")
OTHER_STREETS = _words("Grove Rise Walk Row Mews Square Hill Park View Green Parade")
OUTWARD = _words("""M14 M40 M8 OL9 SK4 BL3 WN2 LS6 B12 S3 NE4 BS5 NG7 L8 SW9 E17 N15 CF24 G42 EH7 M1 BD8""")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.co.uk", "council.example.gov.uk"]
DRAMA_LANDLINES = ["0161 496 0{:03d}", "020 7946 0{:03d}", "0121 496 0{:03d}", "0113 496 0{:03d}",
                   "0117 496 0{:03d}", "0191 498 0{:03d}", "0114 496 0{:03d}", "0118 496 0{:03d}",
                   "0131 496 0{:03d}", "029 2018 0{:03d}"]
MOBILE_PREFIXES = ["0740", "0745", "0751", "0752", "0772", "0771", "0780", "0781", "0790", "0786", "0795"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
ROLES = ["social worker", "team manager", "health visitor", "school nurse", "class teacher",
         "designated safeguarding lead", "family support worker", "GP", "independent reviewing officer",
         "housing officer", "paediatrician", "early help coordinator", "midwife", "CAMHS practitioner"]
ROLE_TITLES = ["Mrs Foster Carer", "Mr Social Worker", "Dr GP", "Ms Class Teacher", "Mrs Health Visitor",
               "Mr X", "Ms AB", "Mrs Y", "Dr Paediatrician", "Miss Teaching Assistant", "Mx Youth Worker",
               "Mr Stepfather", "Mrs Grandmother", "Ms Family Support Worker", "Mr Headteacher",
               "Dr Consultant Paediatrician", "Mrs School Nurse", "Mr Independent Reviewing Officer"]
HELPLINES = ["Childline on 0800 1111", "the NSPCC helpline on 0808 800 5000", "the Samaritans on 116 123",
             "NHS 111", "the council's contact centre on 0300 123 4567", "999"]
CHILDREN = ["Child A", "Child B", "the baby", "the youngest child", "the eldest child", "Child C"]
ADULTS = ["Mother", "Father", "Stepfather", "the maternal grandmother", "Mother's partner", "the paternal aunt"]
CONCERNS = ["a bruise on the upper arm", "poor school attendance", "missed health appointments",
            "the condition of the home", "domestic abuse between the adults", "parental alcohol misuse",
            "neglect of the children's basic needs", "the child going missing from home", "rent arrears",
            "a lack of food in the home", "the mother's mental health", "repeated late collection"]


# --- Value makers ---------------------------------------------------------------------------------------


def nhs_check(nine: str) -> int:
    """Modulus 11 with weights 10..2; 10 means no valid number, 11 becomes 0."""
    check = 11 - sum(w * int(d) for w, d in zip(range(10, 1, -1), nine, strict=True)) % 11
    return 0 if check == 11 else check


def _nhs_digits(rng: random.Random, valid: bool = True) -> str:
    while True:
        nine = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(8))
        check = nhs_check(nine)
        if check == 10:
            continue
        if valid:
            return nine + str(check)
        return nine + rng.choice([d for d in "0123456789" if int(d) != check])


def _group334(digits: str, sep: str) -> str:
    return f"{digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}"


def upn_letter(twelve: str) -> str:
    """DfE: digits weighted 2..13, summed, modulo 23, into the 23-letter table (no I, O, S)."""
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[sum(w * int(d) for w, d in zip(range(2, 14), twelve, strict=True)) % 23]


def _upn(rng: random.Random, valid: bool = True) -> str:
    twelve = f"{rng.randint(201, 942)}{rng.randint(2000, 7999)}{rng.randint(10, 25)}{rng.randint(0, 999):03d}"
    letter = upn_letter(twelve)
    if not valid:
        letter = rng.choice([c for c in "ABCDEFGHJKLMNPQRTUVWXYZ" if c != letter])
    return letter + twelve


def _nino(rng: random.Random) -> str:
    while True:
        prefix = rng.choice("ABCEGHJKLMNPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            break
    d = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.6:
        return f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}"
    return f"{prefix}{d}{suffix}"


def _postcode(rng: random.Random) -> str:
    code = f"{rng.choice(OUTWARD)} {rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    r = rng.random()  # typed without the space, or in lower case, now and then
    return code if r > 0.1 else code.replace(" ", "") if r > 0.05 else code.lower()


def _phone(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        number = rng.choice(DRAMA_LANDLINES).format(rng.randint(0, 999))
        area, rest = number.split(" ", 1)
        return rng.choice([number, number, number, f"({area}) {rest}", number.replace(" ", "-"),
                           f"+44 {area[1:]} {rest}", number.replace("020 7", "0207 ")])
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9)}{rng.randint(0, 999999):06d}"
    if r < 0.75:
        return f"{mobile[:5]} {mobile[5:]}"
    if r < 0.8:
        return mobile
    if r < 0.85:
        return rng.choice([f"{mobile[:5]} {mobile[5:8]} {mobile[8:]}", f"+44{mobile[1:]}"])
    if r < 0.95:
        return f"+44 {mobile[1:5]} {mobile[5:]}"
    return f"+44 (0){mobile[1:5]} {mobile[5:8]} {mobile[8:]}"


def _email(rng: random.Random) -> str:
    f, s = rng.choice(FORENAMES).lower(), rng.choice(SURNAMES).lower().replace("'", "")
    local = rng.choice([f"{f}.{s}", f"{f[0]}{s}", f"{s}{rng.randint(1, 99)}", f"{f}_{s}", f"{f}.{s}.mum"])
    return f"{local}@{rng.choice(DOMAINS)}"


def _date(rng: random.Random, year: tuple[int, int] = (2024, 2026)) -> str:
    y, m, d = rng.randint(*year), rng.randint(1, 12), rng.randint(1, 28)
    nth = f"{d}{'th' if 3 < d < 21 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"
    return rng.choice([f"{d} {MONTHS[m - 1]} {y}", f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{y}-{m:02d}-{d:02d}",
                       f"{nth} {MONTHS[m - 1]} {y}", f"{MONTHS[m - 1][:3]} {d}, {y}", f"{d:02d}.{m:02d}.{y}"])


def _titled(rng: random.Random) -> str:
    title = rng.choice(["Mrs", "Mr", "Ms", "Miss", "Dr", "Mx", "Mrs", "Mr", "Ms"])
    if rng.random() < 0.1:
        title += "."
    # A few surnames are also role words, as in life ("Mrs Young", "Mr Ward").
    name = rng.choice(SURNAMES) if rng.random() > 0.05 else rng.choice(["Young", "Ward", "Head", "Friend"])
    r = rng.random()
    if r < 0.2:
        return f"{title} {rng.choice(FORENAMES)} {name}"
    if r < 0.3:
        return f"{title} {rng.choice('ABDEJKLMPRST')}. {name}"
    return f"{title} {name}"


def _address(rng: random.Random) -> str:
    number = str(rng.randint(1, 240)) + (rng.choice("ab") if rng.random() < 0.08 else "")
    # About one street in seven is a Grove, Rise, Walk, Mews... rather than a Road, Street or Lane.
    kind = rng.choice(STREETS) if rng.random() > 0.14 else rng.choice(OTHER_STREETS)
    street = f"{rng.choice(STREET_NAMES)} {kind}"
    if rng.random() < 0.15:
        street = f"{rng.choice(['Upper', 'Lower', 'Old', 'North'])} {street}"
    if rng.random() < 0.15:
        return f"Flat {rng.randint(1, 24)}, {number} {street}"
    return f"{number} {street}"


# Planted placeholders: name -> (kind, maker). NHS is used only within 40 characters of "NHS";
# NHSG (grouped 3 3 4) anywhere; DOB only next to a birth word.
PLANTS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "NHS": ("nhs-number", lambda r: _group334(_nhs_digits(r), r.choice([" ", " ", "-", ""]))),
    "NHSG": ("nhs-number", lambda r: _group334(_nhs_digits(r), r.choice([" ", " ", "-"]))),
    "NINO": ("ni-number", _nino),
    "UPN": ("upn", _upn),
    "POSTCODE": ("postcode", _postcode),
    "PHONE": ("phone", _phone),
    "EMAIL": ("email", _email),
    "DOB": ("date-of-birth", lambda r: _date(r, (2008, 2025))),
    "ADULTDOB": ("date-of-birth", lambda r: _date(r, (1975, 2004))),
    "NAME": ("titled-name", _titled),
    "UPPERNAME": ("titled-name", lambda r: _titled(r).upper()),
    "TYPEDADDRESS": ("address", lambda r: _address(r).lower()),
    "ADDRESS": ("address", _address),
}
# The spec's address is "a house number followed by capitalised words and a street word"; typed notes
# also hold addresses in lower case. They are planted and scored, and reported apart.
OUTSIDE_SPEC = frozenset({"TYPEDADDRESS"})
# Clean fillers.
FILL: dict[str, Callable[[random.Random], str]] = {
    "date": _date,
    "time": lambda r: r.choice([f"{r.randint(8, 18)}:{r.choice(['00', '15', '30', '45'])}",
                                f"{r.randint(1, 11)}.{r.choice(['00', '15', '30', '45'])}{r.choice(['am', 'pm'])}",
                                f"{r.randint(1, 11)}{r.choice(['am', 'pm'])}"]),
    "money": lambda r: r.choice([f"£{r.randint(1, 24)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
                                 f"£{r.randint(20, 900)}", f"£{r.randint(1, 99)}.{r.randint(0, 99):02d}"]),
    "pct": lambda r: r.choice([f"{r.randint(40, 100)}%", f"{r.randint(40, 99)}.{r.randint(0, 9)}%"]),
    "bad10": lambda r: r.choice([_group334(_nhs_digits(r, False), r.choice([" ", "-"])),
                                 _nhs_digits(r, False), _nhs_digits(r, valid=r.random() < 0.5)]),
    "badnhs": lambda r: _group334(_nhs_digits(r, False), r.choice([" ", "-", ""])),
    "badupn": lambda r: _upn(r, valid=False),
    "sortcode": lambda r: f"{r.randint(10, 99)}-{r.randint(0, 99):02d}-{r.randint(0, 99):02d}",
    "account": lambda r: f"{r.randint(10000000, 99999999)}",
    "roletitle": lambda r: r.choice(ROLE_TITLES),
    "role": lambda r: r.choice(ROLES),
    "child": lambda r: r.choice(CHILDREN),
    "adult": lambda r: r.choice(ADULTS),
    "concern": lambda r: r.choice(CONCERNS),
    "n": lambda r: str(r.randint(2, 14)),
    "age": lambda r: str(r.randint(2, 16)),
    "gest": lambda r: str(r.randint(26, 37)),
    "year": lambda r: str(r.randint(2019, 2026)),
}
_SLOT = re.compile(r"\{(\w+)\}")

# --- Templates -------------------------------------------------------------------------------------------
# Upper-case slots are planted identifiers; lower-case slots are clean fillers; {HELP} is a helpline.

PLANTED: dict[str, list[str]] = {
    "visit note": [
        "Unannounced visit to {ADDRESS}, {POSTCODE} at {time}. {adult} answered the door and {child} was seen alone.",
        "{NAME} (the neighbour) said she had heard shouting from the flat on the evening of {date}.",
        "Mother gave her new mobile number as {PHONE} and asked that letters now go to {ADDRESS}.",
        "{child} (DOB {DOB}) was asleep upstairs; {adult} agreed to wake them so that they could be seen.",
        "The tenancy is in the name of {NAME}, who has not been seen at the property since {date}.",
        "{adult} said that the new partner, {NAME}, stays most weekends and works nights at the depot.",
        "She showed me a letter from the Jobcentre with her National Insurance number, {NINO}, on it.",
        "Mother asked for the minutes to be sent to her personal email, {EMAIL}, rather than by post.",
        "The family moved from {ADDRESS} to the current address in {year} after the fire.",
        "Mother said she is staying at her sister's, {TYPEDADDRESS}, until the repairs are done.",
        "{NAME}, social worker, and I left at {time}; {NAME} from the housing team will follow up the damp.",
        "The baby's red book was seen: NHS number {NHS}, weight on the 25th centile.",
        "Father's friend, {NAME}, can be reached on {PHONE} and has offered to help with the school run.",
    ],
    "conference minutes": [
        "Present: {NAME} (chair), {roletitle}, {NAME} ({role}) and the {role}.",
        "Apologies were received from {NAME}, {role}, who sent a written report.",
        "{NAME} reported that {child} has attended {pct} of sessions this term.",
        "{child} was born on {DOB} at 34 weeks' gestation and was on the neonatal unit for a fortnight.",
        "The child's NHS number ({NHS}) was confirmed with the GP practice before the conference.",
        "Father's date of birth, {ADULTDOB}, was confirmed against the police national computer check.",
        "The DWP confirmed Father's National Insurance number as {NINO} for the benefits check.",
        "Distribution of these minutes: {EMAIL}; {EMAIL}; the chair.",
        "Mother now lives at {ADDRESS}, {POSTCODE}, with the maternal grandmother.",
        "{NAME} (Mother's solicitor) attended for the first item only and can be contacted on {PHONE}.",
        "Health records for the younger sibling are held under NHS no. {NHS} at the children's hospital.",
        "Mother's partner is recorded as born {ADULTDOB}; he did not attend.",
    ],
    "school letter": [
        "Dear {NAME},",
        "Pupil: {child}, UPN {UPN}, Year {n}. Attendance this term: {pct}.",
        "If you have any questions please telephone the school office on {PHONE} or email {EMAIL}.",
        "Date of birth: {DOB}",
        "Yours sincerely, {NAME}, Designated Safeguarding Lead",
        "The pupil's file came from the previous school with the unique pupil number {UPN} on the transfer form.",
        "School address: {ADDRESS}, {POSTCODE}",
        "{NAME}, the class teacher, noticed the mark on {child}'s wrist at {time} on {date}.",
        "The attendance officer, {NAME}, visited {ADDRESS} on {date} but there was no answer.",
        "Please return the reply slip to {NAME} in the school office or to {EMAIL}.",
    ],
    "health letter": [
        "Re: {child}   DOB: {DOB}   NHS No: {NHS}",
        "Patient: [redacted]   D.O.B: {DOB}   NHS: {NHS}",
        "NHS Number | {NHS} | Registered GP | {NAME}",
        "Patient reference {NHSG}",
        "Dear {NAME},",
        "Address: {ADDRESS}, {POSTCODE}. Tel: {PHONE}.",
        "Copy to: {NAME}, GP, Parkside Surgery, {ADDRESS}, {POSTCODE}",
        "Mother's NHS number is {NHS}, as recorded in the maternity notes.",
        "Please contact the safeguarding nurse, {NAME}, on {PHONE} or at {EMAIL}.",
        "I saw {child}, date of birth {DOB}, in the community clinic on {date} with {adult}.",
        "{NAME}, Consultant Paediatrician",
        "{child} was born at {gest} weeks on {DOB} and weighed 1.9 kg.",
        "The health visitor's record lists NHS number {NHS} and the address {ADDRESS}.",
    ],
    "referral form": [
        "Child's name: [redacted]   Date of birth: {DOB}   NHS number: {NHS}",
        "Address: {ADDRESS}   Postcode: {POSTCODE}",
        "Parent/carer: {NAME}   Telephone: {PHONE}",
        "PARENT/CARER: {UPPERNAME}   DOB - {ADULTDOB}",
        "Date of Birth (DD/MM/YYYY): {DOB}",
        "Referrer: {NAME}, {role}, {EMAIL}",
        "UPN (if known): {UPN}",
        "Parent's NI number: {NINO}",
        "Other adults in the household: {NAME} (DOB {ADULTDOB})",
        "Previous address: {ADDRESS}, {POSTCODE}",
        "Alternative contact: {NAME} on {PHONE}",
        "Father's details: date of birth {ADULTDOB}, National Insurance number {NINO}",
    ],
}

CLEAN: dict[str, list[str]] = {
    "visit note": [
        "Visit at {time} on {date}; {adult} answered the door and {child} was seen alone in the bedroom.",
        "{roletitle} came with me. {child} was playing on the floor and made good eye contact.",
        "Mother said she had paid {money} towards the rent arrears and that {money} was still owed.",
        "The emergency fund paid {money} into the account with sort code {sortcode}, account number {account}.",
        "Mother was reminded that she can call {HELP} at any time, day or night.",
        "{child} was born prematurely and still sees the paediatrician every few months.",
        "The housing benefit reference on the letter is {bad10}; Mother will take it to the hub.",
        "The kitchen was clean and there was food in the fridge; {concern} was discussed openly.",
        "{adult} said {concern} had got better since the last visit on {date}.",
        "I explained that {roletitle} would visit again before {date} and leave a card if nobody was in.",
        "Mr and Mrs X were both present; Mrs X did most of the talking.",
        "There have been {n} Family Court hearings since {date}, the last at {time}.",
        "I spoke to Mrs X. She said that {concern} was getting better, and Mr Y. agreed.",
        "The flat is on the {n}th floor, close to the M60 motorway and the A34.",
    ],
    "conference minutes": [
        "Conference held on {date} at {time}. Present: {roletitle}, {roletitle}, the {role} and the {role}.",
        "Attendance at school is {pct}, down from {pct} last term.",
        "The case reference is {caseref}; the claims {claim} and {claim} were noted for the finance team.",
        "The plan will be reviewed on {date}; the core group meets every {n} weeks.",
        "Item {n}: see {docid} p.{n} for the chronology and {docid} for the police report.",
        "The overpayment of {money} is being recovered at {money} a week ({pct} of the award).",
        "The old NHS number on the form, {badnhs}, did not match the GP record and was struck out.",
        "Police log {account} of {date} refers to the incident at {time}.",
        "{roletitle} said that {concern} remained the main worry; {roletitle} agreed.",
        "The chair noted that {child} was born during the previous plan and is now {age} months old.",
        "Dr GP sent apologies; the written report dated {date} was shared with everyone at {time}.",
        "The form's example NI number, QQ 12 34 56 C, had been left in the box and was removed.",
    ],
    "school letter": [
        "Attendance for the autumn term is {pct}; there were {n} unauthorised absences and {n} late marks.",
        "The reference {badupn} on the attendance return was rejected by the system.",
        "The uniform grant of {money} was paid on {date} and the breakfast club costs {money} a week.",
        "Parents' evening is at {time} on {date}; {roletitle} will be there until {time}.",
        "{roletitle} will meet {adult} on {date} at {time} to review the attendance plan.",
        "{child} was born in the summer term and so is one of the youngest in the class.",
        "The school's reading age assessment on {date} placed {child} at the {n}th percentile.",
        "Year {n} trips cost {money}; the school will cover {pct} for families on free school meals.",
        "Mrs Class Teacher and Mr Headteacher met on {date} to agree the support plan.",
        "Please ring the school office and ask for extension {account} if anything changes.",
    ],
    "health letter": [
        "Seen in clinic on {date} at {time}. Weight on the {n}th centile and height on the {n}th.",
        "The clinic letter of {date} was copied to {roletitle} and to the {role}.",
        "Invoice {bad10} for the interpreter, {money}, was paid on {date}.",
        "Out of hours, urgent concerns should go to {HELP}.",
        "The baby was born at {gest} weeks and spent {n} days on the neonatal unit.",
        "Immunisations are up to date apart from the {n}-year booster, booked for {date}.",
        "{roletitle} has referred {child} for a hearing test; the waiting time is about {n} weeks.",
        "Dr Consultant Paediatrician reviewed the growth chart with {adult} at {time}.",
        "The ferritin was low and iron supplements were started on {date}.",
        "Blood pressure was normal; the next review is on {date} at {time}.",
        "Vitamin B12 and folate were normal; the baby was born by caesarean section.",
        "The baby, born at {gest} weeks, was discharged home on {date}.",
        "The meeting with the family was held on MS Teams at {time} on {date}.",
    ],
    "referral form": [
        "Referral received {date} at {time} from {roletitle}.",
        "Case reference: {caseref}   Document: {docid}",
        "Bank details for the section 17 payment: sort code {sortcode}, account {account}, amount {money}.",
        "Date of referral: {date}   Date of birth: [redacted]",
        "Reason for referral: {concern}; the family agrees to the referral.",
        "Previous referrals: {n} (the last closed on {date} after an early help assessment).",
        "Household income: {money} a month; rent {money}; council tax reduction {pct}.",
        "Claim reference: {claim}   Invoice: {bad10}",
        "Agencies involved: {role}, {role}, {roletitle}.",
        "Consent obtained from {adult} on {date} at {time}.",
        "Parent/carer: Mrs Y\nTelephone: withheld at the parent's request",
        "Meeting: {time}-{time}, room {n}; Year {n} pupils' parents invited.",
    ],
}

GENRES = tuple(PLANTED)
SHORT = {"visit note": "Visit note", "conference minutes": "Child protection conference minutes",
         "school letter": "Letter from school", "health letter": "Clinic letter", "referral form": "Referral form"}
FORM_GENRES = {"referral form", "health letter", "school letter"}  # one statement a line


# --- Pages ---------------------------------------------------------------------------------------------


class _Writer:
    """Text built piece by piece, remembering where each planted value landed."""

    def __init__(self, rng: random.Random, refs: dict[str, list[str]]):
        self.rng, self.refs = rng, refs
        self.parts: list[str] = []
        self.size = 0
        self.plants: list[Label] = []
        self.allowed: list[Label] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def fill(self, template: str) -> None:
        at = 0
        for m in _SLOT.finditer(template):
            self.add(template[at:m.start()])
            slot, at = m.group(1), m.end()
            start = self.size
            if slot in PLANTS:
                kind, make = PLANTS[slot]
                value = make(self.rng)
                self.plants.append(Label(kind, start, start + len(value), value, slot in OUTSIDE_SPEC))
            elif slot == "HELP":
                value = self.rng.choice(HELPLINES)
                self.allowed.append(Label("phone", start, start + len(value), value))
            elif slot in self.refs:
                value = self.rng.choice(self.refs[slot])
            else:
                value = FILL[slot](self.rng)
            self.add(value)
        self.add(template[at:])

    def text(self) -> str:
        return "".join(self.parts)


def _page(rng: random.Random, refs: dict[str, list[str]], genre: str, document_id: str, number: int,
          planted: bool) -> Page:
    w = _Writer(rng, refs)
    w.add(f"{refs['caseref'][0]}  {document_id}  {SHORT[genre]}  page {number}\n")
    sentences = rng.sample(CLEAN[genre], rng.randint(5, 8))
    if planted:
        sentences += rng.sample(PLANTED[genre], rng.randint(3, 5))
        rng.shuffle(sentences)
    if genre in FORM_GENRES:
        for i, s in enumerate(sentences):
            w.fill(s)
            w.add("\n" if i < len(sentences) - 1 else "")
    else:
        cut = sorted(rng.sample(range(1, len(sentences)), 2))
        for i, s in enumerate(sentences):
            w.fill(s)
            w.add("" if i == len(sentences) - 1 else "\n" if i + 1 in cut else " ")
    return Page(document_id, number, f"{document_id} p.{number}", genre, "text", w.text(), tuple(w.plants),
                tuple(w.allowed))


@dataclass
class Corpus:
    planted: list[Page]
    clean: list[Page]
    declared: frozenset[str]  # the bundle's own references: case reference, claim references, document ids
    seed: int = SEED
    pdf_pages: int = field(default=0)


def _pages(rng: random.Random, count: int, planted: bool, prefix: str, refs: dict[str, list[str]]) -> list[Page]:
    pages: list[Page] = []
    doc = 0
    while len(pages) < count:
        doc += 1
        genre = GENRES[doc % len(GENRES)]
        for number in range(1, min(rng.randint(1, 4), count - len(pages)) + 1):
            pages.append(_page(rng, refs, genre, f"{prefix}{doc:02d}", number, planted))
    return pages


def corpus(planted: int = 300, clean: int = 300, seed: int = SEED, pdf_share: int = 3) -> Corpus:
    """``planted`` and ``clean`` pages; every ``pdf_share``-th page goes through a PDF and back."""
    rng = random.Random(seed)
    year = 2026
    refs = {"caseref": [f"OC-{year}-{rng.randint(100, 999)}"],
            "claim": [f"CLM-{year}-{rng.randint(1, 9999):04d}" for _ in range(6)] + [f"INV/{year}/{n}" for n in
                                                                                   (117, 204, 388)],
            "docid": [f"DOC{n:02d}" for n in range(1, 60)]}
    p = _pages(rng, planted, True, "DOC", refs)
    c = _pages(rng, clean, False, "DOC", refs)
    # Planted and clean pages are two bundles; their document ids do not meet.
    c = [Page("C" + x.document_id, x.page, "C" + x.page_ref, x.genre, x.medium, x.text, x.plants, x.allowed)
         for x in c]
    declared = frozenset(refs["caseref"] + refs["claim"] + refs["docid"]
                         + sorted({x.document_id for x in p} | {x.document_id for x in c}))
    out = Corpus(p, c, declared, seed)
    if pdf_share:
        out.planted = [through_pdf(x) if i % pdf_share == 0 else x for i, x in enumerate(p)]
        out.clean = [through_pdf(x) if i % pdf_share == 0 else x for i, x in enumerate(c)]
        out.pdf_pages = sum(x.medium == "pdf" for x in out.planted + out.clean)
    return out


# --- Through a PDF: rendered with the bench's writer, read back with pypdfium2 as import reads it -------


def through_pdf(page: Page) -> Page:
    """The page as its PDF's text layer: wrapped at the page width, labels found again in the extraction."""
    import pypdfium2 as pdfium

    from bench.pdfwrite import page_stream, wrap, write_pdf

    header, _, body = page.text.partition("\n")
    lines = [line for paragraph in body.split("\n") for line in wrap(paragraph) or [""]]
    data = write_pdf([page_stream(header, lines, f"{page.page_ref} - synthetic test corpus")], title="corpus")
    pdf = pdfium.PdfDocument(data)
    try:
        textpage = pdf[0].get_textpage()
        text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        textpage.close()
    finally:
        pdf.close()
    return Page(page.document_id, page.page, page.page_ref, page.genre, "pdf", text,
                _relocate(text, page.plants), _relocate(text, page.allowed))


def _relocate(text: str, labels: Iterable[Label]) -> tuple[Label, ...]:
    out: list[Label] = []
    at = 0
    for label in sorted(labels, key=lambda x: x.start):
        pattern = r"\s+".join(re.escape(part) for part in label.value.split())
        m = re.compile(pattern).search(text, at)
        if m is None:
            raise AssertionError(f"{label.kind} {label.value!r} is not in the PDF's text")
        out.append(Label(label.kind, m.start(), m.end(), m.group(), label.outside))
        at = m.end()
    return tuple(out)

