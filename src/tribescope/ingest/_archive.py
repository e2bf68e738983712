"""ZIP archives imported as the folder they unzip to: a platform's data download as it comes (Instagram's and
TikTok's "Download your information", a creator's zipped folder of exports), no unzipping by hand.

:class:`Archives` unpacks each ZIP file of an import into a private temporary folder (removed when the import ends,
whether it succeeded or not) and hands the files in it to the import as if a folder had been given: the same walk
rules (hidden entries, documentation and pictures skipped, folders marked with :data:`IGNORE_MARKER` left out),
each file's format told from its content, the archive's folder structure kept (an Instagram archive finds its
owner's ``personal_information.json`` as in the unzipped folder). What the user sees names the archive, never the
temporary folder: a file is shown as ``downloads/instagram-kiln.zip/your_instagram_activity/content/posts_1.json``
in the import's report, its errors, and the import log (``imports.path``, ``rejects.path``). A file's identity in
the log is its content hash, so importing the same archive again, or its unzipped folder, changes nothing.

Not unpacked: pictures, videos and audio (no format reads them, and a data download holds gigabytes of them),
symbolic links, and an Office document (an ``.xlsx`` workbook is a ZIP too: format detection says to save it as
CSV). Refused, with the archive and the entry named and nothing imported: an entry whose path would leave the
folder (absolute, or with ``..``), an encrypted entry, a damaged entry or one compressed with a method Python cannot
read, and an archive larger unpacked than the free space of the temporary folder (``TMPDIR``) — with ``skip_bad``
(``--skip-bad``) such an archive is listed as not imported and the other files are. An archive inside an archive is
unpacked too, up to :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from types import TracebackType

from tribescope.errors import ImportFailed, TribescopeError

__all__ = ["Archives", "import_size", "is_zip"]

#: A folder holding a file of this name is skipped when a folder is imported (e.g. synth's truth/); in an archive, its
#: entries are not unpacked
IGNORE_MARKER = ".tribescopeignore"
#: the first bytes of a ZIP file (a local file header; an empty archive's end record)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: how deep archives inside archives are unpacked
MAX_DEPTH = 3
#: entries not unpacked: pictures, videos and audio, which no format reads (a data download's ``media/`` folder)
MEDIA_SUFFIXES = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff", ".svg", ".ico",
        ".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".mp3", ".m4a", ".aac", ".wav", ".ogg", ".opus", ".srt",
    }
)  # fmt: skip
#: files and folders an operating system leaves beside the exports (Windows' thumbnail caches and folder settings, its
#: recycle bin; macOS's resource forks — hidden files such as ``.DS_Store`` are skipped anyway), lower-cased: a folder
#: or archive holding a ``Thumbs.db`` stopped its import ("an Excel 97-2003 workbook"), a ``desktop.ini`` too
SYSTEM_NAMES = frozenset(
    {
        "thumbs.db",
        "ehthumbs.db",
        "ehthumbs_vista.db",
        "desktop.ini",
        "$recycle.bin",
        "system volume information",
        "__macosx",
    }
)
#: web pages, which no format reads: in a folder or an archive with nothing else, a platform's download requested as
#: HTML instead of JSON (:data:`HTML_HINT` says so)
PAGE_SUFFIXES = (".html", ".htm")
HTML_HINT = (
    "; its {} HTML file(s) are not read: request the platform's download in JSON format (Instagram's and TikTok's "
    '"Download your information" offer HTML or JSON)'
)
#: names whose presence makes a ZIP an Office document, not an archive of exports (OOXML, OpenDocument)
_OFFICE = ("[Content_Types].xml", "mimetype")
_OFFICE_DIRS = ("xl/", "word/", "ppt/")
#: advice for an archive that cannot be unpacked here
_UNZIP_HINT = "Unzip the archive with another tool and import the folder it gives."

ProgressFn = Callable[[int, str], None]


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a file that starts as a ZIP archive does (told by its first bytes, never its name)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) in ZIP_MAGIC
    except OSError:
        return False  # the import says what is wrong with the file when it reads it


def _office(zf: zipfile.ZipFile) -> bool:
    names = zf.namelist()
    return any(n in _OFFICE or n.startswith(_OFFICE_DIRS) for n in names)


def _open(path: Path) -> zipfile.ZipFile | None:
    """``path`` as a ZIP archive of exports, or ``None`` when it is none (not a ZIP, an Office document, or a ZIP
    that cannot be opened at all: format detection then says what the file is)."""
    if not is_zip(path):
        return None
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if _office(zf):
        zf.close()
        return None
    return zf


def member_path(name: str) -> PurePosixPath | None:
    """The relative path an archive entry named ``name`` unpacks to, or ``None`` when it must not be unpacked
    anywhere: absolute (``/etc/x``, ``C:\\x``, ``\\\\host\\x``), with a ``..`` part, or naming no file. Backslashes
    separate folders, as in archives written on Windows."""
    if name.startswith(("/", "\\")):
        return None
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if (
        not parts
        or ".." in parts
        or any("\x00" in p for p in parts)
        or (len(parts[0]) == 2 and parts[0][1] == ":")
    ):
        return None
    return PurePosixPath(*parts)


def _skipped(rel: PurePosixPath, skip_suffixes: Iterable[str]) -> bool:
    """Entries not unpacked: hidden ones (``.DS_Store``), an operating system's (:data:`SYSTEM_NAMES`: macOS's
    ``__MACOSX/`` resource forks, Windows' ``Thumbs.db``), media, and what a folder's walk skips anyway (README and
    documentation files, logs)."""
    if any(p.startswith(".") or p.lower() in SYSTEM_NAMES for p in rel.parts) or rel.name.lower().startswith(
        "readme"
    ):
        return True
    suffix = rel.suffix.lower()
    return suffix in MEDIA_SUFFIXES or suffix in skip_suffixes


def _is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _entries(
    zf: zipfile.ZipFile, shown: str, skip_suffixes: Iterable[str]
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The entries of ``zf`` to unpack, each with its relative path; raises :class:`ImportFailed` for an entry that
    must not be unpacked (its path leaves the folder, or it is encrypted)."""
    out = []
    # folders marked to be left out (``IGNORE_MARKER``), as a folder's walk leaves them
    marked = {
        rel.parent
        for rel in (member_path(n) for n in zf.namelist())
        if rel is not None and rel.name == IGNORE_MARKER
    }
    for info in zf.infolist():
        if info.is_dir() or _is_link(info):
            continue
        rel = member_path(info.filename)
        if rel is None:
            raise ImportFailed(
                shown,
                f"entry {info.filename!r}",
                None,
                "its path leaves the archive's folder (absolute, or with '..'): the archive is not unpacked",
                "Import the archive's files from a folder you unzipped them to yourself.",
            )
        if _skipped(rel, skip_suffixes) or (marked and any(d in marked for d in rel.parents)):
            continue
        if info.flag_bits & 0x1:
            raise ImportFailed(
                shown,
                f"entry {info.filename!r}",
                None,
                "the entry is encrypted",
                "Unzip the archive with its password and import the folder it gives.",
            )
        out.append((info, rel))
    return out


