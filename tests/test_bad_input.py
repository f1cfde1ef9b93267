"""Bad input through the desk, on SQLite and PostgreSQL (SPEC §5).

Unknown commands, missing arguments, bad dates, unknown references and actions a role may not
take get a one-line explanation plus the usage line, post nothing, message nobody and change
nothing: every table is compared before and after each refused command.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.ports import ChatUser, Outcome
from handlers.usage import FOR_EVERYONE, USAGE
from tests.conftest import (
    DPO,
    OTHER_STAFF,
    PRIVACY,
    STAFF,
    Driver,
    FakeClock,
    database_state,
)

# The clock stands at Mon 24 Nov 2025 09:30 UTC (09:30 GMT in Europe/London).
NEW = (
    '/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter '
    'details="account 4471, the March invoices"'
)
NEW_COMPLAINT = '/dsar new complaint name="Joan Roe" email=joan@example.com received=2025-11-10'
NEW_BREACH = (
    '/breach new aware="2025-11-23T10:00" summary="laptop left on a train" '
    'data="pupil names" people="pupils" subjects=30'
)
TEN_KB = "x" * 10_240


@dataclass
class Bad:
    """Sends a command that must be refused and checks that nothing at all changed."""

    driver: Driver
    sessions: async_sessionmaker[AsyncSession]

    async def ok(self, user: ChatUser, line: str) -> Outcome:
        return await self.driver.ok(user, line)

    async def refused(self, user: ChatUser, line: str, says: str | tuple[str, ...] = ()) -> str:
        """The refusal's one-line reason, after checking the reply and the whole database."""
        before = await database_state(self.sessions)
        outcome = await self.driver.refused(user, line)
        after = await database_state(self.sessions)
        assert after == before, f"{line!r} changed the database"
        reason = outcome.reply.text
        assert reason and "\n" not in reason, reason
        assert not outcome.reply.fields and outcome.reply.ref is None, outcome.reply
        [usage] = [x for x in outcome.reply.lines if x.startswith("Usage: ")]
        assert len(usage) > len("Usage: /"), usage
        for words in (says,) if isinstance(says, str) else says:
            assert words in reason, f"{line!r}: {reason!r} does not say {words!r}"
        return reason

    async def all_refused(
        self, user: ChatUser, lines: list[tuple[str, str | tuple[str, ...]]]
    ) -> None:
        for line, says in lines:
            await self.refused(user, line, says)


@pytest.fixture
def bad(driver: Driver, sessions: async_sessionmaker[AsyncSession]) -> Bad:
    return Bad(driver, sessions)


async def seed(bad: Bad) -> None:
    """DSAR-0001 (access) and DSAR-0002 (complaint) by STAFF; BREACH-0001 by STAFF."""
    assert (await bad.ok(STAFF, NEW)).reply.ref == "DSAR-0001"
    assert (await bad.ok(STAFF, NEW_COMPLAINT)).reply.ref == "DSAR-0002"
    assert (await bad.ok(STAFF, NEW_BREACH)).reply.ref == "BREACH-0001"


# --- grammar errors reach nobody and change nothing --------------------------------------------


