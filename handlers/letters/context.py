"""What a letter template is given: the ticket's facts in words, and nothing else.

Dates are written out with babel in the letter's language (``Friday 3 April 2026``); money as
pounds and pence. Values the ticket does not hold are ``None``, so a template can say only what
is recorded (``{% if extension_reason %}``) while a mistyped name is an error (StrictUndefined).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date

from handlers import rules
from handlers.policy import Policy
from storage.enums import FeeBasis, Outcome, RefusalBasis, RequestState, RequestType
from storage.models import Request
from storage.models_searches import Disclosure

ICO = {
    "name": "Information Commissioner's Office",
    "address": "Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF",
    "phone": "0303 123 1113",
    "web": "ico.org.uk/make-a-complaint",
}

RIGHTS = {
    RequestType.ACCESS: "a copy of your personal data (the right of access, Article 15 UK GDPR)",
    RequestType.RECTIFICATION: "to correct personal data we hold about you (Article 16 UK GDPR)",
    RequestType.ERASURE: "to erase personal data we hold about you (Article 17 UK GDPR)",
    RequestType.RESTRICTION: "to restrict how we use your personal data (Article 18 UK GDPR)",
    RequestType.PORTABILITY: "to receive your personal data in a portable form "
    "(Article 20 UK GDPR)",
    RequestType.OBJECTION: "to object to our use of your personal data (Article 21 UK GDPR)",
    RequestType.AUTOMATED: "a review of a decision made about you by automated means "
    "(Articles 22 and 22A-22D UK GDPR)",
    RequestType.CONSENT: "to withdraw your consent (Article 7(3) UK GDPR)",
    RequestType.COMPLAINT: "a complaint about how we use your personal data",
}

FEE_BASES = {
    FeeBasis.UNFOUNDED: "the request is manifestly unfounded (Article 12(5) UK GDPR)",
    FeeBasis.EXCESSIVE: "the request is manifestly excessive (Article 12(5) UK GDPR)",
    FeeBasis.COPIES: "you asked for further copies of your data (Article 15(3) UK GDPR)",
}

REFUSAL_BASES = {
    RefusalBasis.UNFOUNDED: "the request is manifestly unfounded (Article 12(5) UK GDPR)",
    RefusalBasis.EXCESSIVE: "the request is manifestly excessive (Article 12(5) UK GDPR)",
    RefusalBasis.EXEMPTION: "an exemption in the Data Protection Act 2018 applies",
}


WAITING_FOR = {
    RequestState.AWAITING_ID: "proof of your identity",
    RequestState.AWAITING_FEE: "the fee",
    RequestState.AWAITING_CLARIFICATION: "your clarification",
}


def babel_locale(lang: str) -> str:
    """``en`` -> ``en_GB`` (a UK desk); any other language as babel knows it, else en_GB."""
    if lang == "en":
        return "en_GB"
    try:
        Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return "en_GB"
    return lang


def in_words(day: date | None, lang: str = "en") -> str | None:
    """``Friday 3 April 2026`` (in the letter's language), or None."""
    if day is None:
        return None
    return format_date(day, format="EEEE d MMMM y", locale=babel_locale(lang))


def letter_values(
    req: Request,
    *,
    policy: Policy,
    today: date,
    lang: str,
    disclosures: Sequence[Disclosure] = (),
) -> dict[str, Any]:
    """Every value a template may use, for ``req`` on ``today``; ``disclosures`` is the
    disclosure log (issue 17) the response letter lists."""

    def words(day: date | None) -> str | None:
        return in_words(day, lang)

    return {
        "org": {"name": policy.org_name, "contact": policy.org_contact},
        "ico": ICO,
        "lang": lang,
        "ref": req.ref,
        "today": words(today),
        "requester": {"name": req.requester_name or "requester", "email": req.requester_email},
        "request_type": str(req.type),
        "is_access": req.type == RequestType.ACCESS,
        "right": RIGHTS[RequestType(req.type)],
        "received": words(req.received),
        "clock_start": words(req.clock_start),
        "due": words(req.due),
        "base_due": words(req.base_due),
        "extended_due": words(req.extended_due),
        "extension_notice_by": words(req.extension_notice_by),
        "extension_reason": req.extension_reason,
        "fee": _fee(req),
        "outcome_reason": req.outcome_reason,
        "refusal_basis": REFUSAL_BASES.get(RefusalBasis(req.refusal_basis))
        if req.refusal_basis
        else None,
        "exemption": req.refusal_exemption,
        # The letter, dated today, may say it is within the time limit only if it is.
        "in_time": req.due is None or today <= req.due,
        "state": str(req.state),
        "waiting_for": WAITING_FOR.get(RequestState(req.state)),
        "clarification_asked_on": words(req.clarification_asked_on),
        "processing_stopped_on": words(req.processing_stopped_on),
        "recipients_told": req.recipients_told,
        "acknowledge_by": words(req.base_due) if req.type == RequestType.COMPLAINT else None,
        "partial": req.outcome == Outcome.PARTIALLY_FULFILLED,
        "extended": req.extended and not rules.extension_told_late(req),
        "disclosed": _disclosed(disclosures),
    }


def _disclosed(disclosures: Sequence[Disclosure]) -> dict[str, Any] | None:
    """What went out and what was withheld, in total, and the exemptions relied on."""
    if not disclosures:
        return None
    exemptions = list(dict.fromkeys(d.exemption for d in disclosures if d.exemption))
    return {
        "sent": sum(d.items for d in disclosures),
        "withheld": sum(d.withheld for d in disclosures),
        "exemptions": "; ".join(exemptions) or None,
    }


def _fee(req: Request) -> dict[str, Any] | None:
    if req.fee_pence is None:
        return None
    basis = FEE_BASES.get(FeeBasis(req.fee_basis)) if req.fee_basis else None
    return {
        "amount": f"£{req.fee_pence // 100:,}.{req.fee_pence % 100:02d}",
        "basis": basis,
        "reason": req.fee_reason,
        "copies": req.fee_basis == FeeBasis.COPIES,
    }


def sample_request() -> Request:
    """A ticket with every fact filled in, for ``privacy-desk letters check``."""
    return Request(
        ref="DSAR-0000",
        type=RequestType.ACCESS,
        state=RequestState.CLOSED,
        via="email",
        received=date(2026, 3, 3),
        calendar="GB-ENG",
        created_by="console:operator",
        created_at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        requester_name="Sam Sample",
        requester_email="sam@example.org",
        clock_start=date(2026, 3, 3),
        base_due=date(2026, 4, 3),
        extension_notice_by=date(2026, 4, 3),
        extended_due=date(2026, 6, 3),
        due=date(2026, 6, 3),
        extended=True,
        extension_reason="The request covers ten years of records held in four systems.",
        extension_told_on=date(2026, 3, 20),
        fee_pence=1000,
        fee_basis=FeeBasis.EXCESSIVE,
        fee_reason="The fifth identical request this year.",
        outcome=Outcome.PARTIALLY_FULFILLED,
        outcome_reason="Some records name other people who have not agreed to disclosure.",
        refusal_basis=RefusalBasis.EXEMPTION,
        refusal_exemption="DPA 2018 Sch 2 para 16 (other people's information)",
        complaint_right_told_on=date(2026, 5, 29),
        processing_stopped_on=date(2026, 3, 3),
        closed_on=date(2026, 5, 29),
    )
