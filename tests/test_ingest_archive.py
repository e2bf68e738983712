"""ZIP archives imported as the folder they unzip to (tribescope.ingest._archive)."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tribescope.errors import ImportFailed, TribescopeError
from tribescope.ingest import import_paths
from tribescope.ingest._archive import import_size, member_path
from tribescope.store import connect

SAMPLES = Path(__file__).parent / "format_samples"
ARCHIVE = SAMPLES / "instagram_archive"
POSTS = b"platform,post_id,creator_id,created_at,likes\ninstagram,q1,zed,2024-01-01T00:00:00Z,3\n"
BAD_POSTS = POSTS + b"instagram,q2,zed,not a date,1\n"
TABLES = ("accounts", "posts", "comments", "community_messages", "community_links")


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """The archives' temporary folders go to a folder of the test's own, to be looked at."""
    d = tmp_path / "tmpdir"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def _zip(path: Path, entries: dict[str, bytes], *, base: Path | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        if base is not None:
            for f in sorted(base.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(base.parent).as_posix())
    return path


def _rows(ws) -> dict[str, list[tuple]]:
    out = {}
    for t in TABLES:
        cols = [c for c in ws.duck.execute(f"SELECT * FROM {t} LIMIT 0").description if c[0] != "import_id"]
        names = ", ".join(f'"{c[0]}"' for c in cols)
        out[t] = ws.duck.execute(f"SELECT {names} FROM {t} ORDER BY ALL").fetchall()
    return out


def test_a_zipped_instagram_archive_imports_as_its_folder_does(tmp_path, private_tmp):
    """Meta's download as it comes: the same rows as the unzipped folder, every file named inside the archive in the
    report and the import log, and no unpacked copy left behind."""
    z = _zip(tmp_path / "kiln.zip", {}, base=ARCHIVE)
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    try:
        folder = import_paths(a, [ARCHIVE])
        zipped = import_paths(b, [z])
        assert _rows(b) == _rows(a)
        assert _rows(b)["posts"] and _rows(b)["accounts"][0][1] == "kiln.club"
        # the archive's video is not unpacked (no format reads it); every other file is read as in the folder
        assert {Path(f.path).name for f in folder.files} - {Path(f.path).name for f in zipped.files} == {
            "431299998_3234567890123456_3_n.mp4"
        }
        assert sorted(f.records for f in zipped.files if not f.path.endswith(".mp4")) == sorted(
            f.records for f in folder.files if not f.path.endswith(".mp4")
        )
        shown = f"{z}{os.sep}instagram_archive{os.sep}"
        assert all(f.path.startswith(shown) for f in zipped.files), [f.path for f in zipped.files]
        logged = [p for (p,) in b.duck.execute("SELECT path FROM imports ORDER BY path").fetchall()]
        assert logged == sorted(f.path for f in zipped.files)
        assert f"{shown}your_instagram_activity{os.sep}content{os.sep}posts_1.json" in logged
    finally:
        a.close()
        b.close()
    assert list(private_tmp.iterdir()) == []


def test_the_parts_of_a_split_download_read_as_one_archive(tmp_path):
    """Meta splits a large download into several ZIP files: imported together, a part without the owner's profile
    still finds it in the other part (as when both are unzipped into one folder), each file named in its own part."""
    part1 = tmp_path / "kiln-part1.zip"
    part2 = tmp_path / "kiln-part2.zip"
    with zipfile.ZipFile(part1, "w") as z1, zipfile.ZipFile(part2, "w") as z2:
        for f in sorted(ARCHIVE.rglob("*.json")):
            rel = f.relative_to(ARCHIVE).as_posix()
            (z2 if rel.startswith("your_instagram_activity/") else z1).write(f, rel)
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    try:
        import_paths(a, [ARCHIVE])
        r = import_paths(b, [part1, part2])
        assert _rows(b) == _rows(a) and len(_rows(b)["posts"]) == 3
        shown = {Path(f.path).name: f.path for f in r.files}
        assert shown["posts_1.json"] == os.path.join(
            f"{part2}", "your_instagram_activity", "content", "posts_1.json"
        )
        assert shown["following.json"].startswith(f"{part1}{os.sep}connections{os.sep}")
    finally:
        a.close()
        b.close()


def test_archives_holding_the_same_file_names_are_kept_apart(ws, tmp_path):
    a = _zip(tmp_path / "shop-a.zip", {"posts.csv": POSTS})
    b = _zip(tmp_path / "shop-b.zip", {"posts.csv": POSTS.replace(b"q1,zed", b"q7,amy")})
    r = import_paths(ws, [a, b])
    assert sorted(f.path for f in r.files) == [f"{a}{os.sep}posts.csv", f"{b}{os.sep}posts.csv"]
    assert ws.duck.execute("SELECT post_id, creator_id FROM posts ORDER BY 1").fetchall() == [
        ("q1", "zed"),
        ("q7", "amy"),
    ]


def test_the_same_archive_or_its_folder_imported_again_changes_nothing(ws, tmp_path):
    z = _zip(tmp_path / "kiln.zip", {}, base=ARCHIVE)
    import_paths(ws, [z])
    before = _rows(ws)
    logged = "SELECT count(*) FROM imports WHERE NOT ends_with(path, '.mp4')"  # the folder's video: read as nothing
    n_imports = ws.duck.execute(logged).fetchone()[0]
    for again in ([z], [ARCHIVE], [_zip(tmp_path / "copy.zip", {}, base=ARCHIVE)]):
        r = import_paths(ws, again)
        assert r.records == 0 and all(f.skipped for f in r.files if not f.path.endswith(".mp4"))
    assert _rows(ws) == before
    assert ws.duck.execute(logged).fetchone()[0] == n_imports


def test_a_bad_record_inside_an_archive_is_named_inside_it_and_nothing_is_imported(ws, tmp_path, private_tmp):
    z = _zip(tmp_path / "exports.zip", {"ok/accounts.csv": b"platform,account_id\ninstagram,zed\n",
                                         "shop/posts.csv": BAD_POSTS})  # fmt: skip
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [z])
    want = f"{z}{os.sep}shop{os.sep}posts.csv"
    assert e.value.path == want
    assert str(e.value).startswith(f"{want}, line 3")
    assert "tribescope-zip" not in str(e.value)
    assert all(ws.duck.execute(f"SELECT count(*) FROM {t}").fetchone() == (0,) for t in (*TABLES, "imports"))
    assert list(private_tmp.iterdir()) == []
    # quarantined instead: the rejects log names the archive's file too
    r = import_paths(ws, [z], skip_bad=True)
    assert r.rejected == 1 and r.records == 3  # read, the bad one included
    assert ws.duck.execute("SELECT DISTINCT path FROM rejects").fetchall() == [(want,)]
    assert ws.duck.execute("SELECT post_id FROM posts").fetchall() == [("q1",)]


@pytest.mark.parametrize("name", ["../evil.csv", "/tmp/evil.csv", "a/../../evil.csv", "C:\\evil.csv"])
def test_an_entry_that_would_leave_the_folder_refuses_the_archive(ws, tmp_path, private_tmp, name):
    z = _zip(tmp_path / "x.zip", {"posts.csv": POSTS, name: POSTS})
    with pytest.raises(ImportFailed, match=r"x\.zip, entry .*evil\.csv.*leaves the archive's folder"):
        import_paths(ws, [z])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)
    assert not (tmp_path / "evil.csv").exists() and not (private_tmp.parent / "evil.csv").exists()
    assert list(private_tmp.iterdir()) == []


def _encrypt_flag(path: Path) -> None:
    """Mark every entry of the ZIP at ``path`` encrypted (bit 0 of the general purpose flags, in the local and the
    central headers), as a password-protected archive has it (Python's zipfile writes no encrypted entries)."""
    data = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i >= 0:
            (flags,) = struct.unpack_from("<H", data, i + at)
            struct.pack_into("<H", data, i + at, flags | 1)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def test_an_encrypted_entry_says_to_unzip_it_with_its_password(ws, tmp_path):
    z = _zip(tmp_path / "locked.zip", {"posts.csv": POSTS})
    _encrypt_flag(z)
    with pytest.raises(ImportFailed, match=r"locked\.zip, entry 'posts\.csv': the entry is encrypted"):
        import_paths(ws, [z])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)