async def test_unknown_commands_and_missing_or_unknown_arguments(bad: Bad) -> None:
    await seed(bad)
    for user in (STAFF, PRIVACY):
        await bad.all_refused(
            user,
            [
                ("/dsr new access", "unknown command"),
                ("/dsar frobnicate DSAR-0001", "unknown command"),
                ("/breach report BREACH-0001", "unknown command"),
                ('/dsar new name="Jane Doe" email=jane@example.com', "type is missing"),
                ('/dsar new shopping name="Jane Doe" email=jane@example.com', "must be one of"),
                ("/dsar new access email=jane@example.com", "name= is missing"),
                ('/dsar new access name="Jane Doe"', "email= is missing"),
                ('/dsar new access name="" email=jane@example.com', "name= is empty"),
                ("/dsar new access name=Jane email=jane@example.com via=fax", "via must be"),
                ("/dsar new access name=Jane email=jane@example.com colour=red", "colour="),
                ("/dsar new access name=Jane name=Joan email=jane@example.com", "given twice"),
                ("/dsar verify DSAR-0001", "method= is missing"),
                ("/dsar verify DSAR-0001 method=passport", "method must be one of"),
                ("/dsar close DSAR-0001", "outcome= is missing"),
                ("/dsar close DSAR-0001 outcome=done", "outcome must be one of"),
                ("/dsar close DSAR-0001 outcome=refused", "reason="),
                ("/dsar extend DSAR-0001", "reason= is missing"),
                ("/dsar fee DSAR-0001", "amount= is missing"),
                ("/dsar fee DSAR-0001 amount=abc", "not an amount"),
                ("/dsar fee DSAR-0001 amount=-5", "positive amount"),
                ("/dsar fee DSAR-0001 amount=0", "positive amount"),
                ("/dsar fee DSAR-0001 amount=1000000", "positive amount"),
                ("/dsar assign DSAR-0001", "who?"),
                ("/dsar assign DSAR-0001 alice", "not a person"),
                ("/dsar note DSAR-0001", "note is missing"),
                ("/dsar list closed", "must be one of"),
                ("/dsar show DSAR-0001 DSAR-0002", "unexpected"),
                ("/breach new summary=x", "aware= is missing"),
                ('/breach new aware="2025-11-23T10:00"', "summary= is missing"),
                ("/breach new aware=2025-11-23T10:00 summary=x subjects=many", "whole number"),
                ("/breach assess BREACH-0001", "risk= is missing"),
                ("/breach assess BREACH-0001 risk=extreme", "risk must be one of"),
                ("/breach assess BREACH-0001 risk=low records=-3", "whole number"),
                ("/breach ico BREACH-0001", "case= is missing"),
                ("/breach not-reportable BREACH-0001", "reason= is missing"),
                ("/breach delay-reason BREACH-0001", "reason is missing"),
                ("/breach list mine", "open or all"),
                ("/breach close BREACH-0001 now", "unexpected"),
            ],
        )


async def test_forms_are_not_available_in_text(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(STAFF, [("/dsar new", "form"), ("/breach new", "form")])


async def test_malformed_dates_are_refused(bad: Bad) -> None:
    await seed(bad)
    new = '/dsar new access name="Jane Doe" email=jane@example.com'
    await bad.all_refused(
        PRIVACY,
        [
            (f"{new} received=2025-13-01", "not a date"),
            (f"{new} received=2025-02-30", "not a date"),
            (f"{new} received=yesterday", "not a date"),
            (f"{new} received=24/11/2025", "not a date"),
            ("/dsar verify DSAR-0001 method=account received=2025-02-30", "not a date"),
            ("/dsar ask-id DSAR-0001 asked=2025-13-01", "not a date"),
            ("/dsar clarify DSAR-0001 asked=last-week", "not a date"),
            ("/dsar extend DSAR-0001 reason=x told=2025-11-31", "not a date"),
            ("/dsar close DSAR-0001 outcome=refused reason=x told=soon", "not a date"),
            ("/dsar deadline 2025-02-30", "not a date"),
            ("/dsar deadline 2025-11-03 calendar=XX", "unknown holiday calendar"),
            ("/breach new aware=yesterday summary=x", "not a date and time"),
            ("/breach new aware=2025-11-23 summary=x", "not a date and time"),
            ("/breach new aware=2025-11-23T25:00 summary=x", "not a date and time"),
            ("/breach new aware=2025-11-23T10:00 occurred=2025-02-30T10:00 summary=x", "not a"),
            ("/breach ico BREACH-0001 case=X at=2025-13-01T10:00", "not a date and time"),
            ("/breach tell-subjects BREACH-0001 at=noon", "not a date and time"),
        ],
    )


async def test_dates_in_the_future_are_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.ok(STAFF, '/dsar new access name="Amy Poe" email=amy@example.com')  # DSAR-0003
    await bad.ok(STAFF, '/dsar new erasure name="Bo Lee" email=bo@example.com')  # DSAR-0004
    await bad.ok(PRIVACY, "/dsar clarify DSAR-0003 asked=2025-11-24")
    await bad.ok(PRIVACY, '/dsar fee DSAR-0004 amount=10 basis=excessive reason="repeat"')
    tomorrow = "2025-11-25"
    await bad.all_refused(
        PRIVACY,
        [
            (
                f'/dsar new access name="Jane Doe" email=jane@example.com received={tomorrow}',
                ("received=", "in the future"),
            ),
            (f"/dsar verify DSAR-0001 method=account received={tomorrow}", "in the future"),
            (f"/dsar resume DSAR-0003 received={tomorrow}", "in the future"),
            (f"/dsar fee-paid DSAR-0004 received={tomorrow}", "in the future"),
            (f"/dsar ask-id DSAR-0001 asked={tomorrow}", "in the future"),
            (f"/dsar clarify DSAR-0001 asked={tomorrow}", "in the future"),
            (f"/dsar extend DSAR-0001 reason=x told={tomorrow}", "in the future"),
            (
                f"/dsar close DSAR-0001 outcome=refused reason=x basis=unfounded told={tomorrow}",
                "in the future",
            ),
            ("/breach ico BREACH-0001 case=IC-1 at=2025-11-24T10:00", "in the future"),
            ("/breach tell-subjects BREACH-0001 at=2025-11-25T09:00Z", "in the future"),
        ],
    )
    # Today itself is not in the future.
    await bad.ok(PRIVACY, "/dsar resume DSAR-0003 received=2025-11-24")
    await bad.ok(PRIVACY, "/dsar fee-paid DSAR-0004 received=2025-11-24")


async def test_dates_before_the_ticket_began_are_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar ask-id DSAR-0001 asked=2025-11-02", "before 2025-11-03"),
            ("/dsar verify DSAR-0001 method=account received=2025-11-01", "before"),
            ("/dsar extend DSAR-0001 reason=x told=2025-10-31", "before"),
            ("/breach ico BREACH-0001 case=IC-1 at=2025-11-23T09:00", "before"),
            ("/breach tell-subjects BREACH-0001 at=2025-11-22T23:00", "before"),
        ],
    )


