"""The one list of personal data: every column that may hold it, and why the rest may not.

Export (which columns are left out unless ``--include-personal``), retention (what is erased),
the ticket views (what only the privacy team sees), the outbox scrubber and the log formatter
all read this module; nothing else lists personal fields.

The rule is the one an auditor would apply: **every free-text column is personal unless proven
otherwise.** Staff type names into whatever box is in front of them ("extended: waiting for
Jane Smith's HR file"), so reasons, notes and details are personal even when their label says
"reason". ``tests/test_personal_fields.py`` fails when a text column is added to a table without
being listed here either as personal or, with its proof, as not personal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonalField:
    """A column that may hold personal data: its table, its name in exports, its label."""

    table: str
    column: str
    export_name: str
    label: str


def _fields(table: str, *items: tuple[str, str, str]) -> tuple[PersonalField, ...]:
    return tuple(PersonalField(table, column, export, label) for column, export, label in items)


REQUEST_FIELDS = _fields(
    "requests",
    ("requester_name", "requester_name", "Requester"),
    ("requester_email", "requester_email", "Email"),
    ("details", "details", "Details"),
    ("extension_reason", "extension_reason", "Extension reason"),
    ("outcome_reason", "outcome_reason", "Outcome reason"),
    ("late_reason", "late_action", "Late action"),
    ("fee_reason", "fee_reason", "Fee reason"),
)
BREACH_FIELDS = _fields(
    "breaches",
    ("summary", "summary", "What happened"),
    ("data_categories", "data_categories", "Data"),
    ("subject_categories", "people_categories", "People"),
    ("consequences", "consequences", "Consequences"),
    ("measures", "measures", "Measures"),
    ("not_reportable_reason", "not_reportable_reason", "Not reportable"),
    ("delay_reason", "delay_reason", "Reason for delay"),
)
NOTE_FIELDS = _fields("notes", ("text", "note", "Note"))
# What the bot said to someone: a DM answering ``dsar show`` holds the requester's details.
OUTBOX_FIELDS = _fields("outbox", ("payload", "payload", "Message"))

# Issue 17: an owner's note on what a search found, and what was redacted from a disclosure.
SEARCH_FIELDS = _fields("search_tasks", ("note", "search_note", "Search note"))
DISCLOSURE_FIELDS = _fields("disclosures", ("redactions", "redactions", "Redactions"))

ALL: tuple[PersonalField, ...] = (
    REQUEST_FIELDS + BREACH_FIELDS + NOTE_FIELDS + OUTBOX_FIELDS + SEARCH_FIELDS + DISCLOSURE_FIELDS
)


# Encrypted at rest too, though not personal data in the export's sense: each ticket's digest
# salt (in clear beside the audit digests it would let anyone test guesses of a name against
# them) and the exemptions relied on (typed text, which may name a third party; the register
# exports them, and only the privacy team sees them).
_SLACK_SECRETS = {  # storage.slack_installs.SECRET_COLUMNS (this module imports nothing)
    "slack_installations": (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
        "incoming_webhook_url",
    ),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}

SEALED: tuple[tuple[str, str], ...] = (
    ("requests", "pii_salt"),
    ("breaches", "pii_salt"),
    ("requests", "refusal_exemption"),
    ("disclosures", "exemption"),
    # Slack's installation store: tokens and webhook URLs, secrets (rotated with the keys).
    *((table, column) for table, columns in _SLACK_SECRETS.items() for column in columns),
)


def encrypted(table: str) -> tuple[str, ...]:
    """Every column of ``table`` stored as a token: its personal columns and sealed ones."""
    return columns(table) + tuple(c for t, c in SEALED if t == table)


def encrypted_tables() -> dict[str, tuple[str, ...]]:
    """``{table: its encrypted columns}`` for every table that has any."""
    tables = dict.fromkeys([f.table for f in ALL] + [t for t, _ in SEALED])
    return {table: encrypted(table) for table in tables}


def columns(table: str) -> tuple[str, ...]:
    """The personal columns of ``table``, in declaration order."""
    return tuple(f.column for f in ALL if f.table == table)


def is_personal(table: str, column: str) -> bool:
    return any(f.table == table and f.column == column for f in ALL)


# Every field name that means personal data, wherever it appears (log redaction uses these).
NAMES: frozenset[str] = frozenset({f.column for f in ALL} | {f.export_name for f in ALL})

# Text columns proven not to hold personal data, and the proof. Anything else that is text and
# not listed above is a test failure.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("events", "data"): "facts chosen by the code (states, dates, digests), never typed text",
    ("events", "prev_hash"): "a SHA-256 digest",
    ("events", "hash"): "a SHA-256 digest",
    (
        "conversation_refs",
        "reference",
    ): "Teams routing ids (conversation, service URL, bot and user ids); names are stripped",
    ("requests", "recipients_told"): "one of the grammar's words (told, disproportionate, …)",
    # A judgment call, to revisit: the register must name the exemption relied on, and what is
    # typed is a statute reference ("DPA 2018 Sch 2 para 16") — but it is not validated yet.
    ("requests", "refusal_exemption"): "the DPA 2018 exemption relied on, a statute reference",
    # The same judgment call for the disclosure log (issue 17): what is typed names the
    # exemption ("Sch 2 para 16, third-party data"); why it applies goes in redactions=.
    ("disclosures", "exemption"): "the DPA 2018 exemption relied on, a statute reference",
    ("home_tabs", "shown"): "the ticket references a home page lists, nothing else",
    # Issue 15: where a ticket was logged from, as the platform names it (never a name).
    **{
        (table, column): "a Slack team or Enterprise Grid org id (T…, E…), set by the adapter"
        for table in ("requests", "breaches")
        for column in ("origin_enterprise", "origin_team")
    },
    # Slack's installation store (storage.slack_installs): credentials, not personal data, and
    # secrets, so they are Encrypted like personal data (and rotated with the keys).
    **{
        (table, column): "a Slack token or webhook URL: a secret, stored encrypted"
        for table, columns in _SLACK_SECRETS.items()
        for column in columns
    },
}
