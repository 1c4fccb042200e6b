"""Deterministic, case-file-like English prose from templates (fast, seeded, no external data).

The vocabulary is that of children's-services records (visits, assessments,
strategy discussions, core groups, partner agencies), so that searches such as
``bruise``, ``"seen alone"``, ``neglect*`` or ``school AND attendance`` hit
realistic numbers of pages: common words on most pages, specialist words on
some, and a handful of rare terms (``RARE_TERMS``) on very few.
"""

from __future__ import annotations

import random

ROLES = [
    "the social worker", "the team manager", "the health visitor", "the school nurse", "the class teacher",
    "the designated safeguarding lead", "the family support worker", "the GP", "the police officer",
    "the independent reviewing officer", "the child protection chair", "the practice manager",
    "the housing officer", "the paediatrician", "the early help coordinator", "the youth worker",
    "the contact supervisor", "the foster carer", "the midwife", "the CAMHS practitioner",
]
ADULTS = ["Mother", "Father", "Stepfather", "Maternal grandmother", "Paternal aunt", "Mother's partner",
          "the maternal grandfather", "the family friend", "the neighbour", "the older sibling"]
CHILDREN = ["Child A", "Child B", "the baby", "the youngest child", "the eldest child", "Child A's brother",
            "Child A's sister"]
PLACES = ["the family home", "school", "the contact centre", "the GP surgery", "the children's centre",
          "the maternal grandmother's flat", "the hospital", "the foster placement", "the office",
          "the park near the home", "the nursery", "the youth club"]
VISITS = ["an unannounced home visit", "a planned home visit", "a statutory visit", "a joint visit with police",
          "a school visit", "a visit to the nursery", "a telephone call", "a video call", "an office appointment"]
CONCERNS = [
    "a bruise on the upper arm", "a bruise to the left cheek", "poor school attendance", "missed health appointments",
    "the condition of the home", "domestic abuse between the adults", "parental alcohol misuse",
    "parental substance misuse", "neglect of the children's basic needs", "the child going missing from home",
    "unexplained injuries", "a lack of food in the home", "the mother's mental health", "repeated late collection",
    "the child being left unsupervised", "head lice and poor hygiene", "an injury reported by the nursery",
    "the risk of sexual exploitation", "self-harm disclosed to the school nurse", "overcrowding in the flat",
    "non-engagement with the plan", "the father's volatile behaviour", "financial hardship and rent arrears",
]
ACTIONS = [
    "agreed to attend the parenting programme", "declined the referral to the family hub",
    "was advised to register the children with a dentist", "accepted support with the housing application",
    "agreed a written safety plan", "was reminded of the expectations in the child protection plan",
    "said that the bruise happened at the park", "agreed to keep the health visitor's appointment",
    "asked for help with the school uniform grant", "was signposted to the domestic abuse service",
    "did not answer the door on the first attempt", "became upset and ended the conversation",
    "engaged well and showed the bedrooms", "agreed that the children could be seen alone",
    "said that the ex-partner had not been at the property", "agreed to a drug and alcohol assessment",
]
OBSERVATIONS = [
    "was seen alone in the bedroom and said that things at home were better",
    "was seen alone and talked about the dog and about school",
    "was not seen alone because the mother would not leave the room",
    "appeared well presented and was wearing clean clothes",
    "appeared tired and hungry and ate the snack offered quickly",
    "was playing with toys on the floor and made good eye contact",
    "said that the adults had been shouting again at the weekend",
    "showed the worker a drawing of the family and the new kitten",
    "was reluctant to speak and looked to the mother before answering",
    "said that she liked staying at her nan's and wanted to go more often",
    "was attending school regularly according to the class teacher",
    "had a small bruise on the shin which was consistent with the explanation given",
    "had not been taken to the dentist or the optician this year",
    "was described by the school as settled, with attendance now at 94 per cent",
    "told the teacher that there was no food at home on Monday",
]
OUTCOMES = [
    "The plan remains appropriate and will be reviewed at the next core group.",
    "The threshold for a section 47 enquiry is met and a strategy discussion will be convened.",
    "The case will step down to early help with the agreement of the family.",
    "Management oversight was recorded and the actions were agreed with the team manager.",
    "A referral to the multi-agency safeguarding hub was made on the same day.",
    "An initial child protection conference will be held within fifteen working days.",
    "The review conference agreed that the child remains at risk of significant harm.",
    "The legal planning meeting agreed to begin the pre-proceedings process.",
    "The worker will complete the child and family assessment within the statutory timescale.",
    "No further action is required by children's social care at this time.",
    "The case was discussed in supervision and the risk analysis was updated.",
]
CONNECTIVES = ["During", "Following", "At", "After", "Before", "As part of"]
MEETINGS = ["the core group meeting", "the strategy discussion", "the child protection conference",
            "the review conference", "the team around the family meeting", "the professionals meeting",
            "the legal planning meeting", "the looked after child review", "the supervision session"]
