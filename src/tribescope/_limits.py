"""The bounds of numbers a person gives (CLI options, the functions behind them), in one place that is light to
import: the CLI's options read them when it starts."""

from __future__ import annotations

__all__ = ["MAX_ROWS", "MAX_WINDOW_DAYS", "MAX_WINDOW_SECONDS"]

#: the longest window after an event: ten years (a campaign's attribution window of 100,000 days overflowed the
#: report's timestamps; a pods window of 10¹³ s the engine's interval)
MAX_WINDOW_DAYS = 3660
#: :data:`MAX_WINDOW_DAYS` in seconds, for windows given in seconds (``pods --window``)
MAX_WINDOW_SECONDS = MAX_WINDOW_DAYS * 86_400
#: the most rows, members, posts or accounts a count option names (``--limit``, ``--top``, ``--n``, ``--minhash``
#: …): more than any workspace holds, and a number every engine takes (10²⁰ overflowed a C long: OverflowError,
#: TypeError)
MAX_ROWS = 10**9