def test_a_damaged_entry_says_to_download_the_archive_again(ws, tmp_path):
    z = _zip(tmp_path / "broken.zip", {"posts.csv": POSTS * 50})
    data = bytearray(z.read_bytes())
    data[40:60] = b"\x00" * 20  # inside the entry's compressed bytes: its CRC no longer matches
    z.write_bytes(bytes(data))
    with pytest.raises(ImportFailed, match=r"broken\.zip, entry 'posts\.csv': the entry cannot be unpacked"):
        import_paths(ws, [z])


def test_a_truncated_archive_is_said_to_be_damaged(ws, tmp_path):
    z = _zip(tmp_path / "cut.zip", {"posts.csv": POSTS * 50})
    z.write_bytes(z.read_bytes()[:100])  # no central directory: not openable as an archive
    with pytest.raises(
        ImportFailed, match=r"cut\.zip, start of file: .*damaged ZIP archive: download it again"
    ):
        import_paths(ws, [z])


def test_media_and_hidden_entries_are_not_unpacked_and_archives_inside_are(ws, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("posts.csv", POSTS)
    outer = _zip(
        tmp_path / "outer.zip",
        {
            "media/clip.mp4": b"\x00" * 100_000,
            "__MACOSX/._posts.csv": b"\x00\x05\x16\x07",
            ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "README.md": b"# my exports\n",
            "nested/inner.zip": inner.getvalue(),
        },
    )
    r = import_paths(ws, [outer])
    assert [f.path for f in r.files] == [f"{outer}{os.sep}nested{os.sep}inner.zip{os.sep}posts.csv"]
    assert ws.duck.execute("SELECT post_id FROM posts").fetchall() == [("q1",)]
    assert import_size(outer) == len(inner.getvalue())  # what the import reads, as the progress bar counts


def test_an_entry_the_file_system_cannot_hold_is_an_error_naming_it(ws, tmp_path, private_tmp):
    z = _zip(tmp_path / "long.zip", {"posts.csv": POSTS, "x" * 300 + ".csv": POSTS})  # names hold ≤ 255 bytes
    with pytest.raises(
        TribescopeError, match=r"long\.zip, entry 'x{300}\.csv': could not be unpacked .*too long"
    ):
        import_paths(ws, [z])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)
    assert list(private_tmp.iterdir()) == []


