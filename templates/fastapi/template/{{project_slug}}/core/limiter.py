"""Rate-limit counters in this process's memory: a sliding window counter, O(1) a request.

limits' MemoryStorage starts a timer thread after each write that scans every key, and its
moving window keeps (and shifts) one timestamp per request: under load that cost more than
the request itself. This keeps two counters per key (this window's and the previous one's) and
weighs the previous one by how much of it still overlaps the sliding window, as limits' own
sliding-window-counter strategy does; stale keys are dropped in passing, once a period.
It answers the three calls of limits' strategies that this service makes, so Redis (REDIS_URL)
can take its place unchanged.
"""

import math
import time
from collections import deque
from typing import Protocol

from limits import RateLimitItem
from limits.util import WindowStats


class Limiter(Protocol):
    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class MemoryLimiter:
    def __init__(self) -> None:
        # key: (the window's length, the index of the current window, the previous window's
        # count, the current one's)
        self._windows: dict[str, tuple[int, int, int, int]] = {}
        self._next_sweep = 0.0

    def _state(
        self, item: RateLimitItem, identifiers: tuple[str, ...], now: float
    ) -> tuple[str, int, int, int, float]:
        """The key, the current window's index, the two counts and the previous one's weight."""
        key = item.key_for(*identifiers)
        period = item.get_expiry()
        index = int(now // period)
        _, window, previous, current = self._windows.get(key, (period, index, 0, 0))
        if window == index - 1:
            previous, current = current, 0
        elif window != index:
            previous, current = 0, 0
        return key, index, previous, current, 1 - (now % period) / period

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """True if `cost` more would stay within the limit."""
        _, _, previous, current, weight = self._state(item, identifiers, time.time())
        return previous * weight + current + cost <= item.amount

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count `cost` if it stays within the limit; False (and nothing counted) if not."""
        now = time.time()
        self._sweep(now)
        key, index, previous, current, weight = self._state(item, identifiers, now)
        if previous * weight + current + cost > item.amount:
            return False
        self._windows[key] = (item.get_expiry(), index, previous, current + cost)
        return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When one more will fit again (as an epoch time), and how many fit now."""
        now = time.time()
        _, index, previous, current, weight = self._state(item, identifiers, now)
        period = item.get_expiry()
        remaining = max(0, math.floor(item.amount - previous * weight - current))
        start = index * period
        if remaining > 0:
            return WindowStats(now, remaining)
        if current + 1 <= item.amount:  # the previous window's share must fade enough
            fits_at = start + period * (1 - (item.amount - current - 1) / previous)
        else:  # this window alone is full: it becomes the previous one, then fades
            fits_at = start + period * (2 - (item.amount - 1) / current)
        return WindowStats(max(now, fits_at), 0)

    def _sweep(self, now: float) -> None:
        """Forget keys whose counts no longer matter, at most once every ten seconds."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + 10
        self._windows = {
            key: (period, index, previous, current)
            for key, (period, index, previous, current) in self._windows.items()
            if index >= int(now // period) - 1
        }


class MemoryMovingWindow:
    """An exact moving window, for small limits (failed logins): the times of the last
    `amount` hits per key, so Retry-After is exact and never longer than the period."""

    def __init__(self) -> None:
        self._times: dict[str, tuple[int, deque[float]]] = {}
        self._next_sweep = 0.0

    def _recent(
        self, item: RateLimitItem, identifiers: tuple[str, ...], now: float
    ) -> tuple[str, deque[float]]:
        key = item.key_for(*identifiers)
        period = item.get_expiry()
        _, times = self._times.get(key, (period, deque(maxlen=item.amount)))
        while times and times[0] <= now - period:
            times.popleft()
        return key, times

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        _, times = self._recent(item, identifiers, time.time())
        return len(times) + cost <= item.amount

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        now = time.time()
        self._sweep(now)
        key, times = self._recent(item, identifiers, now)
        if len(times) + cost > item.amount:
            return False
        times.extend([now] * cost)
        self._times[key] = (item.get_expiry(), times)
        return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        now = time.time()
        _, times = self._recent(item, identifiers, now)
        reset_time = times[0] + item.get_expiry() if times else now
        return WindowStats(reset_time, item.amount - len(times))

    def _sweep(self, now: float) -> None:
        """Forget keys whose every hit left the window, at most once every ten seconds."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + 10
        self._times = {
            key: (period, times)
            for key, (period, times) in self._times.items()
            if times and times[-1] > now - period
        }
