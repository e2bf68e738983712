"""Streaming readers shared by the formats: files (plain, gzip, xz, zstd; UTF-8, UTF-16), NDJSON, JSON, CSV."""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import itertools
import json
import lzma
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson
import orjson
import zstandard

from tribescope.errors import ImportFailed, SourceError

__all__ = [
    "Probe",
    "Source",
    "file_sha256",
    "iter_csv_rows",
    "iter_json_values",
    "json_items",
    "whole_document",
    "whole_document_bytes",
]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MB chunks (import de-duplication, training-data hashes)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_PROBE_BYTES = 256 * 1024
csv.field_size_limit(64 * 1024 * 1024)


class Source:
    """A file opened for streaming; transparently decompresses (gzip, xz, zstd: by the file's first bytes, whatever
    its name); reports progress in raw bytes."""

    def __init__(self, path: str | os.PathLike[str], shown: str | None = None) -> None:
        self.path = Path(path)
        #: the file as the user knows it, in reports, errors and the import log (a file unpacked from a ZIP archive:
        #: its path inside the archive, :mod:`tribescope.ingest._archive`)
        self.shown = str(self.path) if shown is None else shown
        self.size = self.path.stat().st_size
        self._raw: IO[bytes] | None = None

    @property
    def is_gzip(self) -> bool:
        return self.compression == "gzip"

    @functools.cached_property
    def compression(self) -> str | None:
        """``"gzip"``, ``"xz"`` or ``"zstd"`` (from the file's first bytes, whatever its name), which :meth:`open`
        decompresses; ``None`` for an uncompressed file. Read once per :class:`Source` (detection, every
        :meth:`open` and the fast plans ask for it)."""
        with open(self.path, "rb") as f:
            magic = f.read(6)
        if magic[1:4] == _ZSTD_SKIPPABLE and magic[0] & 0xF0 == 0x50:
            return "zstd"  # a skippable frame first, as pzstd writes one before each frame
        return next((name for name, m in _MAGIC.items() if magic.startswith(m)), None)

    @functools.cached_property
    def stored_start(self) -> bytes | None:
        """The first three bytes of the content as the engine's readers see it — decompressed from gzip, nothing
        skipped or transcoded (:meth:`open` skips a UTF-8 byte-order mark and transcodes UTF-16) — or ``None`` for
        content they cannot read as stored (xz, zstd: see ``ingest._run._engine_reads``) or a damaged start. Read
        once per :class:`Source` (whether a plan can read the file; every JSON Lines plan's format:
        :func:`json_lines_format`)."""
        if self.compression not in (None, "gzip"):
            return None
        try:
            with (gzip.open if self.compression == "gzip" else open)(self.path, "rb") as f:
                return bytes(f.read(3))
        except (OSError, EOFError, zlib.error):  # damaged: the Python reader says where
            return None

    def open(self) -> IO[bytes]:
        """A fresh binary stream over the (decompressed: gzip, xz or zstd) content as UTF-8: after a UTF-8 byte-order
        mark if the content starts with one (Windows tools write it; JSON parsers refuse it), transcoded from
        UTF-16 if it starts with a UTF-16 one (Excel's "Unicode Text"); closing it closes the file."""
        codec = self.compression
        if codec is None:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by the caller via the returned stream
            return _as_utf8(self._raw)
        stream = self._decompress(codec)
        try:
            return _as_utf8(stream)
        except (SourceError, OSError, EOFError):  # a damaged stream: its reader reports it where it reads
            stream.close()
            return self._decompress(codec)

    def _decompress(self, codec: str) -> IO[bytes]:
        """The decompressing stream of ``codec`` over the file (which it closes); progress counts compressed bytes."""
        if codec == "gzip":
            g = _GzipStream(self.path, "rb")  # owns its file: closing g closes it
            self._raw = g.fileobj  # type: ignore[assignment]
            return g  # type: ignore[return-value]
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed with the stream
        if codec == "zstd":
            return _ZstdStream(self._raw)  # type: ignore[return-value]
        return _XzStream(self._raw)  # type: ignore[return-value]

    def bytes_read(self) -> int:
        try:
            return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size
        except (OSError, ValueError):
            return self.size

    def head(self, n: int = _PROBE_BYTES) -> bytes:
        """The first ``n`` bytes of the content (:meth:`open`); of a damaged file, those read before the damage."""
        return self.head_and_damage(n)[0]

    def head_and_damage(self, n: int = _PROBE_BYTES) -> tuple[bytes, SourceError | None]:
        """:meth:`head`, and the error that stopped it before ``n`` bytes (a truncated or corrupt compressed file),
        if any: a file damaged at its start reads as no content, which is not an empty file."""
        out: list[bytes] = []
        got = 0
        with self.open() as f:
            try:
                while got < n:
                    chunk = f.read(min(n - got, 1 << 16))
                    if not chunk:
                        break
                    out.append(chunk)
                    got += len(chunk)
            except SourceError as exc:
                return b"".join(out), exc
            except (OSError, EOFError) as exc:
                return b"".join(out), SourceError("start of file", f"the file cannot be read ({exc})")
        return b"".join(out), None