async def test_breach_awareness_in_the_future_is_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach new aware=2025-11-24T09:45 summary=x", "aware= is in the future"),
            ("/breach new aware=2025-11-24T10:00+00:00 summary=x", "aware= is in the future"),
            ("/breach new aware=2025-12-01T09:00 summary=x", "aware= is in the future"),
            (
                "/breach new aware=2025-11-23T10:00 occurred=2025-11-23T11:00 summary=x",
                "occurred= is after",
            ),
        ],
    )
    # Half an hour ago, given with an offset, is fine.
    await bad.ok(PRIVACY, "/breach new aware=2025-11-24T10:00+01:00 summary=x")


@pytest.mark.parametrize(
    ("moment", "says"),
    [
        ("2025-10-26T01:30", "happened twice"),  # the clocks went back: 01:30 BST and 01:30 GMT
        ("2025-03-30T01:30", "does not exist"),  # the clocks went forward: 01:00 became 02:00
    ],
)
async def test_breach_times_in_the_clock_change_hour_are_refused(
    bad: Bad, moment: str, says: str
) -> None:
    await seed(bad)
    for line in (
        f'/breach new aware="{moment}" summary=x',
        f'/breach new aware="2025-11-23T10:00" occurred="{moment}" summary=x',
    ):
        await bad.refused(PRIVACY, line, (says, "UTC offset", "Europe/London"))
    # With the offset the same wall-clock time is unambiguous.
    await bad.ok(PRIVACY, f'/breach new aware="{moment}+01:00" summary=x')


async def test_ico_report_time_in_the_clock_change_hour_is_refused(
    bad: Bad, clock: FakeClock
) -> None:
    clock.current = clock.current.replace(year=2025, month=10, day=27)
    await bad.ok(STAFF, '/breach new aware="2025-10-25T23:00" summary=x')
    await bad.refused(
        PRIVACY, '/breach ico BREACH-0001 case=IC-1 at="2025-10-26T01:30"', "UTC offset"
    )
    await bad.refused(
        PRIVACY, '/breach tell-subjects BREACH-0001 at="2025-10-26T01:59"', "UTC offset"
    )


