"""Space posts to one Slack channel to its rate (about one message a second per channel).

Slack answers bursts above that with 429 and ``Retry-After``; the outbox handles that, but a
sweep that finds twenty nudges for one channel would hit it every time. Each channel gets the
next free slot, ``interval`` after the previous one, and a send waits for its slot. Time is
injected (``now`` and ``sleep``), so tests never wait on the wall clock. The spacing is per
process: two replicas each keep their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

CHANNEL_INTERVAL = 1.0  # seconds: Slack's chat.postMessage limit per channel


@dataclass
class ChannelPace:
    interval: float = CHANNEL_INTERVAL
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _next: dict[str, float] = field(default_factory=dict)

    def reserve(self, channel: str) -> float:
        """Take the channel's next slot; how long to wait for it (0 if it is free now)."""
        now = self.now()
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self.interval
        if len(self._next) > 1000:  # forget channels whose slots have long passed
            self._next = {c: t for c, t in self._next.items() if t > now}
        return slot - now

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel)
        if delay > 0:
            await self.sleep(delay)