def test_an_archive_with_nothing_to_import_says_so(ws, tmp_path):
    z = _zip(tmp_path / "pics.zip", {"a.jpg": b"\xff\xd8\xff", "b.mp4": b"\x00"})
    with pytest.raises(TribescopeError, match=r"pics\.zip: no files to import in this archive"):
        import_paths(ws, [z])


def test_an_archive_inside_a_folder_is_unpacked_with_the_folders_files(ws, tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    (d / "accounts.csv").write_bytes(b"platform,account_id,followers\ninstagram,zed,1200\n")
    _zip(d / "shop.zip", {"posts.csv": POSTS})
    r = import_paths(ws, [d])
    assert sorted(Path(f.path).name for f in r.files) == ["accounts.csv", "posts.csv"]
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (1,)


def test_an_excel_workbook_is_still_refused_saying_to_save_it_as_csv(ws, tmp_path):
    f = _zip(
        tmp_path / "creators.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    )
    with pytest.raises(ImportFailed, match=r'creators\.xlsx, start of file: .*save the sheet as "CSV UTF-8"'):
        import_paths(ws, [f])


def test_the_cli_imports_an_archive_and_names_its_files(tmp_path):
    from typer.testing import CliRunner

    from tribescope.cli import app

    z = _zip(tmp_path / "shop.zip", {"shop/posts.csv": BAD_POSTS})
    w = str(tmp_path / "w.duckdb")
    res = CliRunner().invoke(app, ["--workspace", w, "import", str(z)])
    assert res.exit_code == 1
    assert f"shop.zip{os.sep}shop{os.sep}posts.csv, line 3" in res.output
    res = CliRunner().invoke(app, ["--workspace", w, "import", "--skip-bad", str(z)])
    assert res.exit_code == 0, res.output
    assert "posts.csv" in res.output and "posts 1" in res.output


@given(st.text(alphabet=st.sampled_from("ab./\\:\x00 C.."), max_size=20))
def test_an_entry_unpacks_inside_the_folder_or_not_at_all(name):
    """Whatever an entry's name, its path stays inside the folder it is unpacked to."""
    rel = member_path(name)
    if rel is None:
        return
    assert isinstance(rel, PurePosixPath) and not rel.is_absolute()
    assert ".." not in rel.parts and rel.parts and "" not in rel.parts
    root = Path("/unpack/root")
    assert os.path.normpath(root.joinpath(*rel.parts)).startswith(f"{root}{os.sep}")
    assert not (len(rel.parts[0]) == 2 and rel.parts[0][1] == ":")  # no drive (C:) to start from


def test_the_formats_list_says_archives_and_compressed_files_are_read():
    from typer.testing import CliRunner

    from tribescope.cli import app

    res = CliRunner().invoke(app, ["formats"])
    assert res.exit_code == 0 and "instagram-archive" in res.output
    assert "in a ZIP archive (imported as the folder it unzips to)" in " ".join(res.output.split())


def test_a_download_requested_as_html_says_to_request_json(ws, tmp_path):
    """Meta's "Download your information" defaults to HTML, which no format reads: the archive, or the folder it
    unzips to, says to request JSON rather than only that nothing could be imported."""
    pages = {
        "index.html": b"<html></html>",
        "your_instagram_activity/comments/post_comments_1.html": b"<html/>",
    }
    z = _zip(tmp_path / "instagram-html.zip", pages)
    with pytest.raises(
        TribescopeError, match=r"its 2 HTML file\(s\) are not read: request .* in JSON format"
    ):
        import_paths(ws, [z])
    folder = tmp_path / "unzipped"
    for name, data in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    with pytest.raises(TribescopeError, match=r"unzipped: no files .* its 2 HTML file\(s\) are not read"):
        import_paths(ws, [folder])


def test_a_folder_marked_to_be_left_out_is_left_out_of_an_archive(ws, tmp_path):
    """A folder holding ``.tribescopeignore`` (synth's ``truth/`` and ``campaigns/``) is left out of a zipped folder as
    out of the folder itself: its files are neither unpacked nor imported."""
    z = _zip(
        tmp_path / "exports.zip",
        {
            "instagram/posts.csv": POSTS,
            "truth/.tribescopeignore": b"planted truth, not exports\n",
            "truth/labels.csv": b"creator_id,label\nzed,community\n",  # no table: would fail the import
        },
    )
    r = import_paths(ws, [z])
    assert [Path(f.path).name for f in r.files] == ["posts.csv"]


def test_a_zipped_synth_export_imports_as_its_folder_does(tmp_path):
    """Every platform's format of ``tribescope synth`` (YouTube, Instagram, TikTok, Reddit, Discord, the community
    links), zipped as a folder: the same rows in every table as the folder's import."""
    from tribescope.synth import generate

    d = tmp_path / "xs"
    generate(d, scale="xs", seed=5)
    z = tmp_path / "xs.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(d.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(d).as_posix())
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    try:
        ra, rb = import_paths(a, [d]), import_paths(b, [z])
        assert _rows(b) == _rows(a) and all(_rows(a)[t] for t in TABLES)
        assert ra.rows() == rb.rows() and len(ra.files) == len(rb.files)
    finally:
        a.close()
        b.close()


def test_skip_bad_leaves_out_an_archive_that_cannot_be_unpacked_and_imports_the_rest(
    ws, tmp_path, private_tmp
):
    """As ``--skip-bad`` skips a file that is no export: a refused archive is listed as not imported, with why, and
    the other files are imported."""
    evil = _zip(tmp_path / "evil.zip", {"../posts.csv": POSTS})
    locked = _zip(tmp_path / "locked.zip", {"posts.csv": POSTS})
    _encrypt_flag(locked)
    pics = _zip(tmp_path / "pics.zip", {"a.jpg": b"\xff\xd8\xff"})
    good = _zip(tmp_path / "good.zip", {"posts.csv": POSTS})
    r = import_paths(ws, [evil, locked, pics, good], skip_bad=True)
    skipped = {Path(f.path).name: f.skipped for f in r.files if f.skipped}
    assert skipped == {
        "evil.zip": "not imported: entry '../posts.csv': its path leaves the archive's folder (absolute, or with '..'):"
        " the archive is not unpacked",
        "locked.zip": "not imported: entry 'posts.csv': the entry is encrypted",
        "pics.zip": "not imported: no files to import in this archive (pictures, videos, hidden files, README and "
        "documentation files are not unpacked)",
    }
    assert ws.duck.execute("SELECT post_id FROM posts").fetchall() == [("q1",)]
    assert list(private_tmp.iterdir()) == []
    # nothing else to import: the refused archive is still reported, and nothing is written
    r = import_paths(ws, [evil], skip_bad=True)
    assert [f.skipped.split(":")[0] for f in r.files] == ["not imported"] and r.records == 0


def test_an_operating_system_s_files_are_left_out_of_a_folder_and_an_archive(ws, tmp_path):
    """A ``Thumbs.db`` beside the exports stopped the whole import ("the file is an Excel 97-2003 workbook (.xls)":
    it is an OLE file too), a ``desktop.ini`` as "format not recognised"; in a folder and in a ZIP alike."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
    ini = b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n"
    folder = tmp_path / "exports"
    (folder / "reels" / "$RECYCLE.BIN").mkdir(parents=True)
    (folder / "posts.csv").write_bytes(POSTS)
    (folder / "reels" / "Thumbs.db").write_bytes(ole)
    (folder / "desktop.ini").write_bytes(ini)
    (folder / "reels" / "$RECYCLE.BIN" / "desktop.ini").write_bytes(ini)
    r = import_paths(ws, [folder])
    assert [Path(f.path).name for f in r.files] == ["posts.csv"]
    z = _zip(tmp_path / "exports.zip", {"Thumbs.db": ole, "sub/Desktop.ini": ini, "posts.csv": POSTS})
    r = import_paths(ws, [z], force=True)
    assert [Path(f.path).name for f in r.files] == ["posts.csv"]
    assert ws.duck.execute("SELECT post_id FROM posts").fetchall() == [("q1",)]