# --- references ---------------------------------------------------------------------------------


async def test_unknown_references_are_refused(bad: Bad) -> None:
    await seed(bad)
    for user in (PRIVACY, DPO):
        await bad.all_refused(
            user,
            [
                ("/dsar show DSAR-0099", "there is no request DSAR-0099"),
                ("/dsar verify DSAR-0099 method=account", "no request DSAR-0099"),
                ("/dsar close dsar-99 outcome=withdrawn", "no request DSAR-0099"),
                ("/dsar extend DSAR-0099 reason=x", "no request DSAR-0099"),
                ("/dsar note DSAR-0099 hello", "no request DSAR-0099"),
                ("/dsar assign DSAR-0099 @alice", "no request DSAR-0099"),
                ("/breach show BREACH-0099", "there is no breach BREACH-0099"),
                ("/breach assess BREACH-0099 risk=low", "no breach BREACH-0099"),
                ("/breach close BREACH-0099", "no breach BREACH-0099"),
            ],
        )


async def test_malformed_references_are_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar show", "which ticket"),
            ("/dsar show DSAR-", "not a DSAR reference"),
            ("/dsar show DSAR-abc", "not a DSAR reference"),
            ("/dsar show 12", "not a DSAR reference"),
            ("/dsar show BREACH-0001", "not a DSAR reference"),
            ("/dsar close BREACH-0001 outcome=withdrawn", "not a DSAR reference"),
            ("/breach show DSAR-0001", "not a BREACH reference"),
            ("/breach close", "which ticket"),
            ("/breach close BREACH-x", "not a BREACH reference"),
        ],
    )


# --- who may see and do what ------------------------------------------------------------------


async def test_staff_cannot_see_another_staff_members_ticket_or_learn_it_exists(
    bad: Bad,
) -> None:
    await seed(bad)
    hidden = await bad.refused(OTHER_STAFF, "/dsar show DSAR-0001")
    missing = await bad.refused(OTHER_STAFF, "/dsar show DSAR-0099")
    assert hidden.replace("DSAR-0001", "REF") == missing.replace("DSAR-0099", "REF")
    for secret in ("Jane", "jane@", "access", "received", "Dec"):
        assert secret not in hidden
    hidden = await bad.refused(OTHER_STAFF, "/breach show BREACH-0001")
    missing = await bad.refused(OTHER_STAFF, "/breach show BREACH-0099")
    assert hidden.replace("BREACH-0001", "REF") == missing.replace("BREACH-0099", "REF")
    assert "laptop" not in hidden
    # Lists show them nothing of other people's tickets either.
    for line in ("/dsar list all", "/dsar list", "/breach list all"):
        listed = (await bad.ok(OTHER_STAFF, line)).reply.render_text()
        assert "DSAR-0001" not in listed and "BREACH-0001" not in listed, listed


PRIVACY_TEAM_ACTIONS = [
    "/dsar verify DSAR-0001 method=account",
    "/dsar ask-id DSAR-0001",
    "/dsar clarify DSAR-0001",
    "/dsar resume DSAR-0001",
    "/dsar fee DSAR-0001 amount=10",
    "/dsar fee-paid DSAR-0001",
    "/dsar assign DSAR-0001 @UOTHER",
    "/dsar assign DSAR-0001 <@USTAFF1|me>",
    '/dsar note DSAR-0001 "called back"',
    '/dsar extend DSAR-0001 reason="many systems"',
    "/dsar close DSAR-0001 outcome=withdrawn",
    '/dsar close DSAR-0001 outcome=refused reason="unfounded"',
    "/dsar summary",
    "/breach assess BREACH-0001 risk=low",
    "/breach ico BREACH-0001 case=IC-1",
    '/breach not-reportable BREACH-0001 reason="encrypted"',
    "/breach tell-subjects BREACH-0001",
    '/breach delay-reason BREACH-0001 "waiting for IT"',
    "/breach close BREACH-0001",
]