def json_lines_format(src: Source) -> str:
    """The engine's ``read_json`` / ``read_json_objects`` format for content that is JSON Lines: ``newline_delimited``
    (split between DuckDB's threads, no detection pass), or ``auto`` when the content opens with a UTF-8 byte-order
    mark (:attr:`Source.stored_start`), which DuckDB's JSON Lines reader refuses ("byte order mark (BOM) is not
    supported") and its detection reads — the plan of such a file then ran only to fail and go record by record."""
    start = src.stored_start
    return "auto" if start is not None and start.startswith(UTF8_BOM) else "newline_delimited"


#: the first bytes of the compressed files :meth:`Source.open` reads
_MAGIC = {"gzip": b"\x1f\x8b", "xz": b"\xfd7zXZ\x00", "zstd": b"\x28\xb5\x2f\xfd"}
#: the last three bytes of the magic number of a zstd skippable frame (0x184D2A50 to 0x184D2A5F, little-endian)
_ZSTD_SKIPPABLE = b"\x2a\x4d\x18"
#: files no reader here opens, by their first bytes, with what to do instead
_UNREADABLE = {
    # ZIP archives of exports are unpacked before detection (:mod:`tribescope.ingest._archive`): one that reaches it
    # is an Office document, cannot be opened, or lies deeper in archives than they are unpacked
    b"PK\x03\x04": "the file is an Excel .xlsx workbook (or another ZIP file that is no archive of exports): save "
    'the sheet as "CSV UTF-8" and import that; a damaged ZIP archive: download it again',
    b"\xd0\xcf\x11\xe0": 'the file is an Excel 97-2003 workbook (.xls): save the sheet as "CSV UTF-8" and import that',
}
#: the UTF-8 byte-order mark
UTF8_BOM = b"\xef\xbb\xbf"
#: the UTF-16 byte-order marks (little- and big-endian)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _as_utf8(stream: Any) -> IO[bytes]:
    """``stream`` (a buffered binary stream at its start) as UTF-8 bytes: past a UTF-8 byte-order mark, transcoded
    from UTF-16 after a UTF-16 one, else as it is."""
    head = stream.peek(3)[:3]
    if head == UTF8_BOM:
        stream.read(3)
    elif head[:2] in UTF16_BOMS:
        return io.BufferedReader(_Utf16AsUtf8(stream))  # type: ignore[return-value]
    return stream  # type: ignore[no-any-return]


class _ChunkStream(io.RawIOBase):
    """A readable raw stream over the byte chunks :meth:`_next` produces (``None`` at the end; an empty chunk is no
    end, e.g. a zstd frame header that decodes to nothing yet)."""

    _pending = b""
    _at = 0  # how much of _pending was read

    def readable(self) -> bool:
        return True

    def _next(self) -> bytes | None:
        raise NotImplementedError

    def readinto(self, b: Any) -> int:
        while self._at == len(self._pending):
            chunk = self._next()
            if chunk is None:
                return 0
            self._pending, self._at = chunk, 0
        n = min(len(b), len(self._pending) - self._at)
        b[:n] = self._pending[self._at : self._at + n]
        self._at += n
        return n


