"""Who wrote it and when: the requester's name and email and a received date, from the text.

Heuristics that favour saying nothing over saying something wrong: a placeholder left in a
template ("[Your full name]") is no name, an organisation's own mailbox (dpo@, privacy@) is not
the requester's, and a date counts only where the text says it is the letter's or message's.
"""

from __future__ import annotations

import re
from datetime import date

# Latin Extended-A/B and Vietnamese letters mix cases in one range: they count as either.
_EXTENDED = "\u0100-\u024f\u1e00-\u1eff"
_UP = f"A-ZÀ-ÖØ-Þ{_EXTENDED}"
_LOW = f"a-zß-öø-ÿ{_EXTENDED}"
# A capitalised word: O'Neill, Smith-Jones, MacDonald (tried before "Mac"), Jane, or initials.
_WORD = (
    rf"[{_UP}](?:[{_LOW}]*(?:['’-][{_UP}{_LOW}][{_LOW}]+)+|[{_LOW}]*[{_UP}][{_LOW}]+|[{_LOW}]+"
    rf"|\.(?:[{_UP}]\.)*)"
)
_PARTICLE = (
    r"(?:de|da|del|van|von|der|den|bin|bint|ibn|ben|al|el|la|le|di|du|dos|ter|ten|zu|af|"
    r"Ó|Ní|Nic|Ua|Mac)"
)
_FULL = rf"{_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_WORD}){{0,3}}"
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+)?"

