"""Importers (Reddit, Discord, Patreon, CSV/Parquet, the readers and the import run): behaviour found in a bug hunt."""

from __future__ import annotations

import struct
import tracemalloc

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import SourceError
from tribescope.ingest._readers import Source

# ---------------------------------------------------------------------------- zstd: decompressed bytes held at once


def _rle_frame(blocks: int, byte: bytes = b"\n") -> bytes:
    """A zstd frame of ``blocks`` RLE blocks of 128 KB of ``byte`` each: 4 bytes of file a block, 32768 times that
    decompressed (what a crafted file does to a reader that decompresses whole chunks of input)."""
    head = (
        b"\x28\xb5\x2f\xfd" + b"\x00" + bytes([7 << 3])
    )  # no content size, no checksum; window 2^17 = 128 KB
    block = (
        struct.pack("<I", (128 * 1024) << 3 | 1 << 1)[:3] + byte
    )  # not the last block, type RLE, size 128 KB
    last = struct.pack("<I", (128 * 1024) << 3 | 1 << 1 | 1)[:3] + byte
    return head + block * (blocks - 1) + last


def test_a_crafted_zstd_file_cannot_make_a_read_hold_its_expansion(tmp_path):
    """8 KB of RLE blocks decompress to 256 MB: reading the file holds a bounded part of that at a time (it held the
    whole expansion of each 16 KB read from the file), and every byte still arrives, in order, with the frame after."""
    rec = b'{"id": "c1", "link_id": "t3_x", "subreddit": "a", "body": "hi"}\n'
    f = tmp_path / "RC_bomb.zst"
    f.write_bytes(
        zstandard.ZstdCompressor().compress(rec) + _rle_frame(2048) + zstandard.ZstdCompressor().compress(rec)
    )
    total = 0
    tail = b""
    tracemalloc.start()
    try:
        with Source(f).open() as fh:
            assert fh.readline() == rec
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                tail = (tail + chunk[-200:])[-200:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 2048 * 128 * 1024 + len(rec)
    assert tail.endswith(b"\n" + rec)
    assert peak < 48 << 20, f"{peak / 2**20:.0f} MB held at once"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=4),
    rle=st.integers(0, 40),
    cut=st.sampled_from([None, "truncated", "garbage"]),
)
def test_zstd_frames_read_as_the_reference_decoder_reads_them(tmp_path, parts, rle, cut):
    """Frames of any content (an RLE frame among them), read in bounded pieces: the bytes the reference decoder gives,
    in order; a file cut inside a frame, or followed by bytes that are no frame, is an error after its content."""
    # a first byte that starts no byte-order mark (the reader skips a UTF-8 one and transcodes after a UTF-16 one)
    frames = [zstandard.ZstdCompressor(level=1).compress(p) for p in [b"#", *parts]]
    if rle:
        frames.insert(len(frames) // 2, _rle_frame(rle, b"x"))
    data = b"".join(frames)
    want = b"".join(zstandard.ZstdDecompressor().decompressobj().decompress(fr) for fr in frames)
    f = tmp_path / "d.zst"
    if cut == "truncated":
        data = data[:-2]
    elif cut == "garbage":
        data += b"not zstd"
    f.write_bytes(data)
    got = bytearray()
    with Source(f).open() as fh:
        try:
            while chunk := fh.read(7919):
                got += chunk
        except SourceError as exc:
            assert cut is not None and "the zstd file is truncated or corrupt" in exc.message
        else:
            assert cut is None
    if cut is None:
        assert bytes(got) == want
    else:
        assert want.startswith(bytes(got))


def test_zstd_reader_stays_streamed(tmp_path):
    """One line of a large dump is read without reading the file through (as before: bounded input too)."""
    import json
    import random

    rnd = random.Random(3)
    body = b"".join(
        json.dumps({"id": f"c{i}", "body": rnd.randbytes(50).hex()}).encode() + b"\n" for i in range(20_000)
    )
    f = tmp_path / "RC.zst"
    f.write_bytes(zstandard.ZstdCompressor(level=3).compress(body))
    src = Source(f)
    with src.open() as fh:
        assert fh.readline().startswith(b'{"id": "c0"')
        assert src.bytes_read() < src.size // 4


@pytest.fixture
def ws(tmp_path):
    from tribescope.store import connect

    w = connect(tmp_path / "ws.duckdb")
    yield w
    w.close()


# ---------------------------------------------------------------------------- Patreon: members pages and --link-creator


def _members_without_campaign(tmp_path, name="members.json"):
    """The fixture's members page as a single (or last) page is: no ``campaign`` relationship (not requested with
    include=campaign) and no ``links`` naming the campaign."""
    import json
    from pathlib import Path

    d = json.loads((Path(__file__).parent / "fixtures" / "patreon" / "members.json").read_text())
    for m in d["data"]:
        m["relationships"].pop("campaign", None)
    d.pop("links", None)
    f = tmp_path / name
    f.write_text(json.dumps(d))
    return f, len(d["data"])


def test_members_page_links_the_declared_campaign(ws, tmp_path):
    """``--link-creator`` with ``--space-id`` on a members page that names no campaign links that campaign (it linked
    nothing, silently, while the CLI said the space would count for the creator)."""
    from tribescope.ingest import import_paths

    f, n = _members_without_campaign(tmp_path)
    r = import_paths(ws, [f], options={"link_creator": "youtube:UCabc", "space_id": "4412345"})
    assert r.files[0].rows == {"accounts": n, "community_links": 1}
    links = ws.duck.execute(
        "SELECT platform, space_id, creator_platform, creator_id FROM community_links"
    ).fetchall()
    assert links == [("patreon", "4412345", "youtube", "UCabc")]
    # a file name holding campaign-ID declares it as well
    g, _ = _members_without_campaign(tmp_path, "members-campaign-4499999.json")
    import_paths(ws, [g], options={"link_creator": "youtube:UCabc"})
    assert ws.duck.execute("SELECT count(*) FROM community_links WHERE space_id = '4499999'").fetchone() == (
        1,
    )


def test_members_page_without_any_campaign_refuses_link_creator(ws, tmp_path):
    """With ``--link-creator`` and no campaign anywhere the member is refused naming the relationship (as a post, and
    as the members CSV at its header), never imported with the link silently dropped; without it, accounts land."""
    from tribescope.errors import ImportFailed
    from tribescope.ingest import import_paths

    f, n = _members_without_campaign(tmp_path)
    with pytest.raises(
        ImportFailed, match=r"members\.json, .*data\[0\], field 'relationships\.campaign'.*space-id"
    ):
        import_paths(ws, [f], options={"link_creator": "youtube:UCabc"})
    assert ws.counts()["accounts"] == 0
    r = import_paths(ws, [f])
    assert r.files[0].rows == {"accounts": n}


# ---------------------------------------------------------------------------- Parquet: ids held as floats


def test_parquet_float_ids_beyond_2_53_are_refused_not_merged(ws, tmp_path):
    """pandas writes an integer id column with a missing value as float64: two TikTok video ids 7251443385627200811
    and …999 both read 7251443385627200512, so two posts became one (posts 1 written of 2 good records). They are
    refused naming the row and column; small whole-number floats stay exact ids (``1234.0`` → ``1234``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tribescope.errors import ImportFailed
    from tribescope.ingest import import_paths

    def posts(name, ids):
        f = tmp_path / name
        n = len(ids)
        pq.write_table(
            pa.table(
                {
                    "post_id": pa.array(ids, pa.float64()),
                    "creator_id": ["tt_a"] * n,
                    "platform": ["tiktok"] * n,
                    "likes": list(range(1, n + 1)),
                }
            ),
            f,
        )
        return f

    big = posts("big.parquet", [float(7251443385627200811), float(7251443385627200999), None])
    with pytest.raises(ImportFailed, match=r"big\.parquet, row 1, field 'post_id': .*floating-point"):
        import_paths(ws, [big])
    r = import_paths(ws, [big], skip_bad=True)
    assert (r.files[0].records, r.files[0].rejected, r.files[0].rows.get("posts", 0)) == (3, 3, 0)
    assert ws.duck.execute(
        "SELECT count(*) FROM rejects WHERE reason LIKE '%floating-point%'"
    ).fetchone() == (2,)
    small = posts("small.parquet", [1234.0, 99.0, 5.5])
    r = import_paths(ws, [small], skip_bad=True)
    assert ws.duck.execute("SELECT post_id, likes FROM posts ORDER BY likes").fetchall() == [
        ("1234", 1),
        ("99", 2),
    ]
    assert r.files[0].rejected == 1  # 5.5 is no id


# ---------------------------------------------------------------------------- the import's table: files that are no export


def _folder(tmp_path, n_csv):
    d = tmp_path / "exports"
    d.mkdir()
    for i in range(n_csv):
        (d / f"acc{i:02d}.csv").write_text(f"username,followers\nu{i},{i}\n")
    (d / "notes.dat").write_text("just some notes\n")
    (d / "logo.bin").write_bytes(b"\x89BIN\x00\x01")
    (d / "empty.csv").write_text("")
    return d


def test_many_files_table_does_not_call_files_that_are_no_export_already_imported(tmp_path):
    """More than 12 files: one line per format. The files skipped as no export (format "-") were counted as "3 already
    imported"; they are "not imported: no export", and named with the reason below the table (the import log has no
    line for them), while a re-import's files are the ones already imported."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    d = _folder(tmp_path, 13)
    w = str(tmp_path / "w.duckdb")
    r = CliRunner().invoke(app, ["--workspace", w, "import", str(d), "--skip-bad"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if ln.lstrip().startswith("-"))
    assert "3 not imported: no export" in line and "already imported" not in line
    assert "not imported (the file is empty): empty.csv" in r.output
    assert (
        "not imported (format not recognised; `tribescope formats` lists what is read): logo.bin, notes.dat"
        in r.output
    )
    assert "Expected one of" not in r.output
    r = CliRunner().invoke(app, ["--workspace", w, "import", str(d), "--skip-bad"])
    csv_line = next(ln for ln in r.output.splitlines() if ln.lstrip().startswith("csv"))
    assert "13 already imported" in csv_line


def test_few_files_table_names_the_reason_without_every_format(tmp_path):
    """Up to 12 files: one line per file; a file no format recognises says so without the description of every format
    (a line of ~2,000 characters, once per such file)."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    d = _folder(tmp_path, 1)
    r = CliRunner().invoke(app, ["--workspace", str(tmp_path / "w.duckdb"), "import", str(d), "--skip-bad"])
    assert r.exit_code == 0, r.output
    assert "Expected one of" not in r.output
    gif = next(ln for ln in r.output.splitlines() if "logo.bin" in ln)
    assert "not imported: format not recognised (`tribescope formats` lists what is read)" in gif
    assert "not imported: the file is empty" in r.output


# ---------------------------------------------------------------------------- CSV: account ids on the platforms keyed by handle


def test_csv_account_ids_of_handle_platforms_link_up(ws, tmp_path):
    """On Instagram (a platform keyed by the lower-cased handle) an accounts CSV keyed by ``username`` stored
    ``ann_knits`` while the posts CSV's ``creator_id`` ``Ann_Knits`` / ``@Ann_Knits`` and the link's ``creator_id``
    stayed as written: 0 of 2 posts joined their creator's account and the link counted for no one. Every account id
    of such a platform is now the handle's key; a YouTube channel id keeps its case."""
    from tribescope.ingest import import_paths

    (tmp_path / "accounts.csv").write_text("username,followers\nAnn_Knits,1200\n")
    (tmp_path / "posts.csv").write_text(
        "post_id,creator_id,platform,likes\np1,Ann_Knits,instagram,10\np2,@Ann_Knits,instagram,12\n"
        "v1,UCAbCdEf,youtube,3\n"
    )
    (tmp_path / "links.csv").write_text(
        "space_id,creator_id,creator_platform,platform\nknitting,Ann_Knits,Instagram,reddit\n"
    )
    (tmp_path / "comments.csv").write_text(
        "comment_id,post_id,author_id,author_name,platform\nc1,p1,@Bo_Purl,Bo_Purl,instagram\n"
    )
    import_paths(ws, [tmp_path], options={"platform": "instagram"})
    joined = ws.duck.execute(
        "SELECT p.post_id, p.creator_id, a.account_id FROM posts p LEFT JOIN accounts a "
        "ON p.platform = a.platform AND p.creator_id = a.account_id ORDER BY 1"
    ).fetchall()
    assert joined == [
        ("p1", "ann_knits", "ann_knits"),
        ("p2", "ann_knits", "ann_knits"),
        ("v1", "UCAbCdEf", None),
    ]
    assert ws.duck.execute("SELECT creator_platform, creator_id FROM community_links").fetchall() == [
        ("instagram", "ann_knits")
    ]
    assert ws.duck.execute("SELECT author_id FROM comments").fetchall() == [("bo_purl",)]
    assert ws.duck.execute(
        "SELECT account_id, username FROM accounts WHERE account_id = 'bo_purl'"
    ).fetchall() == [("bo_purl", "Bo_Purl")]


# ---------------------------------------------------------------------------- --platform


def test_unknown_platform_option_is_refused_once_not_row_by_row(tmp_path):
    """``--platform instgram`` was refused at each row ("line 2, field 'platform' … Fix the record"; with --skip-bad
    every row quarantined): the option is refused before the import, naming it. A platform written with capitals or
    blanks (``" Instagram"``) is that platform (it was refused row by row too)."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    f = tmp_path / "accounts.csv"
    f.write_text("username,followers\nAnn_Knits,1200\n")
    w = str(tmp_path / "w.duckdb")
    for extra in ([], ["--skip-bad"]):
        r = CliRunner().invoke(app, ["--workspace", w, "import", str(f), "--platform", "instgram", *extra])
        assert r.exit_code == 1
        assert "--platform 'instgram': not a platform" in r.output and "Fix the record" not in r.output
    r = CliRunner().invoke(app, ["--workspace", w, "import", str(f), "--platform", " Instagram"])
    assert r.exit_code == 0, r.output
    from tribescope.store import connect

    ws = connect(w)
    try:
        assert ws.duck.execute("SELECT platform, account_id FROM accounts").fetchall() == [
            ("instagram", "ann_knits")
        ]
        assert ws.counts()["rejects"] == 0
    finally:
        ws.close()


def test_csv_comment_authors_by_name_on_a_handle_platform_are_keyed_without_at(ws, tmp_path):
    """A comments file without an author_id column keys each author by the name: ``@Bo_Purl`` is ``bo_purl`` (as an
    author_id ``@Bo_Purl`` is), not ``@bo_purl``."""
    from tribescope.ingest import import_paths

    (tmp_path / "comments.csv").write_text("comment_id,post_id,author_name\nc1,p1,@Bo_Purl\nc2,p1,Bo_Purl\n")
    import_paths(ws, [tmp_path / "comments.csv"], options={"platform": "tiktok"})
    assert ws.duck.execute("SELECT DISTINCT author_id FROM comments").fetchall() == [("bo_purl",)]
    assert ws.duck.execute("SELECT account_id FROM accounts").fetchall() == [("bo_purl",)]


# ---------------------------------------------------------------------------- a folder's walk: what no format reads


def test_folder_walk_skips_documents_and_pictures_no_format_reads(ws, tmp_path):
    """A logo (.gif, .svg) or the terms (.pdf) beside the exports stopped the folder's import ("format not recognised")
    unless --skip-bad; the walk skips them as it skips .jpg and .png. A file named on its own is still read (refused)."""
    from tribescope.errors import ImportFailed
    from tribescope.ingest import import_paths
    from tribescope.ingest._run import expand_paths

    d = tmp_path / "exports"
    (d / "brand").mkdir(parents=True)
    (d / "accounts.csv").write_text("username,followers\nann,5\n")
    (d / "brand" / "logo.gif").write_bytes(b"GIF89a")
    (d / "brand" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (d / "brand" / "terms.pdf").write_bytes(b"%PDF-1.4")
    assert [p.name for p in expand_paths([d])] == ["accounts.csv"]
    r = import_paths(ws, [d])
    assert [(f.format, f.rows) for f in r.files] == [("csv", {"accounts": 1})]
    with pytest.raises(ImportFailed, match=r"logo\.gif, start of file: format not recognised"):
        import_paths(ws, [d / "brand" / "logo.gif"])