class _Utf16AsUtf8(_ChunkStream):
    """UTF-16 text (after its byte-order mark) read as UTF-8 bytes; text that is not UTF-16 is a SourceError."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._text = io.TextIOWrapper(raw, encoding="utf-16", newline="")  # type: ignore[type-var]

    def _next(self) -> bytes | None:
        try:
            chunk = self._text.read(1 << 16)
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"near byte {self._raw.tell()}",
                f"not valid UTF-16 text ({exc.reason}) after the file's UTF-16 byte-order mark",
            ) from exc
        return chunk.encode("utf-8") if chunk else None

    def close(self) -> None:
        if not self.closed:
            self._text.close()
        super().close()


class _Guarded:
    """A decompressing stream whose truncation or corruption is a :class:`SourceError`, not the codec's own error."""

    #: the codec's name in messages, and the errors it raises on damaged data
    codec: str
    errors: tuple[type[Exception], ...]

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self.errors as exc:
            raise SourceError(
                "compressed data",
                f"the {self.codec} file is truncated or corrupt ({exc}); re-export or re-download it",
            ) from exc

    def read(self, size: int | None = -1) -> bytes:
        return self._guard(super().read, size)  # type: ignore[misc,no-any-return]

    def read1(self, size: int = -1) -> bytes:
        return self._guard(super().read1, size)  # type: ignore[misc,no-any-return]

    def readline(self, size: int | None = -1) -> bytes:
        return self._guard(super().readline, size)  # type: ignore[misc,no-any-return]

    def readinto(self, b: Any) -> int:
        return self._guard(super().readinto, b)  # type: ignore[misc,no-any-return]

    def peek(self, n: int = -1) -> bytes:
        return self._guard(super().peek, n)  # type: ignore[misc,no-any-return]


class _GzipStream(_Guarded, gzip.GzipFile):
    """A gzip stream (see :class:`_Guarded`)."""

    codec = "gzip"
    errors = (EOFError, zlib.error, gzip.BadGzipFile)


class _XzStream(_Guarded, lzma.LZMAFile):
    """An xz stream (instaloader's ``.json.xz``; see :class:`_Guarded`) that closes ``fileobj`` with itself."""

    codec = "xz"
    errors = (EOFError, lzma.LZMAError)

    def __init__(self, fileobj: IO[bytes]) -> None:
        super().__init__(fileobj)
        self.fileobj = fileobj

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.fileobj.close()


#: the largest zstd window read: the Pushshift / Arctic Shift dumps are written with a 2 GB one (``zstd --long=31``),
#: beyond the 128 MB a decompressor accepts by default ("Frame requires too much memory for decoding")
ZSTD_MAX_WINDOW = 1 << 31
#: compressed bytes read from the file at a time
_ZSTD_CHUNK = 1 << 14
#: compressed bytes fed to the zstd decompressor at a time. A zstd block decompresses to at most 128 KB and takes at
#: least 4 bytes (an RLE block: a 3-byte header and the byte it repeats), so one piece decompresses to at most 16 MB
#: (32 MB while the decompressor joins its output), whatever the file: a crafted one cannot make a read hold gigabytes
#: (16 KB of RLE blocks are 512 MB). As fast as feeding 16 KB at a time on real dumps.
_ZSTD_PIECE = 1 << 9
#: decompressed bytes a read gathers before it returns (it stops after the piece that reaches this)
_ZSTD_OUT = 1 << 16


