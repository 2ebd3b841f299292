"""A bounded record of the daily metrics, so a run left playing for years keeps a fixed memory.

The model appends one row of metrics a simulated day. The history keeps every
row until it holds `limit` of them; then it keeps every second one and from
then on only every second day (then every fourth, and so on), always plus the
newest row. A run of any length is thus described by at most limit + 1 rows,
evenly spaced in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

DEFAULT_LIMIT = 1000
"""Rows kept before thinning: about 2.7 years of daily rows."""


class DecimatedHistory:
    """Daily metric rows, thinned to every 2nd, 4th, ... day once more than `limit` are held.

    Args:
        limit: most rows kept at the current spacing (at least 2).
        rows: rows recorded before (appended in order).
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, rows: Iterable[dict] = ()):
        if limit < 2:
            raise ValueError(f"history limit: got {limit}; expected at least 2 rows")
        self.limit = limit
        self.every = 1
        """Spacing of the kept rows, in days."""
        self._kept: list[dict] = []
        self._newest: dict | None = None
        self._appended = 0
        for row in rows:
            self.append(row)

    def append(self, row: dict) -> None:
        """Record the next day's row."""
        if self._appended % self.every == 0:
            self._kept.append(row)
            if len(self._kept) > self.limit:
                self._kept = self._kept[::2]
                self.every *= 2
        self._newest = row
        self._appended += 1

    def rows(self) -> list[dict]:
        """The kept rows, oldest first, ending with the newest row."""
        if self._newest is None or (self._kept and self._kept[-1] is self._newest):
            return list(self._kept)
        return [*self._kept, self._newest]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows())

    def __len__(self) -> int:
        return len(self.rows())

    def __getitem__(self, index: int) -> dict:
        return self.rows()[index]
