"""What ``privacy-desk --help`` and each sub-command's ``--help`` say, written for the people
who run it: what the command does, what every option means, and an example."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Help:
    summary: str  # one line, in the list of sub-commands
    description: str
    example: str

    @property
    def text(self) -> str:
        """The description wrapped to a terminal's width, paragraph by paragraph."""
        import textwrap

        return "\n\n".join(textwrap.fill(p, 79) for p in self.description.split("\n\n"))

    @property
    def epilog(self) -> str:
        return "example:\n" + "\n".join(f"  {line}" for line in self.example.splitlines())


TOP = Help(
    summary="privacy-desk",
    description=(
        "A helpdesk for UK data-protection work: rights requests (DSARs) and personal-data "
        "breaches, with their legal deadlines, from Slack, Microsoft Teams or this terminal.\n\n"
        "Settings come from PRIVACY_DESK_* environment variables or a .env file in the "
        "working directory (see the README). Exit codes: 0 done, 1 a problem was found, "
        "2 bad usage or configuration."
    ),
    example=(
        "privacy-desk console                 # try the bot in this terminal\n"
        "privacy-desk deadline 2025-11-25     # when is a request received that day due?\n"
        "privacy-desk <command> --help        # more about one command"
    ),
)

DB = (
    "SQLite database file to use instead of PRIVACY_DESK_DATABASE_URL; its folder must exist "
    "(the file is created, readable by you only)"
)