class _ZstdFrames(_ChunkStream):
    """The content of the zstd frames of ``fileobj``, one after the other (a file may hold several), decompressed as
    it is read with a window of up to :data:`ZSTD_MAX_WINDOW`, holding at most about :data:`_ZSTD_OUT` plus what one
    :data:`_ZSTD_PIECE` decompresses to (16 MB) at a time. A file that ends inside a frame raises ``EOFError`` (the
    ``zstandard`` stream reader would end there quietly, as if the file were whole)."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        self._file = fileobj
        self._dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._frame = self._dctx.decompressobj()
        self._in_frame = False  # bytes of the current frame were fed and its end not reached
        self._error: zstandard.ZstdError | None = None  # damage found after content, raised at the next read
        self._input = b""  # compressed bytes read from the file and not fed yet (from _fed on)
        self._fed = 0
        self._held: bytes | None = (
            None  # a large piece's content, given at the next read (not copied into a join)
        )

    def _next(self) -> bytes | None:
        if self._held is not None:
            held, self._held = self._held, None
            return held
        if self._error is not None:
            raise self._error
        if self._fed == len(self._input):
            chunk = self._file.read(_ZSTD_CHUNK)
            if not chunk:
                if self._in_frame:
                    raise EOFError("the file ends inside a zstd frame")
                return None
            self._input, self._fed = chunk, 0
        return self._feed()

    def _feed(self) -> bytes:
        """The content the next pieces of the input decompress to, up to about :data:`_ZSTD_OUT` (or the input's
        end); damage found after some content is raised at the next read, so that the records before it are read
        first."""
        out: list[bytes] = []
        got = 0
        try:
            while self._fed < len(self._input) and got < _ZSTD_OUT:
                piece = self._input[self._fed : self._fed + _ZSTD_PIECE]
                self._fed += len(piece)
                part = self._frame.decompress(piece)
                self._in_frame = True
                if self._frame.eof:  # the rest of the piece is the next frame's first bytes
                    self._input, self._fed = self._frame.unused_data + self._input[self._fed :], 0
                    self._frame, self._in_frame = self._dctx.decompressobj(), False
                if got and len(part) >= _ZSTD_OUT:  # given alone at the next read: a join would hold it twice
                    self._held = part
                    break
                out.append(part)
                got += len(part)
        except zstandard.ZstdError as exc:
            if not got:
                raise
            self._error = exc
        return b"".join(out)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class _ZstdStream(_Guarded, io.BufferedReader):
    """A zstd stream (the Pushshift / Arctic Shift NDJSON dumps; see :class:`_ZstdFrames`, :class:`_Guarded`) that
    closes ``fileobj`` with itself."""

    codec = "zstd"
    errors = (EOFError, zstandard.ZstdError)

    def __init__(self, fileobj: IO[bytes]) -> None:
        super().__init__(_ZstdFrames(fileobj), 1 << 16)


@dataclass
class Probe:
    """What format detection looks at: the file name and its first bytes."""

    path: Path
    head: bytes
    first_json: Any = None
    json_kind: str = ""  # "ndjson" | "document" | ""
    csv_header: list[str] = field(default_factory=list)
    csv_delimiter: str = ","
    is_parquet: bool = False

    @classmethod
    def of(cls, src: Source) -> Probe:
        """What detection looks at in ``src``; a file no reader here opens (:data:`_UNREADABLE`) is refused with an
        :class:`ImportFailed` saying how to convert it."""
        head, damage = src.head_and_damage()
        if damage is not None and not head.strip():
            raise ImportFailed(
                str(src.path),
                "start of file",
                None,
                damage.message,
                "Re-download or re-export the file, or re-run with --skip-bad to import the other files and skip "
                "this one.",
            )
        for magic, what in _UNREADABLE.items():
            if head.startswith(magic):
                raise ImportFailed(
                    str(src.path),
                    "start of file",
                    None,
                    what,
                    "Convert the file as the message says, or re-run with --skip-bad to import the other files and "
                    "skip this one.",
                )
        p = cls(src.path, head)
        if head[:4] == b"PAR1":
            p.is_parquet = True
            return p
        text = head.lstrip(b"\xef\xbb\xbf").lstrip()
        if text[:1] in (b"{", b"["):
            first_line = text.split(b"\n", 1)[0]
            try:
                p.first_json = orjson.loads(first_line)
                p.json_kind = "ndjson"
            except orjson.JSONDecodeError:
                p.json_kind = "document"
                try:
                    p.first_json = orjson.loads(text)
                except orjson.JSONDecodeError:
                    p.first_json = _partial_json(text)
            return p
        lines = iter(text.decode("utf-8", errors="replace").splitlines())
        line, p.csv_delimiter, _ = csv_header_line(next(lines, ""), lambda: next(lines, ""))
        p.csv_header = [h.strip() for h in next(csv.reader([line], delimiter=p.csv_delimiter), [])]
        return p


def _partial_json(text: bytes) -> Any:
    """Best effort: the top-level keys (and small values) of a document larger than the probe."""
    out: dict[str, Any] = {}
    try:
        for key, value in ijson.kvitems(io.BytesIO(text), ""):
            out[key] = value
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    if not out:
        try:
            for prefix, event, value in ijson.parse(io.BytesIO(text)):
                if event == "map_key" and prefix == "":
                    out[value] = None
        except (ijson.JSONError, ijson.IncompleteJSONError):
            pass
    return out


def _decode_error(path: Path, location: str, exc: Exception) -> str:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"not valid JSON ({msg}); the file may be truncated or not a JSON export"


def _ndjson_value(line: bytes, lineno: int, src: Source) -> Any:
    """The value of one NDJSON line, or the recoverable :class:`SourceError` of a line that is not one."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raw = line[:2000].decode("utf-8", errors="replace")
        return SourceError(f"line {lineno}", _decode_error(src.path, "", exc), recoverable=True, raw=raw)


