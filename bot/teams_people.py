"""Who a person named in a Teams command is: an @mention, as Teams sends it.

Teams puts ``<at>Alice Smith</at>`` in the text and, beside it, a ``mention`` entity naming the
account (with its Microsoft Entra object id). Each mention of someone other than the bot becomes
``<@object-id>`` for the grammar. Teams gives no directory to look a typed name up in, so a
person given as plain text (``@alice``) is refused, as is a mention without an object id: the
ticket would otherwise be assigned to an id no one has.
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_agents.activity import Activity

_PERSON_ACTIONS = frozenset({"assign"})  # the sub-commands whose third word is a person


@dataclass(frozen=True, slots=True)
class Unresolved:
    reason: str


def resolve_people(text: str, activity: Activity) -> str | Unresolved:
    """``text`` (the bot's own mention already removed) with people as ``<@object-id>``."""
    bot = activity.recipient.id if activity.recipient else None
    for mention in activity.get_mentions():
        who = mention.mentioned
        if who is None or not mention.text or who.id == bot or mention.text not in text:
            continue
        if not who.aad_object_id:
            name = who.name or mention.text
            return Unresolved(f"Teams did not say who {name} is: pick them with @ from the list")
        text = text.replace(mention.text, f"<@{who.aad_object_id}>")
    words = text.split()
    if len(words) >= 3 and words[0].lower() in _PERSON_ACTIONS:
        person = words[2].removeprefix("person=")
        if not person.startswith("<@"):
            return Unresolved(
                f"{person[:80]} is not a mention: type @ and pick the person from the list"
            )
    return text
