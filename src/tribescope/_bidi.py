"""Data shown among other text (a table's row, a page's line) kept to itself, whatever bidirectional formatting
characters it holds. Standard library only: the command line imports it at start."""

from __future__ import annotations

import re

__all__ = ["isolate_bidi"]


#: Unicode's bidirectional formatting characters: embeddings and overrides (LRE, RLE, LRO, RLO) and their end (PDF),
#: isolates (LRI, RLI, FSI) and theirs (PDI)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_OPENS_EMBEDDING, _PDF = frozenset("\u202a\u202b\u202d\u202e"), "\u202c"
_OPENS_ISOLATE, _PDI = frozenset("\u2066\u2067\u2068"), "\u2069"


def isolate_bidi(text: str) -> str:
    """``text`` (a handle, a caption: data) kept to itself in a line of other text: a right-to-left override (U+202E)
    in a handle reversed the rest of its line — the score table's row read its columns backwards, in the terminal
    and on the dashboard. A text with a bidirectional formatting character is wrapped in an isolate (FSI … PDI) and
    every embedding, override or isolate it leaves open is closed inside; any other text is returned as it is."""
    if not _BIDI.search(text):
        return text
    embeddings: list[int] = []  # per open isolate (the outermost: the text's own), the embeddings open in it
    embeddings.append(0)
    isolates = 0
    for ch in text:
        if ch in _OPENS_EMBEDDING:
            embeddings[-1] += 1
        elif ch == _PDF and embeddings[-1]:
            embeddings[-1] -= 1
        elif ch in _OPENS_ISOLATE:
            isolates += 1
            embeddings.append(0)
        elif ch == _PDI and isolates:
            isolates -= 1
            embeddings.pop()
    closing = "".join(_PDF * n + _PDI for n in reversed(embeddings[1:])) + _PDF * embeddings[0]
    return f"\u2068{text}{closing}{_PDI}"