def _parses_as_json(line: bytes) -> bool:
    """Whether ``line`` is one JSON value (by the standard library, which also takes what orjson refuses, such as a
    lone UTF-16 surrogate escape)."""
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _looks_ndjson(head: bytes, following: list[bytes]) -> bool:
    """A first line that is no JSON value alone is still NDJSON's (a bad first record) when it starts an object and
    the next lines are each a whole object: a pretty-printed document's inner lines never are (``"key": …,``)."""
    if not head.startswith(b"{") or not following:
        return False
    for line in following:
        try:
            if not isinstance(orjson.loads(line), dict):
                return False
        except orjson.JSONDecodeError:
            return False
    return True


def iter_json_values(src: Source, item_path: str | None = None) -> Iterator[tuple[str, Any]]:
    """Yield ``(location, value)`` for each top-level JSON value of ``src``.

    * NDJSON / JSON Lines: one value per line; location ``line N``. A bad line is a recoverable error, the first
      line included (it is NDJSON when the next lines are whole objects, or when the line is JSON that only
      orjson refuses). A line holding an array (``json.dump`` of a list of pages writes one line) yields each
      element; location ``line N record K``.
    * A single document ``[...]``: each array element, streamed; location ``record N``.
    * A single document ``{...}``: the document itself, or — with ``item_path`` (ijson prefix such as
      ``"messages.item"``) — each element under it, streamed, so a 1 GB export is never held whole.

    A UTF-8 byte-order mark at the start is skipped either way.
    """
    with src.open() as f:
        first = b""
        bom = True
        while True:  # skip leading blank lines / BOM
            first = f.readline()
            if not first:
                return
            if bom:
                first, bom = first.removeprefix(b"\xef\xbb\xbf"), False
            stripped = first.strip()
            if stripped:
                break
        value: Any
        try:
            value = orjson.loads(stripped)
            ndjson = True
        except orjson.JSONDecodeError:
            value = None
            ndjson = False
        peeked: list[bytes] = []
        if not ndjson:
            if _parses_as_json(stripped):
                ndjson = True
            else:  # a bad first record of NDJSON, or the first line of a document: the next lines tell
                while len([ln for ln in peeked if ln.strip()]) < 2:
                    line = f.readline()
                    if not line:
                        break
                    peeked.append(line)
                ndjson = _looks_ndjson(stripped, [ln.strip() for ln in peeked if ln.strip()])
            if ndjson:
                value = _ndjson_value(stripped, 1, src)
        if ndjson:
            lineno = 1
            lines = itertools.chain(peeked, f)
            while True:  # one value a line; a line holding an array (a list of pages) yields its elements
                if isinstance(value, list):
                    for k, item in enumerate(value, 1):
                        yield f"line {lineno} record {k}", item
                else:
                    yield f"line {lineno}", value
                for line in lines:
                    lineno += 1
                    s = line.strip()
                    if s:
                        value = _ndjson_value(s, lineno, src)
                        break
                else:
                    return
        stream = _Chain(first + b"".join(peeked), f)
        if stripped.startswith(b"["):
            prefix = "item"
        elif item_path:
            prefix = item_path
        else:
            prefix = ""
        n = 0
        try:
            for value in ijson.items(stream, prefix, use_float=True):
                n += 1
                yield (f"record {n}" if prefix else "document"), value
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
            where = f"record {n + 1}" if prefix else "document"
            raise SourceError(
                f"{where} (near byte {src.bytes_read()})", _decode_error(src.path, where, exc)
            ) from exc


