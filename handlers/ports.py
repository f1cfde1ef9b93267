"""What the core needs from the outside world, and the neutral messages it hands back.

Slack, Teams and the console implement ``Notifier`` and render ``Reply`` / ``ChannelPost``;
nothing in ``handlers`` knows how. ``ChannelPost`` has no free-text field at all, so a post to
the compliance channel cannot carry a requester's details by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from storage.enums import DeliveryKind as DeliveryKind  # re-exported for the adapters
from storage.enums import Role

if TYPE_CHECKING:
    from handlers.forms import FormRequest


@dataclass(frozen=True, slots=True, order=True)
class ChatUser:
    """A person on one platform: ``slack:U012AB3CD``, ``teams:<Entra id>``, ``console:operator``."""

    platform: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @classmethod
    def parse(cls, text: str) -> ChatUser:
        platform, sep, external_id = text.strip().partition(":")
        if not sep or not platform or not external_id:
            raise ValueError(f"{text!r} is not platform:id")
        return cls(platform.lower(), external_id)


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where on its platform a person acted: on Slack the workspace (team id) and, under
    Enterprise Grid, its org (enterprise id). A user id is org-wide on Grid, so the user alone
    does not say which workspace a ticket was logged from. Ids, not names: no personal data."""

    enterprise: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, with the role the configuration gives them, and from where (``origin``:
    the platform's workspace, when the platform says)."""

    user: ChatUser
    role: Role
    origin: Workspace | None = None


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Tone(StrEnum):
    OK = "ok"
    ERROR = "error"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the person who typed a command sees (only them: ephemeral where the platform can)."""

    text: str
    fields: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = ()
    tone: Tone = Tone.OK
    ref: str | None = None
    actions: tuple[str, ...] = ()
    # Whether the reply may hold personal data (a requester's details, a note, an echo of what
    # was typed). Personal replies are never shown in a shared channel: adapters send them to
    # the person privately. Only replies the core knows to be safe (help, the deadline
    # calculator) say False.
    personal: bool = True
    # A one-line notice (a refused button press): shown as plain text, never as a card.
    notice: bool = False
    # Text shown exactly as it is (a drafted letter): a code block on Slack, monospace on Teams.
    preformatted: str | None = None
    # What is overdue, for renderers that can mark it (the console in colour at a terminal):
    # the labels of ``fields`` and the positions in ``lines``.
    alert_fields: tuple[str, ...] = ()
    alert_lines: tuple[int, ...] = ()
    # A search task this message asks its owner to answer (issue 17): platforms draw the
    # answer buttons of ``handlers.forms.SEARCH_ANSWERS`` for it.
    answers: int | None = None

    def render_text(self, mark: Callable[[str], str] | None = None) -> str:
        """A plain-text rendering, shared by the console and any text-only fallback; ``mark``
        wraps what is overdue (the console's colour at a terminal)."""
        mark = mark or _unmarked
        out = [self.text]
        width = max((len(label) for label, _ in self.fields), default=0)
        for label, value in self.fields:
            row = f"{label.ljust(width)}  {value}"
            out.append("  " + (mark(row) if label in self.alert_fields else row))
        alerts = set(self.alert_lines)
        out += [f"  {mark(line) if n in alerts else line}" for n, line in enumerate(self.lines)]
        if self.preformatted is not None:
            out += ["", self.preformatted.rstrip("\n")]
        return "\n".join(out)


def _unmarked(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """A compliance-channel post: references, types, states and dates only (SPEC §1)."""

    ref: str
    kind: str
    ticket_type: str
    state: str
    deadline: date | datetime | None
    change: str | None = None  # None opens the ticket's thread; otherwise a reply in it

    @property
    def is_opening(self) -> bool:
        return self.change is None


@dataclass(frozen=True, slots=True)
class DirectMessage:
    to: ChatUser
    reply: Reply


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one command: the reply, and what else it tells whom."""

    reply: Reply
    posts: tuple[ChannelPost, ...] = ()
    direct: tuple[DirectMessage, ...] = field(default=())
    changed: bool = False
    # "Show this form": for ``new``, a ticket action that needs input, or a refused submission
    # (then with the reason on its field).
    form: FormRequest | None = None
    # The argument a refusal is about (``received``), when it is about one.
    error_field: str | None = None


@dataclass(frozen=True, slots=True)
class HomeDue:
    """A person's home page to publish as it reads when it is sent: the outbox row a change
    queues instead of the page itself, which the change's transaction would otherwise have to
    read (every open ticket) while it holds the reference counter and the chain's head."""


@dataclass(frozen=True, slots=True)
class Overview:
    """A person's open tickets, as a home page lists them (one line each)."""

    title: str
    requests: tuple[str, ...]
    breaches: tuple[str, ...]
    refs: tuple[str, ...] = ()  # the open tickets' references, requests first
    due_today: int = 0  # open requests whose deadline is today
    overdue: int = 0  # open requests past their deadline
    can_search: bool = False  # the privacy team: offer the requester search
    # The buttons of each ticket in ``refs`` (same order): "show", and for the privacy team the
    # actions its ticket message offers (``handlers.forms.ACTIONS``).
    actions: tuple[tuple[str, ...], ...] = ()

    def buttons(self, ref: str) -> tuple[str, ...]:
        """The actions offered on ``ref`` (none for a ticket this overview does not list)."""
        try:
            return self.actions[self.refs.index(ref)]
        except (ValueError, IndexError):
            return ()


@dataclass(frozen=True, slots=True)
class BreachClock:
    """One open breach as the weekly summary shows it: reference, state and the 72-hour status."""

    ref: str
    state: str
    ico_due: datetime
    status: str


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    """SPEC §6's weekly summary: counts, dates and references only."""

    week_of: date
    open_by_type_state: tuple[tuple[str, str, int], ...]
    due_next_7_days: int
    overdue: int
    received_last_week: int
    closed_last_week: int
    on_time_rate: float | None
    median_days_to_close: float | None
    extensions_in_use: int
    open_breaches: tuple[BreachClock, ...]
    late_actions: int = 0  # open requests where ID, clarification or a fee was asked late
    # Unanswered search tasks past their due date, by system (issue 17): counts only.
    late_searches: tuple[tuple[str, int], ...] = ()


ChannelContent = ChannelPost | WeeklySummary


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message for one platform, as the outbox hands it to that platform's ``Notifier``."""

    kind: DeliveryKind
    target: str  # the platform's channel or user id
    content: ChannelContent | Reply
    thread: str | None = None  # for replies: the platform's id of the opening post
    # This message's own id (``outbox-<n>``), carried with it to the platform (Slack message
    # metadata, the Teams activity id) so that after a crash it can be looked for, not resent.
    key: str | None = None


class DeliveryError(Exception):
    """A send that did not happen; ``retry_after`` (seconds) when the platform said when.
    ``in_doubt``: the request may have reached the platform (a timeout or a dropped connection
    after sending), so the message may exist there after all."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.in_doubt = in_doubt


class Notifier(Protocol):
    """Delivers to one platform; returns the platform's id for what it sent."""

    platform: str

    async def send(self, delivery: Delivery) -> str: ...