async def test_staff_cannot_take_any_privacy_team_action_even_on_their_own_ticket(
    bad: Bad,
) -> None:
    await seed(bad)
    for line in PRIVACY_TEAM_ACTIONS:
        await bad.refused(STAFF, line, "only the privacy team")
    # Nor on tickets they cannot see, and the refusal is the same (it reveals nothing).
    for line in PRIVACY_TEAM_ACTIONS:
        await bad.refused(OTHER_STAFF, line, "only the privacy team")


async def test_staff_can_open_and_see_their_own_tickets_without_personal_data(
    bad: Bad,
) -> None:
    opened = (await bad.ok(STAFF, NEW)).reply.render_text()
    shown = (await bad.ok(STAFF, "/dsar show dsar-1")).reply.render_text()
    for text in (opened, shown):
        assert "DSAR-0001" in text and "Wed 3 Dec 2025" in text
        for secret in ("Jane", "jane@example.com", "4471", "invoices"):
            assert secret not in text, text
    listed = (await bad.ok(STAFF, "/dsar list")).reply.render_text()
    assert "DSAR-0001" in listed and "Jane" not in listed

    opened = (await bad.ok(STAFF, NEW_BREACH)).reply.render_text()
    shown = (await bad.ok(STAFF, "/breach show breach-1")).reply.render_text()
    for text in (opened, shown):
        assert "BREACH-0001" in text
        for secret in ("laptop", "train", "pupil"):
            assert secret not in text, text
    assert "BREACH-0001" in (await bad.ok(STAFF, "/breach list")).reply.render_text()

    # The privacy team sees everything, including who asked.
    for user in (PRIVACY, DPO):
        request = (await bad.ok(user, "/dsar show DSAR-0001")).reply.render_text()
        assert "Jane Doe <jane@example.com>" in request and "March invoices" in request
        breach = (await bad.ok(user, "/breach show BREACH-0001")).reply.render_text()
        assert "laptop left on a train" in breach and "pupil names" in breach
        assert "DSAR-0001" in (await bad.ok(user, "/dsar list all")).reply.render_text()
        assert "BREACH-0001" in (await bad.ok(user, "/breach list")).reply.render_text()


# --- illegal transitions: rights requests ------------------------------------------------------


async def test_request_transitions_that_may_not_happen(bad: Bad) -> None:
    await seed(bad)
    # DSAR-0001 received. Things that need another state first:
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar resume DSAR-0001", "cannot resume"),
            ("/dsar fee-paid DSAR-0001", "cannot record a fee"),
        ],
    )
    # Awaiting identity: no clarification, no fee, no resume.
    await bad.ok(PRIVACY, "/dsar ask-id DSAR-0001 asked=2025-11-04")
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar clarify DSAR-0001", "is waiting for ID: cannot"),
            ("/dsar fee DSAR-0001 amount=10", "is waiting for ID: cannot"),
            ("/dsar resume DSAR-0001", "use /dsar verify"),
            ("/dsar ask-id DSAR-0001", "is waiting for ID: cannot"),
            ("/dsar extend DSAR-0001 reason=x", "is waiting for ID: cannot"),
        ],
    )
    # Verified once: not again, and identity cannot be asked for afterwards.
    await bad.ok(PRIVACY, "/dsar verify DSAR-0001 method=document_seen received=2025-11-06")
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar verify DSAR-0001 method=account", "already verified"),
            ("/dsar ask-id DSAR-0001", "already verified"),
            ("/dsar resume DSAR-0001", "cannot resume"),
        ],
    )
    # Paused for clarification: not again, and no extension while paused.
    await bad.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-10")
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar clarify DSAR-0001", "is waiting for clarification: cannot"),
            (
                "/dsar extend DSAR-0001 reason=x told=2025-11-20",
                "is waiting for clarification: cannot",
            ),
            ("/dsar resume DSAR-0001 received=2025-11-09", "before 2025-11-10"),
        ],
    )
    await bad.ok(PRIVACY, "/dsar resume DSAR-0001 received=2025-11-12")
    # A fee: asked once, paid once.
    await bad.ok(
        PRIVACY, '/dsar fee DSAR-0001 amount=12.50 basis=excessive reason="x" late-reason="y"'
    )
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar fee DSAR-0001 amount=10", "is waiting for the fee: cannot"),
            ("/dsar resume DSAR-0001", "use /dsar fee-paid"),
            ("/dsar fee-paid DSAR-0001 received=2025-11-20", "before 2025-11-24"),
        ],
    )
    await bad.ok(PRIVACY, "/dsar fee-paid DSAR-0001")
    await bad.refused(PRIVACY, "/dsar fee DSAR-0001 amount=10", "already asked")
    await bad.refused(PRIVACY, "/dsar fee-paid DSAR-0001", "cannot record a fee")