#: a JSON document up to this size (decompressed) may be parsed whole with orjson — several times
#: faster than streaming it with ijson, and bounded in memory (see :func:`whole_document`)
WHOLE_DOC_BYTES = 16 << 20
#: digits → "0", and what may precede a number token (``:``, ``[``, ``,``, ``-``, JSON whitespace) → ":", so that
#: :func:`_has_long_number` finds a long number token with one search
_DIGITS = bytes.maketrans(b"0123456789:[, -\t\r\n", b"0000000000::::::::")
_Z19 = b"0" * 19
_N19 = b":" + _Z19


def _has_long_number(data: bytes) -> bool:
    """True when ``data`` may hold a JSON number of 19 or more digits (beyond 64 bits, or close).

    A number token follows ``:``, ``[``, ``,``, whitespace or its ``-`` sign; a run of digits inside a
    string (a Discord snowflake ``"1467…"``) follows ``"`` and does not count. Text that merely looks
    like a long number (``"ref 1234567890123456789"``) counts too: the caller then just streams.
    """
    t = data.translate(_DIGITS)
    return t.startswith(_Z19) or _N19 in t


def _first_line(data: bytes) -> bytes:
    """The first line of ``data`` that is not blank: ``next((ln for ln in data.splitlines() if ln.strip()), b"")``
    without splitting the whole document into lines."""
    k = len(data) - len(data.lstrip())  # the first byte that is not whitespace (what bytes.strip removes)
    if k == len(data):
        return b""
    start = max(data.rfind(b"\n", 0, k), data.rfind(b"\r", 0, k)) + 1
    ends = [i for i in (data.find(b"\n", k), data.find(b"\r", k)) if i >= 0]
    return data[start : min(ends)] if ends else data[start:]


def whole_document(src: Source, unique_keys: tuple[str, ...] = ()) -> Any:
    """``src`` parsed whole when it is one JSON document (not NDJSON) of at most :data:`WHOLE_DOC_BYTES`.

    ``None`` whenever the streaming reader might see it differently: NDJSON (the first line parses
    alone), anything orjson rejects (invalid or truncated JSON, integers beyond 64
    bits, NaN, trailing data — the streaming reader then reports the error with its location), a
    number of 19 digits or more (ijson's C backend rejects integers beyond 64 bits, orjson does not), or a
    name in ``unique_keys`` that occurs more than once (with duplicate keys a streaming reader sees
    every occurrence, a parsed object only the last).
    """
    data = whole_document_bytes(src, unique_keys)
    if data is None:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def whole_document_bytes(src: Source, unique_keys: tuple[str, ...] = ()) -> bytes | None:
    """The bytes :func:`whole_document` parses (``None`` where it returns ``None`` without parsing)."""
    if src.size > WHOLE_DOC_BYTES:
        return None
    try:
        with src.open() as f:
            data = f.read(WHOLE_DOC_BYTES + 1)
    except (OSError, EOFError, SourceError):
        return None
    if len(data) > WHOLE_DOC_BYTES or data[:1] not in (b"{", b"[", b" ", b"\n", b"\r", b"\t"):
        return None
    try:
        orjson.loads(_first_line(data))
        return None  # NDJSON: one value per line
    except orjson.JSONDecodeError:
        pass
    for k in unique_keys:
        if data.count(b'"' + k.encode() + b'"') > 1:
            return None
    if _has_long_number(data):  # the C ijson backend rejects integers beyond 64 bits; orjson reads them
        return None
    return data


def json_items(src: Source, prefix: str) -> Any:
    """The first value at ijson ``prefix`` (e.g. the ``guild`` header of a Discord export), or None."""
    with src.open() as f:
        try:
            for value in ijson.items(f, prefix, use_float=True):
                return value
        except (ijson.JSONError, ijson.IncompleteJSONError):
            return None
    return None