COMMANDS: dict[str, Help] = {
    "console": Help(
        summary="chat with the bot in this terminal",
        description=(
            "Type the same /dsar and /breach commands as in Slack or Teams. Lines starting "
            "[#compliance] are what the compliance channel would receive; [DM → @…] lines are "
            "direct messages. At a terminal /dsar new and /breach new ask for each field; from "
            "a pipe each line is a command (give a form's fields as arguments) and the exit "
            "code is 1 if any command was refused. Type help for the commands, quit to leave."
        ),
        example=(
            "privacy-desk console\n"
            "privacy-desk console --as staff --user alice\n"
            "echo '/dsar list' | privacy-desk console --db desk.db"
        ),
    ),
    "serve": Help(
        summary="run the server for Slack and Microsoft Teams",
        description=(
            "Listens on PRIVACY_DESK_HOST:PRIVACY_DESK_PORT (127.0.0.1:3978) for Slack "
            "(/slack/events) and Teams (/api/messages), with /healthz, /readyz and /metrics, "
            "and sends the reminders and the weekly summary. Says at start which platforms are "
            "on and, for any that is off, which setting is missing."
        ),
        example="PRIVACY_DESK_SLACK_BOT_TOKEN=xoxb-… privacy-desk serve",
    ),
    "migrate": Help(
        summary="create or update the database tables",
        description=(
            "Brings the database up to date. Run it once before `serve` on PostgreSQL (the "
            "console's SQLite database updates itself). Also moves stored deadlines when a "
            "new release of the holiday data changed them, and says how many moved."
        ),
        example=(
            "export PRIVACY_DESK_DATABASE_URL=postgresql+asyncpg://desk@db/privacy\n"
            "privacy-desk migrate"
        ),
    ),
    "deadline": Help(
        summary="work out a legal deadline",
        description=(
            "When a rights request received on a day is due (one calendar month, rolled past "
            "weekends and bank holidays), when the extension notice must go and the extended "
            "deadline; when to acknowledge a complaint; or when the ICO must hear of a breach "
            "(72 hours from awareness). Nothing is stored."
        ),
        example=(
            "privacy-desk deadline 2025-11-25\n"
            "privacy-desk deadline 2025-11-25 --calendar GB-SCT --pause 2025-11-26:2025-11-27\n"
            "privacy-desk deadline --breach 2025-10-24T16:00+01:00 --json"
        ),
    ),
    "export": Help(
        summary="write the DSAR log or the breach register as CSV or Excel",
        description=(
            "One row a ticket. CSV (one register, --kind) has dates in ISO form; --format xlsx "
            "writes an Excel workbook with both registers as sheets (or the one --kind names): "
            "dates as dates, times in UTC, overdue rows in red, the header row frozen. Requester "
            "details and breach narratives are left out unless --include-personal is given. "
            "Cells a spreadsheet would run as a formula are kept as text. A file written with "
            "--output is readable by you only."
        ),
        example=(
            "privacy-desk export --kind requests --output dsar-log.csv\n"
            "privacy-desk export --format xlsx --output registers.xlsx"
        ),
    ),
    "triage": Help(
        summary="suggest what a letter or email is asking for",
        description=(
            "Reads each text (a file, or - for standard input) and proposes a rights request "
            "(which rights), a breach, or neither, with the requester's name, email and date "
            "where the text gives them. Runs on this machine; nothing is stored or sent."
        ),
        example="privacy-desk triage letter.txt\necho 'laptop stolen' | privacy-desk triage -",
    ),
    "audit": Help(
        summary="check the tamper-evident history",
        description="Checks the tickets' event history; see `privacy-desk audit verify --help`.",
        example="privacy-desk audit verify",
    ),
    "verify": Help(
        summary="prove the event history is intact",
        description=(
            "Recomputes every event's hash and checks each ticket against its history. Exit 1 "
            "and the first problems when an event was edited, deleted or reordered."
        ),
        example="privacy-desk audit verify --db privacy-desk.db",
    ),
    "letters": Help(
        summary="check the letter templates, or draft one ticket's letter",
        description=(
            "Letters to requesters are drafted from template files; see "
            "`privacy-desk letters check --help` and `privacy-desk letters draft --help`."
        ),
        example="privacy-desk letters check",
    ),
    "check": Help(
        summary="render every letter template against a sample ticket",
        description=(
            "Renders each letter kind in each language folder (the shipped ones and "
            "PRIVACY_DESK_TEMPLATES_DIR) against a made-up ticket, and lists every template "
            "that fails, with the reason. Exit 1 if any fails."
        ),
        example="PRIVACY_DESK_TEMPLATES_DIR=./letters privacy-desk letters check",
    ),
    "draft": Help(
        summary="draft one ticket's letter, to the screen or a file",
        description=(
            "Fills in the template of KIND for the request REF, as /dsar letter does, and "
            "prints it or writes it (readable by you only) to --output; a Word document needs "
            "--output. Recorded in the ticket's history as drafted, not as sent."
        ),
        example=(
            "privacy-desk letters draft DSAR-0001 extension\n"
            "privacy-desk letters draft DSAR-0001 refusal --format docx --output refusal.docx"
        ),
    ),
    "new-key": Help(
        summary="print a new random key for PRIVACY_DESK_DATA_KEYS",
        description=(
            "Prints a new key for encrypting requester details at rest. Keep it in your secret "
            "store, apart from the database backups: without it the data cannot be read."
        ),
        example='PRIVACY_DESK_DATA_KEYS="$(privacy-desk new-key)" privacy-desk serve',
    ),
    "rotate-keys": Help(
        summary="re-encrypt every stored personal value under the newest key",
        description=(
            "Put the new key first in PRIVACY_DESK_DATA_KEYS and keep the old one after it "
            "(NEW,OLD), restart the desk, then run this. It works in batches, each its own "
            "transaction, while the desk runs; if it stops part-way, run it again and it "
            "carries on. When it has finished, remove the old key."
        ),
        example='PRIVACY_DESK_DATA_KEYS="$NEW,$OLD" privacy-desk rotate-keys',
    ),
    "backup": Help(
        summary="copy the SQLite database while the desk runs",
        description=(
            "Writes a consistent copy of the embedded SQLite database with SQLite's online "
            "backup API, safe while the desk is serving, and checks it. The data key is not in "
            "the backup: keep PRIVACY_DESK_DATA_KEYS or the key file beside the database safe, "
            "apart from the backups. For PostgreSQL use pg_dump."
        ),
        example="privacy-desk backup /backups/desk-$(date +%F).db",
    ),
    "restore": Help(
        summary="restore the SQLite database from a backup, then verify it",
        description=(
            "Copies a backup made by privacy-desk backup into the database (one that does not "
            "exist yet, or an existing one with --force: stop the desk first), checks the file "
            "and runs audit verify on it, with the keys configured for that database."
        ),
        example="privacy-desk restore /backups/desk-2026-12-01.db --db restored.db",
    ),
}
