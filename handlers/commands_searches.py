"""The grammar of proving a reasonable search (issue 17): the systems register, search tasks,
an owner's answer and the disclosure log. Registered by ``handlers.commands``.

A system is named by ``name="…"`` (the register's words, not personal data); a list of them is
comma-separated (``systems="HR system,Payroll"``) or ``all``.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers import command_types as c
from handlers import command_types_searches as sc
from handlers.arguments import LIMITS, Args
from storage.enums import Identifier, RegisterChange, SearchAnswer

Builder = Callable[[Args], c.Command]
SYSTEM_NAME = 80  # the register's column


def _system_name(a: Args, key: str, *, required: bool) -> str | None:
    name = a.take(key, required=required, limit=SYSTEM_NAME)
    if name is not None:
        a.one_line(key, name)
        if "," in name:
            a.fail(f"{key}= may not contain a comma (lists of systems are comma-separated)")
    return name


def _system(a: Args) -> c.Command:
    if not a.positional:
        a.fail("add, remove or owner?")
    change = a.enum("change", RegisterChange, a.positional.pop(0).lower())
    name = _system_name(a, "name", required=True)
    assert name is not None
    owner = None
    if change is not RegisterChange.REMOVE:
        owner = a.take_person("owner")
    return sc.ChangeSystem(change=change, name=name, owner=owner)


def _search(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    given = a.take("systems", limit=LIMITS["text"])
    systems: tuple[str, ...] | None = None
    if given is not None and given.lower() != "all":
        systems = tuple(dict.fromkeys(s.strip() for s in given.split(",") if s.strip()))
        if not systems or any(len(s) > SYSTEM_NAME for s in systems):
            a.fail('systems= names systems from /dsar systems, e.g. systems="HR system,Payroll"')
    share: tuple[Identifier, ...] = ()
    shared = a.take("share", limit=100)
    if shared is not None:
        share = tuple(
            dict.fromkeys(
                a.enum("share", Identifier, word.strip().lower(), field="share")
                for word in shared.split(",")
                if word.strip()
            )
        )
    return sc.StartSearch(ref=ref, systems=systems, share=share)


def _answer(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    system = _system_name(a, "system", required=True)
    answer = a.take_enum("answer", SearchAnswer)
    if answer is None:
        if not a.positional:
            a.fail("what did the search find? found, nothing or not-mine")
        answer = a.enum("answer", SearchAnswer, a.positional.pop(0).lower())
    items = a.take_count("items")
    if items is not None and answer is not SearchAnswer.FOUND:
        a.fail("items= is the number of items found: only with found", field="items")
    return sc.AnswerSearch(
        ref=ref,
        system=system,
        answer=answer,
        items=items,
        note=a.take("note", limit=LIMITS["text"]),
    )


def _disclose(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    items = a.take_count("items")
    if items is None:
        a.fail("items= is missing (how many items went to the requester)", field="items")
    assert items is not None
    withheld = a.take_count("withheld") or 0
    exemption = a.take("exemption", limit=LIMITS["short"])
    if withheld and exemption is None:
        a.fail(
            'withheld items need exemption="…" (the DPA 2018 Schedule 2-4 exemption relied on)',
            field="exemption",
        )
    return sc.Disclose(
        ref=ref,
        items=items,
        withheld=withheld,
        exemption=exemption,
        redactions=a.take("redactions", limit=LIMITS["text"]),
        on=a.take_day("on"),
    )


DSAR: dict[str, Builder] = {
    "systems": lambda a: sc.ListSystems(),
    "system": _system,
    "search": _search,
    "answer": _answer,
    "disclose": _disclose,
}
