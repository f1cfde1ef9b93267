"""Who a person named in a Teams command is: an @mention, as Teams sends it.

Teams puts ``<at>Alice Smith</at>`` in the text and, beside it, a ``mention`` entity naming the
account (with its Microsoft Entra object id). Each mention of someone other than the bot becomes
``<@object-id>`` for the grammar. Teams gives no directory to look a typed name up in, so a
person given as plain text is accepted only when it is an id the bot knows (the privacy team and
the DPOs from the settings) or has the shape of an Entra object id (a GUID); a name (``@alice``)
is refused, as is a mention without an object id: the ticket would otherwise be assigned to an
id no one has.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from microsoft_agents.activity import Activity

_PERSON_ACTIONS = frozenset({"assign"})  # the sub-commands whose third word is a person
_OBJECT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class Unresolved:
    reason: str


def resolve_people(
    text: str, activity: Activity, *, known: Collection[str] = ()
) -> str | Unresolved:
    """``text`` (the bot's own mention already removed) with people as ``<@object-id>``;
    ``known`` are the object ids that may be typed as they are."""
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
        plain = person.removeprefix("@")
        if not person.startswith("<@") and plain not in known and not _OBJECT_ID.match(plain):
            return Unresolved(
                f"{person[:80]} is not a mention: type @ and pick the person from the list"
            )
    return text
