"""A ``Notifier`` that keeps a transcript of everything it was asked to deliver."""

from __future__ import annotations

from handlers.ports import (
    ChannelPost,
    ChatUser,
    Delivery,
    DeliveryKind,
    DirectMessage,
    Reply,
    WeeklySummary,
)


class RecordingNotifier:
    """Stands in for a platform: records each delivery and answers ``m1``, ``m2``, … as the
    platform's message ids."""

    def __init__(self, platform: str = "slack") -> None:
        self.platform = platform
        self.deliveries: list[Delivery] = []

    async def send(self, delivery: Delivery) -> str:
        self.deliveries.append(delivery)
        return f"m{len(self.deliveries)}"

    @property
    def posts(self) -> list[ChannelPost]:
        return [d.content for d in self.deliveries if isinstance(d.content, ChannelPost)]

    @property
    def summaries(self) -> list[WeeklySummary]:
        return [d.content for d in self.deliveries if isinstance(d.content, WeeklySummary)]

    @property
    def directs(self) -> list[DirectMessage]:
        return [
            DirectMessage(to=ChatUser(self.platform, d.target), reply=d.content)
            for d in self.deliveries
            if d.kind == DeliveryKind.DIRECT and isinstance(d.content, Reply)
        ]
