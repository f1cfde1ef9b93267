"""The words of the grammar: usage lines, the error type, and quoting (SPEC §5)."""

from __future__ import annotations

from enum import StrEnum

from storage.enums import (
    FeeBasis,
    Identifier,
    IdMethod,
    LetterKind,
    LetterVia,
    LinkKind,
    Outcome,
    RecipientsTold,
    RefusalBasis,
    RegisterChange,
    Risk,
    SearchAnswer,
    Via,
)


def _one_of(kind: type[StrEnum]) -> str:
    """An enum's values as the usage lines show them (``a|b|c``): never typed by hand."""
    return "|".join(member.value for member in kind)


USAGE: dict[str, str] = {
    "dsar new": '/dsar new <type> name="…" email=… [received=YYYY-MM-DD] '
    f'[via={_one_of(Via)}] [details="…"]',
    "dsar show": "/dsar show REF",
    "dsar list": "/dsar list [open|mine|due-soon|overdue|all]",
    "dsar verify": f"/dsar verify REF method=<{_one_of(IdMethod)}> [received=YYYY-MM-DD]",
    "dsar ask-id": '/dsar ask-id REF [asked=YYYY-MM-DD] [late-reason="…"]',
    "dsar clarify": '/dsar clarify REF [asked=YYYY-MM-DD] [late-reason="…"]',
    "dsar resume": "/dsar resume REF [received=YYYY-MM-DD]",
    "dsar fee": f'/dsar fee REF amount=… basis=<{_one_of(FeeBasis)}> [reason="…"] '
    '[late-reason="…"]',
    "dsar fee-paid": "/dsar fee-paid REF [received=YYYY-MM-DD]",
    "dsar assign": "/dsar assign REF @person",
    "dsar note": '/dsar note REF "…"',
    "dsar extend": '/dsar extend REF reason="…" [told=YYYY-MM-DD]',
    "dsar close": f'/dsar close REF outcome=<{_one_of(Outcome)}> [reason="…"] '
    f'[basis={_one_of(RefusalBasis)}] [exemption="…"] [told=YYYY-MM-DD] '
    f'[recipients={_one_of(RecipientsTold)}] [duplicate_of=REF] [searches="…"]',
    "dsar find": "/dsar find <email, or words of the name>",
    "dsar link": f"/dsar link REF OTHER [as={_one_of(LinkKind)}]",
    "dsar stopped": "/dsar stopped REF [on=YYYY-MM-DD]",
    "dsar edit": f'/dsar edit REF [type=<type>] [name="…"] [email=…] [received=YYYY-MM-DD] '
    f'[via={_one_of(Via)}] [details="…"]',
    "dsar reopen": '/dsar reopen REF reason="…" [new=yes]',
    "dsar history": "/dsar history REF",
    "dsar letter": f"/dsar letter REF <{_one_of(LetterKind)}> [lang=en] [format=text|markdown]",
    "dsar sent": f"/dsar sent REF <{_one_of(LetterKind)}> [on=YYYY-MM-DD] "
    f"[via={_one_of(LetterVia)}]",
    "dsar systems": "/dsar systems",
    "dsar system": f'/dsar system <{_one_of(RegisterChange)}> name="…" [owner=@person]',
    "dsar search": f'/dsar search REF [systems="…,…"|all] [share={_one_of(Identifier)}[,…]]',
    "dsar answer": f'/dsar answer REF system="…" <{_one_of(SearchAnswer)}> [items=N] [note="…"]',
    "dsar disclose": '/dsar disclose REF items=N [withheld=N] [exemption="…"] '
    '[redactions="…"] [on=YYYY-MM-DD]',
    "dsar deadline": "/dsar deadline YYYY-MM-DD [calendar=GB-SCT] [extended]",
    "dsar summary": "/dsar summary",
    "dsar help": "/dsar help",
    "breach new": '/breach new aware="YYYY-MM-DDTHH:MM[+HH:MM]" summary="…" [occurred=…] '
    '[data="…"] [people="…"] [subjects=N] [records=N] [consequences="…"] [measures="…"] '
    "[pecr=yes|no]",
    "breach assess": f"/breach assess REF risk=<{_one_of(Risk)}> [subjects=N] [records=N]",
    "breach ico": "/breach ico REF case=… [at=YYYY-MM-DDTHH:MM]",
    "breach not-reportable": '/breach not-reportable REF reason="…"',
    "breach tell-subjects": "/breach tell-subjects REF [at=YYYY-MM-DDTHH:MM]",
    "breach delay-reason": '/breach delay-reason REF "…"',
    "breach close": "/breach close REF",
    "breach assign": "/breach assign REF @person",
    "breach note": '/breach note REF "…"',
    "breach edit": '/breach edit REF [aware="YYYY-MM-DDTHH:MM[+HH:MM]"] [summary="…"] '
    '[occurred=…] [data="…"] [people="…"] [subjects=N] [records=N] [consequences="…"] '
    '[measures="…"]',
    "breach history": "/breach history REF",
    "breach show": "/breach show REF",
    "breach list": "/breach list [open|all]",
    "breach help": "/breach help",
}


class CommandError(ValueError):
    """Bad input: ``str(error)`` is one line for people; ``usage`` is the line to show with it;
    ``field`` is the argument it is about (``email``), so a form can mark that input."""

    def __init__(self, reason: str, usage: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage
        self.field = field


def usage_for(group: str, action: str | None = None) -> str:
    key = f"{group} {action}" if action else ""
    return USAGE.get(key) or f"/{group} help lists the {group} commands"


# What anyone may do; every other command is for the privacy team. The use cases enforce it
# (``Context.require_privacy_team``); this says it in help, and a test holds the two together.
FOR_EVERYONE = frozenset(
    {
        "dsar new",
        "dsar show",
        "dsar list",
        "dsar deadline",
        "dsar history",
        "dsar systems",
        "dsar answer",  # the system owner answers; the use case checks it is them
        "dsar help",
        "breach new",
        "breach show",
        "breach list",
        "breach history",
        "breach help",
    }
)


def actions_of(group: str) -> list[str]:
    """The sub-commands of ``/dsar`` or ``/breach``, in the order help lists them."""
    return [key.split(" ", 1)[1] for key in USAGE if key.startswith(f"{group} ")]


def help_lines(group: str, *, privacy_team: bool = True) -> list[str]:
    """The usage lines of a group: all of them for the privacy team, what anyone may do else."""
    return [
        usage
        for key, usage in USAGE.items()
        if key.startswith(group + " ") and (privacy_team or key in FOR_EVERYONE)
    ]


def quote(value: str) -> str:
    """A value as the grammar reads it back: double-quoted, with quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def show(value: str) -> str:
    """A value quoted for an error message, shortened so a 10 kB paste stays one short line."""
    return repr(value if len(value) <= 40 else value[:37] + "...")