def import_size(path: Path, skip_suffixes: Iterable[str] = ()) -> int:
    """The bytes an import of ``path`` reads: a ZIP archive's entries as they unpack (what the import's progress
    counts), else the file's size."""
    zf = _open(path)
    if zf is None:
        return path.stat().st_size
    with zf:
        try:
            return sum(info.file_size for info, _ in _entries(zf, str(path), skip_suffixes))
        except ImportFailed:
            return path.stat().st_size  # refused when the import unpacks it


class ArchiveError(TribescopeError):
    """An archive that cannot be imported as a whole: the message names it, ``reason`` is why (a report line)."""

    def __init__(self, shown: str, reason: str) -> None:
        super().__init__(f"{shown}: {reason}")
        self.reason = reason


def _why(exc: TribescopeError) -> str:
    """Why an archive was refused, without its name and the import's closing advice (a report line)."""
    if isinstance(exc, ImportFailed):
        return f"{exc.location}: {exc.message}"
    return exc.reason if isinstance(exc, ArchiveError) else str(exc)


class Archives:
    """The ZIP archives of one import, unpacked (a context manager: the temporary folder goes on exit).

    :meth:`expand` replaces each archive of a file list with the files it unpacks to; :meth:`shown` turns a path or
    message that names an unpacked file into one that names it inside its archive.

    Archives whose files do not overlap are unpacked into one folder, as a user unzipping them by hand into the same
    place would: the parts of a download split into several ZIP files (Meta splits a large one) then read as one
    archive (an Instagram archive's files find the owner's profile that another part holds). An archive with a file
    another already unpacked there (two creators' downloads) gets a folder of its own.
    """

    def __init__(self, skip_suffixes: Iterable[str] = ()) -> None:
        self._skip = frozenset(skip_suffixes)
        #: ``(archive as shown, why)`` of each archive :meth:`expand` left out with ``skip_bad``
        self.skipped: list[tuple[str, str]] = []
        self._tmp: Path | None = None
        #: each unpacked folder and the relative paths unpacked into it so far
        self._roots: list[tuple[Path, set[PurePosixPath]]] = []
        #: each unpacked file's path → the path shown for it (inside its archive)
        self.files: dict[str, str] = {}
        #: each unpacked folder with a trailing separator → the first archive unpacked there, with one (for a message
        #: that names the folder, not a file)
        self._folders: dict[str, str] = {}

    def __enter__(self) -> Archives:
        return self

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            self.rename(exc)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def shown(self, text: str) -> str:
        """``text`` with each unpacked file's path replaced by its path inside its archive (``…/tribescope-zip-…/0/
        a.json`` → ``downloads/kiln.zip/a.json``), and any other mention of an unpacked folder by its archive."""
        if not self._folders or not any(f in text for f in self._folders):
            return text
        exact = self.files.get(text)
        if exact is not None:
            return exact
        for path in sorted((p for p in self.files if p in text), key=len, reverse=True):
            text = text.replace(path, self.files[path])
        for folder, archive in self._folders.items():
            text = text.replace(folder, archive)
        return text

    def rename(self, exc: BaseException) -> None:
        """``exc`` (raised by the import of unpacked files) made to name archives, not the temporary folder."""
        if not self._folders:
            return
        if isinstance(exc, TribescopeError) and exc.args and isinstance(exc.args[0], str):
            exc.args = (self.shown(exc.args[0]), *exc.args[1:])
            for attr in ("path", "message"):
                value = getattr(exc, attr, None)
                if isinstance(value, str):
                    setattr(exc, attr, self.shown(value))

    def expand(
        self,
        files: list[Path],
        walk: Callable[[list[Path]], list[Path]],
        progress: ProgressFn | None = None,
        depth: int = 0,
        *,
        skip_bad: bool = False,
    ) -> list[Path]:
        """``files`` with each ZIP archive replaced by the files it unpacks to, as ``walk`` (the import's folder walk)
        lists them. An archive that cannot be unpacked raises, or with ``skip_bad`` is left out and listed in
        :attr:`skipped` (as ``--skip-bad`` skips a file that is no export)."""
        out: list[Path] = []
        for f in files:
            zf = _open(f) if depth < MAX_DEPTH else None
            if zf is None:
                out.append(f)
                continue
            try:
                with zf:
                    root, mine = self._unpack(zf, f, progress)
                try:  # the walk's rules, over this archive's files
                    inner = [p for p in walk([root]) if str(p) in mine]
                except TribescopeError:
                    inner = []
                if not inner:  # (the entry list outlives the closed archive)
                    pages = sum(n.lower().endswith(PAGE_SUFFIXES) for n in zf.namelist())
                    raise ArchiveError(
                        self.shown(str(f)),
                        "no files to import in this archive (pictures, videos, hidden files, README and documentation "
                        "files are not unpacked)" + (HTML_HINT.format(pages) if pages else ""),
                    )
            except TribescopeError as exc:
                if not skip_bad:
                    raise
                self.skipped.append((self.shown(str(f)), _why(exc)))
                continue
            out.extend(self.expand(inner, walk, progress, depth + 1, skip_bad=skip_bad))
        return out

    def _root_for(self, rels: set[PurePosixPath]) -> tuple[Path, set[PurePosixPath]]:
        """The unpacked folder an archive with the files ``rels`` goes to: the first where none of them is yet (also
        not as a folder of one, nor one as a folder of theirs), else a new one."""
        dirs = {p for r in rels for p in r.parents}
        for root, have in self._roots:
            if (
                not (rels & have)
                and not (dirs & have)
                and not any(p in rels for h in have for p in h.parents)
            ):
                return root, have
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="tribescope-zip-"))
        root = self._tmp / str(len(self._roots))
        root.mkdir()
        self._roots.append((root, set()))
        return self._roots[-1]

    def _unpack(self, zf: zipfile.ZipFile, path: Path, progress: ProgressFn | None) -> tuple[Path, set[str]]:
        """Unpack ``zf`` (the archive at ``path``); returns its folder and the paths of the files unpacked."""
        shown = self.shown(str(path))
        entries = _entries(zf, shown, self._skip)
        root, have = self._root_for({rel for _, rel in entries})
        need = sum(info.file_size for info, _ in entries)
        free = shutil.disk_usage(root).free
        if need > free:
            raise ArchiveError(
                shown,
                f"the archive unpacks to {need / 1e9:.1f} GB, more than the {free / 1e9:.1f} GB free in the temporary "
                f"folder {root.parent.parent}. Point TMPDIR to a disk with room, or unzip the archive yourself and "
                "import the folder.",
            )
        self._folders.setdefault(f"{root}{os.sep}", f"{shown}{os.sep}")
        if progress is not None:
            progress(0, f"unzipping {path.name}")
        mine: set[str] = set()
        for info, rel in entries:
            target = root.joinpath(*rel.parts)
            self.files[str(target)] = os.path.join(shown, *rel.parts)
            have.add(rel)
            mine.add(str(target))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                raise ImportFailed(
                    shown,
                    f"entry {info.filename!r}",
                    None,
                    f"the entry cannot be unpacked ({exc}); the archive may be damaged (download it again)",
                    _UNZIP_HINT,
                ) from None
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                # ``a`` a file and ``a/b`` an entry too: not a folder an import could have been given
                raise ImportFailed(
                    shown,
                    f"entry {info.filename!r}",
                    None,
                    "the entry's folder is also a file of the archive",
                    _UNZIP_HINT,
                ) from None
            except OSError as exc:  # the disk filled up, a name too long for the file system, …
                raise ImportFailed(
                    shown,
                    f"entry {info.filename!r}",
                    None,
                    f"could not be unpacked into {self._tmp} ({exc.strerror or exc})",
                    _UNZIP_HINT,
                ) from None
        return root, mine