AGENCIES = ["the school", "health", "the police", "housing", "the nursery", "the GP practice", "probation",
            "the adult mental health team", "the drug and alcohol service", "the youth offending service"]
REASONS = ["because of the concerns raised by the school", "given the history of domestic abuse",
           "because the previous plan had not been followed", "following the disclosure to the class teacher",
           "in view of the injuries seen at nursery", "because the family had moved address twice",
           "as agreed at the last conference", "after the police notification of an incident at the home"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
RARE_TERMS = ["trampoline", "chipped tooth", "burn mark", "passport application", "forced marriage",
              "radicalisation", "county lines", "private fostering", "fabricated illness", "dog bite"]

TEMPLATES = [
    "{conn} {visit} on {date}, {role} spoke with {adult_l}. {Adult} {action}.",
    "{Child} {observation}.",
    "{Role} raised concerns about {concern} {reason}.",
    "{conn} {meeting}, information was shared by {agency} and {agency2} about {concern}.",
    "{Adult} {action}, and {role} explained why {concern} remained a worry for the professionals.",
    "{outcome}",
    "The worker observed {child} at {place}; {child} {observation}.",
    "{Role} confirmed that {child} {observation}.",
    "It was recorded that {concern} had been discussed with {adult_l} on {date}.",
    "{conn} {meeting} on {date}, it was agreed that {role} would visit fortnightly {reason}.",
    "{Agency} reported {concern} and shared a chronology covering the last {n} months.",
    "{Adult} said that {concern} was in the past and that the family did not need a social worker.",
    "Reference {ref} was logged by {agency} on {date}.",
]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


class Prose:
    """One stream of sentences and paragraphs; everything depends only on the seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def date(self) -> str:
        r = self.rng
        return f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.choice((2023, 2024, 2025, 2026))}"

    def sentence(self) -> str:
        r = self.rng
        if r.random() < 0.004:
            return f"The worker noted a {r.choice(RARE_TERMS)} and asked {r.choice(ADULTS).lower()} about it."
        t = r.choice(TEMPLATES)
        adult = r.choice(ADULTS)
        role = r.choice(ROLES)
        agency = r.choice(AGENCIES)
        child = r.choice(CHILDREN)
        return t.format(
            conn=r.choice(CONNECTIVES), visit=r.choice(VISITS), date=self.date(), role=role, Role=_cap(role),
            adult_l=adult if adult[0].isupper() and not adult.startswith("the") else adult, Adult=_cap(adult),
            action=r.choice(ACTIONS), Child=_cap(child), child=child, observation=r.choice(OBSERVATIONS),
            concern=r.choice(CONCERNS), reason=r.choice(REASONS), meeting=r.choice(MEETINGS), agency=agency,
            Agency=_cap(agency), agency2=r.choice(AGENCIES), outcome=r.choice(OUTCOMES), place=r.choice(PLACES),
            n=r.randint(3, 18), ref=f"{r.choice(('MASH', 'CP', 'LADO', 'PN'))}-{r.randint(10000, 99999)}",
        )

    def paragraph(self, lo: int = 3, hi: int = 7) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))