async def test_extensions_that_may_not_happen(bad: Bad) -> None:
    await seed(bad)
    # Received 1 Sep: the first month ended Wed 1 Oct, so it is too late to extend now.
    await bad.ok(STAFF, '/dsar new access name="Old One" email=old@example.com received=2025-09-01')
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar extend DSAR-0003 reason=x", ("told by Wed 1 Oct 2025", "not available")),
            ("/dsar extend DSAR-0003 reason=x told=2025-10-02", "had to be told by"),
            ("/dsar extend DSAR-0002 reason=x", "complaint"),
        ],
    )
    # Extending twice.
    await bad.ok(PRIVACY, "/dsar extend DSAR-0001 reason=complex told=2025-11-20")
    await bad.refused(PRIVACY, "/dsar extend DSAR-0001 reason=again", "already extended")
    # Extending a closed request.
    await bad.ok(PRIVACY, "/dsar close DSAR-0003 outcome=no_data_held")
    await bad.refused(PRIVACY, "/dsar extend DSAR-0003 reason=x told=2025-09-10", "closed")


async def test_closing_twice_and_acting_on_a_closed_request(bad: Bad) -> None:
    await seed(bad)
    await bad.ok(DPO, "/dsar close DSAR-0001 outcome=fulfilled")
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar close DSAR-0001 outcome=fulfilled", "already closed"),
            ('/dsar close DSAR-0001 outcome=refused reason="late"', "already closed"),
            ("/dsar verify DSAR-0001 method=account", "closed"),
            ("/dsar ask-id DSAR-0001", "closed"),
            ("/dsar clarify DSAR-0001", "closed"),
            ("/dsar fee DSAR-0001 amount=10", "closed"),
            ("/dsar assign DSAR-0001 @alice", "closed"),
        ],
    )
    await bad.refused(
        PRIVACY, "/dsar close DSAR-0002 outcome=fulfilled told=2025-11-20", "only for refusals"
    )


async def test_complaints_cannot_be_paused_charged_or_extended(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(
        PRIVACY,
        [
            ("/dsar ask-id DSAR-0002", "complaint"),
            ("/dsar clarify DSAR-0002", "complaint"),
            ("/dsar fee DSAR-0002 amount=10", "complaint"),
            ("/dsar extend DSAR-0002 reason=x", "complaint"),
        ],
    )


# --- illegal transitions: breaches ---------------------------------------------------------------


async def test_breach_decisions_that_may_not_happen(bad: Bad) -> None:
    await seed(bad)
    # Not assessed: no ICO decision yet, so it cannot be closed or called not reportable.
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach close BREACH-0001", "no ICO decision"),
            ('/breach not-reportable BREACH-0001 reason="small"', "not assessed"),
        ],
    )
    await bad.ok(PRIVACY, "/breach assess BREACH-0001 risk=high")
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach close BREACH-0001", "no ICO decision"),
            ('/breach not-reportable BREACH-0001 reason="small"', "risk is high"),
        ],
    )
    await bad.ok(PRIVACY, "/breach assess BREACH-0001 risk=low")
    await bad.refused(PRIVACY, '/breach not-reportable BREACH-0001 reason="x"', "risk is low")
    # Reported once: not again, and not "not reportable" afterwards.
    await bad.ok(PRIVACY, "/breach ico BREACH-0001 case=IC-1")
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach ico BREACH-0001 case=IC-2", "already recorded"),
            ('/breach not-reportable BREACH-0001 reason="x"', "already recorded"),
        ],
    )
    # People told once.
    await bad.ok(PRIVACY, "/breach tell-subjects BREACH-0001")
    await bad.refused(PRIVACY, "/breach tell-subjects BREACH-0001", "already recorded as told")
    # Closed: nothing more.
    await bad.ok(DPO, "/breach close BREACH-0001")
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach close BREACH-0001", "closed"),
            ("/breach assess BREACH-0001 risk=none", "closed"),
            ('/breach delay-reason BREACH-0001 "x"', "closed"),
            ("/breach ico BREACH-0001 case=IC-3", "already recorded"),
        ],
    )