_NOT_NAMES_TEXT = """
    I Dear Hi Hello Hey Please Thanks Thank Regards Kind Best Yours Sincerely Faithfully
    Cheers Sorry Writing The This That We You Your My Our Data Personal GDPR UK EU ICO DPO
    Subject Request Access Re Fwd Sent From To Date Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October
    November December Not Very So Just Also Still Now Here There Customer Team Support Privacy
    Officer Manager Sir Madam Name Full Address Email Phone Account Number Complaint Erasure
    Article Act Help Urgent Hope Afternoon Morning Evening Sent Ltd Limited Company Council
    Bank School Trust Services Mum Dad Writing Concerned Fed Done Happy Unhappy Angry Annoyed
    Confused Interested Aware Afraid Asking Emailing Contacting Requesting Following Looking
    Me Now Today Immediately Asap Again Anyway Bye Everything Nothing Soon Urgently
    Mr Mrs Ms Miss Mx Dr Prof Regarding Re Thanks Cheers Merci Grazie Danke Ltd Plc Inc
    Trying Going British English Italian Polish French German Spanish Indian Not Already
    Appalling Unacceptable Disgusting Disgraceful Shocking Ridiculous Terrible Awful Outrageous
    Pathetic Shameful Seriously Honestly Unbelievable Enough Stop Great Fine Okay Ok Sorted"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Words of a role or an organisation: a signature with one is a mailbox's, not a person's
# ("The Data Protection Officer", "Acme Ltd Customer Services").
_ORG_WORDS_TEXT = """
    Officer Manager Team Support Services Service Customer Customers Privacy Data Protection
    Ltd Limited Plc Inc LLP Company Council Bank School Trust Department Dept Academy Group Desk
    Helpdesk Office Legal Compliance Governance Administrator Admin Department Unit Centre
    Center Clinic Surgery Practice Hospital University College Association Society"""
_ORG_WORDS = frozenset(_ORG_WORDS_TEXT.split())
_ROLE_MAILBOXES = re.compile(
    r"^(?:dpo|privacy|data\.?protection|gdpr|dsar|sar|subject\.?access|rights|support|info|"
    r"help|helpdesk|service\.?desk|hello|contact|enquiries|enquiry|no-?reply|do-?not-?reply|"
    r"admin|legal|compliance|complaints?|customer\.?services?|customer\.?care|care|sales|"
    r"marketing|hr|security|it|team|office|accounts|billing|careers|jobs|press|webmaster|"
    r"abuse|postmaster|news|newsletter|unsubscribe|feedback|reception|admissions|governance|"
    r"ig|information\.?governance|records|foi)(?:[._-]?\w*)?$",
    re.I,
)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_EMAIL_CUE = re.compile(
    r"(?:my (?:e-?mail|address|contact)|e-?mail(?: address)?\s*[:\-]|reply to|contact me|reach me|"
    r"write to me|from:|account (?:email|is)|registered (?:under|with|email)|sign(?:ed)? up with|"
    r"\bat\b|new (?:email|address)(?: is)?|@\S+\s+to)\W*$",
    re.I,
)

_SIGNOFF_WORDS = (
    r"yours sincerely|yours faithfully|yours truly|sincerely|with kind regards|kind regards|"
    r"best regards|warm regards|warmest regards|many thanks|thanks again|thanks in advance|"
    r"thank you very much|thank you in advance|thank you|thanks|regards|cheers|best wishes|"
    r"all the best|respectfully|with thanks|yours|best|signed|thx|ta|br|kr|merci|grazie|danke|"
    r"cordialement|saludos|pozdrawiam|met vriendelijke groet|mit freundlichen gr[üu](?:ß|ss)en"
)
# A sign-off, then (on the same line or the next) a name that ends its line or is followed by
# an email, a phone number or a job title after a comma or bracket.
_SIGNOFF = re.compile(
    rf"(?:^|(?<=[.!?,;:)\s]))(?i:{_SIGNOFF_WORDS})\b[ \t]*[,.!:;-]*[ \t]*(?:\r?\n[ \t]*)*"
    rf"{_TITLE}(?P<n>{_FULL})(?=[ \t]*(?:[,(|<\r\n]|[.!]?[ \t]*$))",
    re.M,
)
_CONTACT_TAIL = (
    r"(?:[ \t]*[,(<|][ \t]*[^\n]{0,60}?(?:@|\d{5,}|manager|officer|director)[^\n]{0,30})?"
)
_LINE_NAME = re.compile(
    rf"[ \t]*(?:[-–—~][ \t]*)?{_TITLE}(?P<n>{_FULL})(?:[ \t]+[xX]{{1,3}})?[ \t]*{_CONTACT_TAIL}"
    r"[.!]?[ \t]*"
)
# A signature in capitals ("JAMES BROWN"): two to four words, read as "James Brown".
_CAPS_LINE = re.compile(
    r"[ \t]*(?:(?:MR|MRS|MS|MISS|DR)\.?[ \t]+)?(?P<n>[A-Z][A-Z'’-]+(?:[ \t]+[A-Z][A-Z'’-]+){1,3})"
    r"[ \t]*"
)
_SIGNED_OFF = re.compile(rf"[ \t]*(?i:{_SIGNOFF_WORDS})[ \t]*[,.!:;-]*[ \t]*")
# An address book's "Surname, Forename" in a From: line.
_FROM_REVERSED = re.compile(
    rf"^[ \t]*From:[ \t]*\"(?P<last>{_WORD}),[ \t]*(?P<first>{_WORD}(?:[ \t]+{_WORD})?)\"",
    re.M,
)
# A name closing the text after its last sentence: "... put it right? Javier".
_TRAILING_NAME = re.compile(
    rf"(?:[.!?]|[ \t][-–—~]+)[ \t]+{_TITLE}(?P<n>{_FULL}){_CONTACT_TAIL}[.!]?\s*$"
)
_NOT_A_SIGNATURE_LINE = re.compile(
    r"^\s*(?:\S+@\S+|[+\d][\d ()+-]{6,}|(?:date|sent|tel|phone|mobile|email|e-mail|"
    r"address|account|ref|reference|customer)\b.*)\s*$",
    re.I,
)
_CUES = (
    re.compile(
        rf"\b[Mm]y name(?: is|'s|:)(?: now)?\s+{_TITLE}(?P<n>{_FULL})|"
        rf"\b[Nn]ame (?:on (?:the|my) account|of the account holder) is\s+{_TITLE}(?P<m>{_FULL})"
    ),
    re.compile(
        rf"^[ \t]*(?:full name|name|requester|data subject|account holder|customer name|"
        rf"your name|applicant|name of (?:the )?(?:data subject|requester))\s*[:\-]\s*"
        rf"{_TITLE}(?P<n>{_FULL})(?=[ \t]*(?:[,;|]|$))",
        re.I | re.M,
    ),
    re.compile(rf"\bI,\s+{_TITLE}(?P<n>{_FULL}),"),
    # The same field inside a sentence: "... according to GDPR. Name: Lukas Berger, email: …"
    re.compile(rf"(?<=[.,;] )(?i:name)\s*:\s*{_TITLE}(?P<n>{_FULL})(?=[ \t]*(?:[,;|]|$))", re.M),
    re.compile(rf"^[ \t]*From:\s*{_TITLE}(?P<n>{_FULL})[ \t]*(?:<|\(|$)", re.M),
    re.compile(
        rf"\b(?:[Tt]his is|I am|I'm)\s+{_TITLE}(?P<n>{_FULL})"
        r"(?=[ \t]*(?:,|\.|!|\(|\bfrom\b|\band\b|\bhere\b|\n|$))"
    ),
    re.compile(rf"(?P<n>{_FULL})[ \t]*<[^>@\s]+@[^>\s]+>"),
    re.compile(rf"(?:^|\n)[ \t]*(?:-|–|—|~)[ \t]*{_TITLE}(?P<n>{_FULL})[ \t]*$"),
)

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        )
    )
    for m in names.split()
}
_MON = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_MON}),?\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<m2>{_MON})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b"
    r"|\b(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})\b"
    r"|\b(?P<d4>\d{1,2})[/.](?P<m4>\d{1,2})[/.](?P<y4>\d{4})\b",
    re.I,
)
_DATE_LINE = re.compile(
    r"^[ \t]*(?:date[d]?|sent|received|date received|date of (?:request|letter))"
    r"\s*[:\-]?\s*(?P<rest>.+)$",
    re.I | re.M,
)
_DATE_CUE = re.compile(
    r"(?:received|sent|dated|posted|submitted|wrote to you|emailed you|written)(?: on| it on)?\s*$",
    re.I,
)


def _clean(name: str) -> str | None:
    words = name.split()
    if any(w.rstrip(".,") in _ORG_WORDS for w in words):
        return None
    while words and (words[-1].rstrip(".") in _NOT_NAMES or len(words[-1]) == 1):
        words.pop()
    while words and words[0].rstrip(".") in _NOT_NAMES:
        words.pop(0)
    if not words or any(w.rstrip(".") in _NOT_NAMES for w in words):
        return None
    if len(words) == 1 and words[0].endswith("."):
        return None
    return " ".join(words)


def _last_line_name(text: str) -> str | None:
    """A name standing alone on the last line of the text (before an email or phone line)."""
    lines = [line for line in text.strip().splitlines()[-5:] if line.strip()]
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if _NOT_A_SIGNATURE_LINE.match(line):
            continue
        if (hit := _LINE_NAME.fullmatch(line)) is not None:
            return _clean(hit["n"])
        caps = _CAPS_LINE.fullmatch(line)
        # Capitals only under a sign-off: "NO MORE CALLS" alone is a shout, not a name.
        if caps is not None and i > 0 and _SIGNED_OFF.fullmatch(lines[i - 1]):
            return _clean(" ".join(w.capitalize() for w in caps["n"].split()))
        return None
    return None


def name(text: str) -> str | None:
    """The requester's name: a self-introduction, a form field, the sign-off, or a name on its
    own at the end."""
    found: list[tuple[int, str]] = []
    for rank, cue in enumerate(_CUES[:6]):
        for m in cue.finditer(text):
            if (n := _clean(m["n"] or m.groupdict().get("m") or "")) is not None:
                found.append((rank, n))
    for m in _FROM_REVERSED.finditer(text):
        if (n := _clean(f"{m['first']} {m['last']}")) is not None:
            found.append((3, n))
    signed = [n for m in _SIGNOFF.finditer(text) if (n := _clean(m["n"])) is not None]
    if signed:
        found.append((5, signed[-1]))
    if (alone := _last_line_name(text)) is not None:
        found.append((6, alone))
    if (tail := _TRAILING_NAME.search(text[-200:])) is not None and (n := _clean(tail["n"])):
        found.append((6, n))
    for rank, cue in enumerate(_CUES[6:], start=7):
        for m in cue.finditer(text):
            if (n := _clean(m["n"])) is not None:
                found.append((rank, n))
    if not found:
        return None
    return min(found, key=lambda f: f[0])[1]


def email(text: str) -> str | None:
    """The requester's address: one they call theirs, else the first that is not a mailbox of
    the organisation they write to."""
    personal = [m for m in _EMAIL.finditer(text) if not _ROLE_MAILBOXES.match(m[0].split("@")[0])]
    if not personal:
        return None
    for m in personal:
        if _EMAIL_CUE.search(text[max(0, m.start() - 40) : m.start()]):
            return m[0].rstrip(".")
    return personal[0][0].rstrip(".")


def _to_date(m: re.Match[str]) -> date | None:
    groups = m.groupdict()
    for i in "1234":
        if groups[f"y{i}"]:
            month_text = groups[f"m{i}"].lower().rstrip(".")
            month = _MONTHS.get(month_text) or int(month_text)
            try:
                return date(int(groups[f"y{i}"]), month, int(groups[f"d{i}"]))
            except ValueError:
                return None
    return None


def received(text: str) -> date | None:
    """A date the text gives as its own: a Date:/Sent: line, a date alone on a line (a letter's
    head), or "sent on …"; never a date in the story (when the account was opened)."""
    for row in _DATE_LINE.finditer(text):
        if (m := _DATE.search(row["rest"])) is not None and (d := _to_date(m)) is not None:
            return d
    for m in _DATE.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        line = text[start : len(text) if end < 0 else end]
        alone = re.fullmatch(r"[\W\d_]*(?:[A-Za-z]+day,?\s*)?", line.replace(m[0], "", 1))
        if (alone or _DATE_CUE.search(text[max(0, m.start() - 30) : m.start()])) and (
            d := _to_date(m)
        ) is not None:
            return d
    return None
