"""The grammar of correcting, reopening and reading the history of a ticket (issue 11), and of
working a breach like a request (assign, note, edit). Registered by ``handlers.commands``.

Every field goes through the same ``Args`` check as in ``/dsar new`` and ``/breach new``, so a
value ``new`` refuses is refused here too, with the same one line.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers import command_types as c
from handlers.arguments import LIMITS, Args
from storage.enums import RequestType, Via

Builder = Callable[[Args], c.Command]


def _dsar_edit(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    if not a.named:
        return c.EditRequestForm(ref=ref)
    return c.EditRequest(
        ref=ref,
        type=a.take_enum("type", RequestType),
        name=a.take_name("name"),
        email=a.take_email("email"),
        received=a.take_day("received"),
        via=a.take_enum("via", Via),
        details=a.take("details", limit=LIMITS["text"]),
    )


def _dsar_reopen(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    reason = a.take("reason", required=True, limit=LIMITS["text"])
    assert reason is not None
    return c.Reopen(ref=ref, reason=reason, new_request=bool(a.take_yes_no("new")))


def _breach_edit(a: Args) -> c.Command:
    ref = a.ref("BREACH")
    if not a.named:
        return c.EditBreachForm(ref=ref)
    return c.EditBreach(
        ref=ref,
        aware=a.take_moment("aware"),
        summary=a.take("summary", limit=LIMITS["text"]),
        occurred=a.take_moment("occurred"),
        data_categories=a.take("data", limit=LIMITS["text"]),
        subject_categories=a.take("people", limit=LIMITS["text"]),
        subjects=a.take_count("subjects"),
        records=a.take_count("records"),
        consequences=a.take("consequences", limit=LIMITS["text"]),
        measures=a.take("measures", limit=LIMITS["text"]),
    )


DSAR: dict[str, Builder] = {
    "edit": _dsar_edit,
    "reopen": _dsar_reopen,
    "history": lambda a: c.History(ref=a.ref("DSAR")),
}
BREACH: dict[str, Builder] = {
    "assign": lambda a: c.AssignBreach(ref=a.ref("BREACH"), person=a.take_person()),
    "note": lambda a: c.BreachNote(ref=a.ref("BREACH"), text=a.rest_text("note")),
    "edit": _breach_edit,
    "history": lambda a: c.History(ref=a.ref("BREACH")),
}
