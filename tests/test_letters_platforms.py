"""Issue 12 item 4: a drafted letter reaches only the privacy team's direct messages, with a
"Mark as sent" button: on Slack (signed requests into the running app, the fake Web API) and
on Teams (the fake Bot Connector); never the channel where the command was typed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.render import slack as slack_render
from handlers.ports import Reply
from tests.conftest import FakeClock
from tests.slack_harness import CHANNEL, PRIVACY_ID, STAFF_ID, slack_server
from tests.teams_harness import (
    CHANNEL as TEAMS_CHANNEL,
)
from tests.teams_harness import (
    PRIVACY_AAD,
    STAFF_AAD,
    card_of,
    card_text,
    personal_chat,
    sent_to,
    submit_actions,
    teams_server,
)

NEW = 'new access name="Jane Doe" email=jane@example.com received=2025-11-20'
PERSONAL = ("Jane", "jane@example.com")


def blocks_text(message: dict[str, object]) -> str:
    return str(message.get("blocks"))


async def test_slack_letter_goes_to_the_privacy_team_dm_with_a_mark_as_sent_button(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        assert (await slack.slash(NEW)).startswith("DSAR-0001 logged")
        await slack.deliver()
        ack = await slack.slash("letter DSAR-0001 acknowledgement", user=PRIVACY_ID)
        assert ack == "DSAR-0001: the acknowledgement letter is in your direct messages."
        assert await slack.deliver() == 1
        [dm] = slack.posts_to(PRIVACY_ID)
        sections = [b for b in dm["blocks"] if b.get("type") == "section"]
        letter = "\n".join(s["text"]["text"] for s in sections if "```" in s["text"]["text"])
        assert "Dear Jane Doe," in letter and "Monday 22 December 2025" in letter
        [actions] = [b for b in dm["blocks"] if b.get("type") == "actions"]
        [button] = actions["elements"]
        assert button["text"]["text"] == "Mark as sent"
        assert (button["action_id"], button["value"]) == (
            "ticket_sent_acknowledgement",
            "DSAR-0001",
        )
        assert not any(w in str(slack.posts_to(CHANNEL)) for w in PERSONAL)

        # Staff are refused, and get no letter anywhere.
        refused = await slack.slash("letter DSAR-0001 acknowledgement", user=STAFF_ID)
        assert "only the privacy team" in refused
        await slack.deliver()
        assert not any("Dear Jane" in blocks_text(m) for m in slack.posts_to(STAFF_ID))

        # The button records the letter as sent.
        status, _ = await slack.press("sent-acknowledgement", "DSAR-0001", user=PRIVACY_ID)
        assert status == 200
        assert slack.fake.responses[-1]["text"].startswith(
            "DSAR-0001: acknowledgement letter sent on Mon 24 Nov 2025"
        )
        shown = await slack.slash("show DSAR-0001", user=PRIVACY_ID)
        assert "sent Mon 24 Nov 2025" in shown


async def test_teams_letter_goes_to_the_personal_chat_never_the_channel(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(f"dsar {NEW}") == 202
        assert await teams.say("dsar help", user=PRIVACY_AAD) == 202  # personal chat known
        await teams.deliver()
        before = len(teams.fake.sent)
        line = "dsar letter DSAR-0001 acknowledgement"
        assert await teams.say(line, user=PRIVACY_AAD, channel=TEAMS_CHANNEL, mention=True) == 202
        in_channel = [
            s for s in teams.fake.sent[before:] if s.conversation.startswith(TEAMS_CHANNEL)
        ]
        assert in_channel and not any(w in str(in_channel) for w in PERSONAL)
        # Only a note that names the reference and where the letter went.
        assert "the acknowledgement letter is in your direct messages" in str(in_channel)
        assert await teams.deliver() == 1
        [letter] = [
            s for s in teams.fake.sent[before:] if s.conversation == personal_chat(PRIVACY_AAD)
        ]
        card = card_of(letter)
        assert card is not None
        [mono] = [b for b in card["body"] if b.get("fontType") == "Monospace"]
        assert "Dear Jane Doe," in mono["text"] and "Monday 22 December 2025" in mono["text"]
        assert submit_actions(card) == [
            {"privacy_desk": "action", "action": "sent-acknowledgement", "ref": "DSAR-0001"}
        ]
        assert [a["title"] for a in card["actions"]] == ["Mark as sent"]
        assert not any(w in str(sent_to(teams.fake, TEAMS_CHANNEL)) for w in PERSONAL)

        # Staff asking in their personal chat are refused and get no letter.
        before = len(teams.fake.sent)
        assert await teams.say(line, user=STAFF_AAD) == 202
        await teams.deliver()
        assert "only the privacy team" in str(teams.fake.sent[before:])
        assert "Dear Jane" not in str(teams.fake.sent[before:])

        # "Mark as sent" on the card records it.
        before = len(teams.fake.sent)
        press = {"privacy_desk": "action", "action": "sent-acknowledgement", "ref": "DSAR-0001"}
        assert await teams.post(teams.activity(value=press, user=PRIVACY_AAD)) == 202
        answer = card_of(teams.fake.sent[before])
        assert answer is not None
        assert "acknowledgement letter sent on Mon 24 Nov 2025" in card_text(answer)


def test_a_long_letter_is_split_into_code_blocks_slack_accepts() -> None:
    text = "\n".join(f"line {i} " + "x" * 70 for i in range(120))  # ~9,500 characters
    reply = Reply(text="DSAR-0001: response letter, draft", preformatted=text, ref="DSAR-0001")
    _, blocks = slack_render.reply(reply)
    code = [b["text"]["text"] for b in blocks if b["text"]["text"].startswith("```")]
    assert len(code) == 4 and all(len(section) <= 3000 for section in code)
    assert "\n".join(section.strip("`") for section in code) == text