class _Chain(io.RawIOBase):
    """A binary stream that replays ``head`` and then continues with ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0 or n >= len(self._head):
                out, self._head = self._head, b""
                more = self._rest.read(-1 if n < 0 else n - len(out))
                return out + more
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


#: the delimiters a CSV header row may use: comma, tab, and the semicolon of Excel where the decimal mark is a comma
_DELIMITERS = (",", "\t", ";")
#: the line Excel reads (and some tools write) before the header row to name the delimiter: ``sep=;``
_SEP_LINE = re.compile(r"sep=(.)\s*")


def csv_header_line(first: str, next_line: Callable[[], str]) -> tuple[str, str, int]:
    """``(header row, delimiter, its line number)`` of a CSV file whose first line is ``first``: the line after a
    ``sep=X`` line (delimiter X), else ``first``, split by whichever of comma, tab or semicolon it holds most (a
    comma when none)."""
    m = _SEP_LINE.fullmatch(first)
    if m:
        return next_line(), m[1], 2
    return first, max(_DELIMITERS, key=first.count), 1


def _unique_names(header: list[str]) -> list[str]:
    """``header`` with a repeated column name made unique (``followers``, ``followers (column 3)``) and an empty one
    named by its place (``(column 6)``: the empty columns a spreadsheet leaves at the end), so that a row's cells are
    all kept, each column can be named in a report, and the first column of a name is the one that counts."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(header, 1):
        out.append(f"{name} (column {i})".lstrip() if not name or name in seen else name)
        seen.add(name)
    return out


def _bad_row(loc: str, row: list[str], delimiter: str, message: str) -> SourceError:
    """The recoverable error of one CSV row, with the row's text (decoded with ``surrogateescape``) as raw."""
    raw = delimiter.join(row).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return SourceError(loc, message, recoverable=True, raw=raw[:2000])


#: why a row (``{what}``: "row", "header row (line 1)") with bytes that are not UTF-8 is refused, and what to do
_NOT_UTF8_OF = (
    "not UTF-8 text (the {what} holds bytes that are not UTF-8, e.g. Windows-1252 text as Excel's \"CSV (Comma "
    'delimited)" writes it; save the file as "CSV UTF-8" or re-export it as UTF-8)'
)
_NOT_UTF8 = _NOT_UTF8_OF.format(what="row")


def iter_csv_rows(
    src: Source,
    delimiter: str | None = None,
    on_header: Callable[[list[str], str], None] | None = None,
) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
    """Yield ``(location, row)`` for each CSV/TSV row; location ``line N`` (1 = header), the line a row starts on.

    The delimiter is found in the header row (see :func:`csv_header_line`) unless given; ``on_header(names,
    delimiter)`` is called with the column names before the first row. A name that repeats is made unique
    (:func:`_unique_names`). A row with bytes that are not UTF-8, or with another number of fields than the
    header, is a recoverable :class:`SourceError`.
    """
    with src.open() as fb:
        # surrogateescape: a row with bytes that are not UTF-8 is rejected alone (below), not the rest of the file
        f = io.TextIOWrapper(fb, encoding="utf-8-sig", errors="surrogateescape", newline="")
        header_line, found, offset = csv_header_line(f.readline(), f.readline)
        delimiter = delimiter or found
        if not _is_utf8(header_line):
            # the header: the whole file is refused (its hint says so), with the advice its rows get
            raise SourceError("header", _NOT_UTF8_OF.format(what=f"header row (line {offset})"))
        header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
        if not header or not any(header):
            raise SourceError(f"line {offset}", "empty file or missing header row")
        header = _unique_names(header)
        if on_header is not None:
            on_header(header, delimiter)
        reader = csv.reader(f, delimiter=delimiter)
        while True:
            # the line the next row starts on (a quoted field may span lines)
            start = reader.line_num + offset + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise SourceError(f"line {start}", f"not UTF-8 text ({exc.reason})") from exc
            except csv.Error as exc:
                raise SourceError(f"line {start}", f"malformed CSV ({exc})") from exc
            if not any(cell.strip() for cell in row):
                # a blank line, or a row of empty cells (``,,,,``: what a spreadsheet writes for a formatted row
                # left empty, often at the end of the sheet) — nothing to import, and no record to refuse
                continue
            loc = f"line {start}"
            if len(row) != len(header):
                msg = f"expected {len(header)} fields as in the header, found {len(row)}"
                yield loc, _bad_row(loc, row, delimiter, msg)
                continue
            if not _is_utf8("".join(row)):
                yield loc, _bad_row(loc, row, delimiter, _NOT_UTF8)
                continue
            yield loc, dict(zip(header, row, strict=True))


def _is_utf8(text: str) -> bool:
    """False when ``text`` (decoded with ``surrogateescape``) carries bytes that were not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
