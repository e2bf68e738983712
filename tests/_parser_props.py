"""Shared pieces of the importers' property tests: random JSON, mutated documents, and the parse loop.

``parse_all`` runs a format the way the import driver does (records → convert → typed row check →
Arrow), swallowing only the errors an importer is allowed to raise (``FieldError`` for a record,
``SourceError`` for the file); anything else escapes and fails the calling test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, RowBuffer
from tribescope.ingest._readers import Source

#: any JSON value, including 70-bit integers and NaN/inf floats, a few levels deep
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def json_paths(obj: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every node's path (keys / list indexes) in a JSON document, the root's being ``()``."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from json_paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from json_paths(v, (*prefix, i))


@st.composite
def mutated(draw, base: Any, *, edits: int = 3, replace_root: bool = True) -> Any:
    """A copy of ``base`` with 1…``edits`` randomly chosen nodes replaced by random JSON (or deleted)."""
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, edits))):
        path = draw(st.sampled_from(list(json_paths(doc))))
        if not path:
            if replace_root:
                doc = draw(json_value)
            continue
        node = doc
        for k in path[:-1]:
            node = node[k]
        if isinstance(node, dict) and draw(st.booleans()):
            del node[path[-1]]
        else:
            node[path[-1]] = draw(json_value)
    return doc


def parse_all(fmt: Format, path: Path, options: dict[str, Any] | None = None) -> None:
    """Run ``fmt`` over ``path`` like the driver; only ``FieldError`` / ``SourceError`` may come out."""
    ctx = Context(str(path), "i", dt.datetime.now(UTC), options=options or {})
    buffers: dict[str, RowBuffer] = {}

    def add(rows: Any) -> None:
        for table, row in rows:
            buf = buffers.setdefault(table, RowBuffer(table))
            buf.append(buf.check(row))

    recs = fmt.records(Source(path), ctx)
    while True:
        try:
            _, raw = next(recs)
        except (StopIteration, SourceError):
            break
        if isinstance(raw, SourceError):
            continue
        try:
            add(fmt.convert(raw, ctx))
        except FieldError:
            continue
    finish = getattr(fmt, "finish", None)
    if finish is not None:
        add(finish(ctx))
    for buf in buffers.values():
        assert isinstance(buf.flush(), pa.Table)