async def test_not_reportable_breach_cannot_then_be_reported(bad: Bad) -> None:
    await seed(bad)
    await bad.ok(PRIVACY, "/breach assess BREACH-0001 risk=none")
    await bad.ok(PRIVACY, '/breach not-reportable BREACH-0001 reason="encrypted disk"')
    await bad.all_refused(
        PRIVACY,
        [
            ("/breach ico BREACH-0001 case=IC-1", "already recorded"),
            ('/breach not-reportable BREACH-0001 reason="again"', "already recorded"),
            ("/breach assess BREACH-0001 risk=high", "not reportable"),
        ],
    )


async def test_a_late_ico_report_cannot_be_closed_without_reasons_for_delay(
    bad: Bad, clock: FakeClock
) -> None:
    await bad.ok(STAFF, '/breach new aware="2025-11-24T09:00" summary="misdirected email"')
    clock.advance(hours=80)
    late = await bad.ok(PRIVACY, "/breach ico BREACH-0001 case=IC-9")
    assert "delay-reason" in late.reply.render_text()
    await bad.refused(DPO, "/breach close BREACH-0001", ("reported late", "delay-reason"))
    await bad.ok(PRIVACY, '/breach delay-reason BREACH-0001 "the DPO was on leave"')
    await bad.ok(DPO, "/breach close BREACH-0001")


# --- hostile or careless text --------------------------------------------------------------------


async def test_an_email_that_is_not_an_email_is_refused(bad: Bad) -> None:
    await seed(bad)
    for email in ("jane", "jane@", "@example.com", "jane@@example.com", '"jane doe@example.com"'):
        await bad.refused(
            STAFF, f'/dsar new access name="Jane Doe" email={email}', "not an email address"
        )


async def test_ten_kilobytes_in_a_field_is_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.all_refused(
        STAFF,
        [
            (f'/dsar new access name="{TEN_KB}" email=jane@example.com', "name= is too long"),
            (
                f'/dsar new access name=Jane email=jane@example.com details="{TEN_KB}"',
                "details= is too long",
            ),
            (f'/breach new aware=2025-11-23T10:00 summary="{TEN_KB}"', "summary= is too long"),
            (f"/dsar new access name=Jane email={TEN_KB}@example.com", "too long"),
        ],
    )
    await bad.all_refused(
        PRIVACY,
        [
            (f'/dsar note DSAR-0001 "{TEN_KB}"', "note is too long"),
            (f"/dsar extend DSAR-0001 reason={TEN_KB}", "reason= is too long"),
            (f"/breach ico BREACH-0001 case={TEN_KB}", "case= is too long"),
            (f'/breach delay-reason BREACH-0001 "{TEN_KB}"', "too long"),
            (f"/dsar note DSAR-0001 {TEN_KB * 2}", "too long"),
        ],
    )


INVISIBLE = {
    "NUL": "\x00",
    "ESC": "\x1b",
    "BEL": "\x07",
    "DEL": "\x7f",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "RIGHT-TO-LEFT MARK": "\u200f",
    "ZERO WIDTH SPACE": "\u200b",
    "LEFT-TO-RIGHT ISOLATE": "\u2066",
    "BYTE ORDER MARK": "\ufeff",
}


async def test_control_characters_and_direction_marks_are_refused(bad: Bad) -> None:
    await seed(bad)
    for name, char in INVISIBLE.items():
        reason = await bad.refused(
            STAFF, f'/dsar new access name="Jane{char}Doe" email=jane@example.com', "invisible"
        )
        assert char not in reason, name
        await bad.refused(
            STAFF, f"/dsar new access name=Jane email=jane{char}@example.com", "invisible"
        )
        await bad.refused(
            STAFF, f'/breach new aware=2025-11-23T10:00 summary="a{char}b"', "invisible"
        )
        await bad.refused(PRIVACY, f'/dsar note DSAR-0001 "see {char}file"', "invisible")


# --- bugs found while writing these tests -------------------------------------------------------


async def test_assigning_a_person_with_an_absurdly_long_name_is_refused(bad: Bad) -> None:
    await seed(bad)
    await bad.refused(PRIVACY, f"/dsar assign DSAR-0001 @{'a' * 300}")


async def test_a_calendar_that_is_not_a_calendar_is_refused_by_the_desk(bad: Bad) -> None:
    await bad.refused(PRIVACY, "/dsar deadline 2025-11-03 calendar=PUBLIC")


# --- what help tells staff is what the core lets them do --------------------------------------

STAFF_EXAMPLES = {
    "dsar verify": "/dsar verify DSAR-0001 method=account",
    "dsar ask-id": "/dsar ask-id DSAR-0001",
    "dsar clarify": "/dsar clarify DSAR-0001",
    "dsar resume": "/dsar resume DSAR-0001",
    "dsar fee": "/dsar fee DSAR-0001 amount=10",
    "dsar fee-paid": "/dsar fee-paid DSAR-0001",
    "dsar assign": "/dsar assign DSAR-0001 @USTAFF1",
    "dsar note": '/dsar note DSAR-0001 "rang them"',
    "dsar extend": '/dsar extend DSAR-0001 reason="numerous"',
    "dsar close": "/dsar close DSAR-0001 outcome=withdrawn",
    "dsar stopped": "/dsar stopped DSAR-0001",
    "dsar find": "/dsar find jane@example.com",
    "dsar link": "/dsar link DSAR-0001 DSAR-0002",
    "dsar letter": "/dsar letter DSAR-0001 acknowledgement",
    "dsar sent": "/dsar sent DSAR-0001 acknowledgement",
    "dsar summary": "/dsar summary",
    "breach assess": "/breach assess BREACH-0001 risk=low",
    "breach ico": "/breach ico BREACH-0001 case=ICO-1",
    "breach not-reportable": '/breach not-reportable BREACH-0001 reason="x"',
    "breach tell-subjects": "/breach tell-subjects BREACH-0001",
    "breach delay-reason": '/breach delay-reason BREACH-0001 "late"',
    "breach close": "/breach close BREACH-0001",
    "dsar edit": "/dsar edit DSAR-0001 via=phone",
    "dsar reopen": '/dsar reopen DSAR-0001 reason="again"',
    "breach assign": "/breach assign BREACH-0001 @USTAFF1",
    "breach note": '/breach note BREACH-0001 "rang IT"',
    "breach edit": "/breach edit BREACH-0001 subjects=3",
    "dsar system": '/dsar system add name="HR system" owner=@USTAFF1',
    "dsar search": "/dsar search DSAR-0001",
    "dsar disclose": "/dsar disclose DSAR-0001 items=3",
}


def test_every_command_not_for_everyone_has_a_staff_example() -> None:
    assert set(USAGE) - FOR_EVERYONE == set(STAFF_EXAMPLES)


async def test_staff_help_lists_exactly_what_staff_may_do(bad: Bad) -> None:
    await seed(bad)
    for line in STAFF_EXAMPLES.values():
        await bad.refused(STAFF, line, "only the privacy team may")
    for group in ("dsar", "breach"):
        shown = (await bad.ok(STAFF, f"/{group} help")).reply.lines
        listed = {key for key, usage in USAGE.items() if usage in shown}
        assert listed == {key for key in FOR_EVERYONE if key.startswith(f"{group} ")}
        everything = (await bad.ok(PRIVACY, f"/{group} help")).reply.lines
        assert len(everything) == sum(key.startswith(f"{group} ") for key in USAGE)
