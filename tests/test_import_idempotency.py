"""The import contract, checked on whole tables (every column, ``EXCEPT ALL`` both ways): re-importing the same data
changes nothing — provenance (``import_id``) included —, a failed import leaves every table and the imports log as
they were, and the result does not depend on how the files were batched or which path (engine / Python) read them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope import schema
from tribescope.errors import ImportFailed
from tribescope.ingest import _run, import_paths
from tribescope.store import connect

ALL_TABLES = (*schema.DATA_TABLES, "imports", "rejects")


def _snapshot(ws):
    """Every row of every table, every column (a multiset: sorted)."""
    return {t: sorted(ws.duck.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in ALL_TABLES}


def _differences(ws, other_path, tables=ALL_TABLES):
    """Rows of ``ws`` not in the workspace file ``other_path`` and the reverse, per table (``EXCEPT ALL``)."""
    ws.duck.execute(f"ATTACH '{other_path}' AS other (READ_ONLY)")
    try:
        out = {}
        for t in tables:
            a = ws.duck.execute(f'SELECT * FROM "{t}" EXCEPT ALL SELECT * FROM other."{t}"').fetchall()
            b = ws.duck.execute(f'SELECT * FROM other."{t}" EXCEPT ALL SELECT * FROM "{t}"').fetchall()
            if a or b:
                out[t] = (a, b)
        return out
    finally:
        ws.duck.execute("DETACH other")


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _two_descriptions(d: Path) -> Path:
    """Two files that describe the same accounts differently (no snapshot time: the later file wins), and one
    account only the first file names."""
    d.mkdir()
    h = "platform,account_id,username,followers,posts"
    _csv(d / "a.csv", h, "instagram,ana,ana,100,485", "instagram,bo,bo,7,1", "instagram,cy,cy,3,3")
    _csv(d / "b.csv", h, "instagram,ana,ana,100,553", "instagram,bo,Bo,7,1")
    return d


def _rows_by_file(ws, since: int = 0):
    got = ws.duck.execute("SELECT path, rows FROM imports ORDER BY import_id").fetchall()[since:]
    return [(Path(p).name, json.loads(r)) for p, r in got]


def _tables_by_file(ws):
    """Every data table's rows, sorted, with ``import_id`` given as the name of the file it names (two workspaces
    that imported the same files in other commands compare equal)."""
    return {
        t: sorted(
            ws.duck.execute(
                f"""SELECT t.* EXCLUDE (import_id), regexp_extract(i.path, '[^/]*$') FROM "{t}" t
                    LEFT JOIN imports i USING (import_id)"""
            ).fetchall(),
            key=repr,
        )
        for t in schema.DATA_TABLES
    }


@pytest.mark.parametrize("group_rows", [500_000, 0], ids=["one-merge", "merge-per-file"])
def test_forced_reimport_of_conflicting_files_leaves_every_row_and_its_import_id(
    tmp_path, monkeypatch, group_rows
):
    """Two files of a folder give one account different values: the later file's wins. A forced re-import of the
    same folder sets the row to the first file's value, then back: the data is as it was, and so must be the row's
    ``import_id`` — and neither file is reported as having written it. (It was rewritten with the new import's id,
    and each file reported ``accounts: 2``.) ``group_rows=0`` merges after every file (the fold, file by file)."""
    monkeypatch.setattr(_run, "GROUP_ROWS", group_rows)
    d = _two_descriptions(tmp_path / "in")
    ws = connect(tmp_path / "ws.duckdb")
    try:
        import_paths(ws, [d])
        before = _snapshot(ws)
        assert ws.duck.execute(
            "SELECT posts, username FROM accounts WHERE account_id = 'ana'"
        ).fetchall() == [(553, "ana")]
        rep = import_paths(ws, [d], force=True)
        after = _snapshot(ws)
        for t in schema.DATA_TABLES:
            assert after[t] == before[t], t
        assert [f.rows for f in rep.files] == [{"accounts": 0}, {"accounts": 0}]
        assert _rows_by_file(ws, since=2) == [("a.csv", {"accounts": 0}), ("b.csv", {"accounts": 0})]
    finally:
        ws.close()


def test_synth_instagram_forced_reimport_changes_nothing(tmp_path):
    """The case this was found with: synth's Instagram ``accounts.csv`` and ``media.jsonl`` give some creators
    different post counts (485 vs 553); ``import --force`` of the same folder rewrote their ``import_id``."""
    from tribescope.synth import generate

    generate(tmp_path / "s", "xs", seed=1)
    folder = tmp_path / "s" / "instagram"
    ws = connect(tmp_path / "ws.duckdb")
    try:
        import_paths(ws, [folder])
        before = _snapshot(ws)
        rep = import_paths(ws, [folder], force=True)
        after = _snapshot(ws)
        for t in schema.DATA_TABLES:
            assert after[t] == before[t], t
        assert all(n == 0 for f in rep.files for n in f.rows.values()), [f.rows for f in rep.files]
    finally:
        ws.close()


def test_an_import_that_changes_a_row_still_stamps_it(tmp_path):
    """Only rows the import leaves as they were keep their provenance: a row the import changes (a newer value, a
    gap filled) gets the id of the file that last changed it, and that file counts it."""
    d = _two_descriptions(tmp_path / "in")
    upd = tmp_path / "upd"
    upd.mkdir()
    h = "platform,account_id,username,followers,posts"
    # ana: a set back to 485 by a.csv, then b.csv's 553 again (unchanged overall); bo: a new follower count
    _csv(upd / "a.csv", h, "instagram,ana,ana,100,485", "instagram,bo,bo,8,1")
    _csv(upd / "b.csv", h, "instagram,ana,ana,100,553")
    ws = connect(tmp_path / "ws.duckdb")
    try:
        first = import_paths(ws, [d])
        ids = {Path(f.path).name: f.import_id for f in first.files}
        rep = import_paths(ws, [upd])
        new = {Path(f.path).name: f.import_id for f in rep.files}
        got = ws.duck.execute(
            "SELECT account_id, username, followers, posts, import_id FROM accounts ORDER BY account_id"
        ).fetchall()
        assert got == [
            ("ana", "ana", 100, 553, ids["b.csv"]),  # left as it was: its provenance too
            ("bo", "bo", 8, 1, new["a.csv"]),  # changed (username back to a.csv's, 8 followers)
            ("cy", "cy", 3, 3, ids["a.csv"]),
        ]
        assert [f.rows for f in rep.files] == [{"accounts": 1}, {"accounts": 0}]
    finally:
        ws.close()


def test_batches_and_file_order_give_the_same_tables(tmp_path):
    """One import of a folder, the same files in two imports, and a forced re-import of each half: the data tables
    are the same (every column; ``import_id`` compared as the file it names)."""
    d = _two_descriptions(tmp_path / "in")

    one, two = connect(tmp_path / "one.duckdb"), connect(tmp_path / "two.duckdb")
    try:
        import_paths(one, [d])
        import_paths(two, [d / "a.csv"])
        import_paths(two, [d / "b.csv"])
        assert _tables_by_file(one) == _tables_by_file(two)
        import_paths(two, [d], force=True)
        assert _tables_by_file(one) == _tables_by_file(two)
    finally:
        one.close()
        two.close()


def test_failed_import_after_good_files_leaves_every_table_as_it_was(tmp_path, monkeypatch):
    """Good files (merged in earlier groups: ``GROUP_ROWS=0``), then a corrupt one, in one command over a workspace
    that already holds data: every table, the imports log and the rejects are exactly as before."""
    monkeypatch.setattr(_run, "GROUP_ROWS", 0)
    d = _two_descriptions(tmp_path / "in")
    ws_path = tmp_path / "ws.duckdb"
    ws = connect(ws_path)
    try:
        import_paths(ws, [d / "a.csv"])
    finally:
        ws.close()
    ref = tmp_path / "ref.duckdb"
    ref.write_bytes(ws_path.read_bytes())
    bad = tmp_path / "bad"
    bad.mkdir()
    h = "platform,account_id,username,followers,posts"
    _csv(bad / "1.csv", h, "instagram,ana,ana,1000,600", "instagram,dee,dee,1,1")
    _csv(bad / "2.csv", h, "instagram,cy,cy,4,4")
    _csv(bad / "3.csv", h, "instagram,eve,eve,lots,1")
    ws = connect(ws_path)
    try:
        with pytest.raises(ImportFailed):
            import_paths(ws, [bad])
        assert _differences(ws, ref) == {}
    finally:
        ws.close()


# ------------------------------------------------------------------ engine fast path ≡ Python path


def _yt_pages(published: list[str]) -> str:
    """A commentThreads export: one thread per timestamp, each with one reply, the same author twice."""
    items = []
    for i, ts in enumerate(published):
        top = {
            "kind": "youtube#comment",
            "id": f"T{i}",
            "snippet": {
                "channelId": "UCowner",
                "videoId": "v1",
                "textOriginal": f"hi {i}",
                "authorDisplayName": "@fan",
                "authorChannelId": {"value": "UCfan"},
                "likeCount": i,
                "publishedAt": ts,
            },
        }
        reply = {
            "kind": "youtube#comment",
            "id": f"T{i}.r",
            "snippet": {
                "channelId": "UCowner",
                "videoId": "v1",
                "parentId": f"T{i}",
                "textOriginal": "reply",
                "authorDisplayName": "@fan2",
                "authorChannelId": {"value": "UCfan2"},
                "likeCount": 0,
                "publishedAt": "2024-05-10T11:00:00+05:30",
            },
        }
        items.append(
            {
                "kind": "youtube#commentThread",
                "id": f"T{i}",
                "snippet": {
                    "channelId": "UCowner",
                    "videoId": "v1",
                    "topLevelComment": top,
                    "totalReplyCount": 1,
                },
                "replies": {"comments": [reply]},
            }
        )
    page = {"kind": "youtube#commentThreadListResponse", "items": items}
    return json.dumps(page) + "\n"


def _import_fast_and_python(tmp_path, monkeypatch, f, **kw):
    """``f`` imported with the engine fast path allowed (forced for any size) and record by record: per path the
    outcome — every table's rows (but ``import_id`` and the imports log's times), or the error's field."""
    from tribescope.ingest import youtube as yt_mod

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    out = {}
    for path in ("fast", "python"):
        if path == "python":
            monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
        ws = connect(tmp_path / f"{path}.duckdb")
        try:
            try:
                import_paths(ws, [f], **kw)
            except ImportFailed as exc:
                out[path] = ("failed", exc.field)
                continue
            out[path] = {
                t: sorted(ws.duck.execute(f'SELECT * EXCLUDE (import_id) FROM "{t}"').fetchall(), key=repr)
                for t in (*schema.DATA_TABLES, "rejects")
            }
            # the rejects as (path, location, field, reason, raw)
            out[path]["rejects"] = [r[1:] for r in out[path]["rejects"]]
        finally:
            ws.close()
    return out


@pytest.mark.parametrize(
    "odd",
    [
        "2024-01-01T24:00:00Z",  # hour 24: DuckDB reads the next midnight, Python refuses it
        "2024-01-01T10:00:00+24:00",  # an offset of a whole day
        "0000-06-01T10:00:00Z",  # year 0: DuckDB reads 1 BC
        "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
    ],
)
def test_fast_path_refuses_the_timestamps_the_python_path_refuses(tmp_path, monkeypatch, odd):
    """A timestamp the Python path refuses (strict: the import fails naming the field; ``--skip-bad``: the record is
    quarantined) was read by the engine fast path — used for commentThreads files over 1 MB — as some instant: the
    same file imported differently depending on its size, and a bad record silently kept. The plan's check now sends
    such a file down the Python path."""
    f = tmp_path / "commentThreads.jsonl"
    f.write_text(_yt_pages(["2024-05-01T10:00:00+02:00", odd, "2024-05-02T10:00:00.5Z"]))
    strict = _import_fast_and_python(tmp_path / "strict", monkeypatch, f)
    assert (
        strict["fast"]
        == strict["python"]
        == ("failed", "items[1].snippet.topLevelComment.snippet.publishedAt")
    )
    monkeypatch.delenv("TRIBESCOPE_NO_FAST_PATH")
    lenient = _import_fast_and_python(tmp_path / "skip", monkeypatch, f, skip_bad=True)
    assert lenient["fast"] == lenient["python"]
    assert len(lenient["fast"]["rejects"]) == 1


def test_fast_and_python_paths_agree_on_every_column_with_offsets_and_updates(tmp_path, monkeypatch):
    """Timestamps in several offsets, then an updated export of the same comments (new counts, a name gone), then the
    first one again with ``--force``: after each step the engine path and the Python path hold the same rows, every
    column (``import_id`` as the file it names)."""
    from tribescope.ingest import youtube as yt_mod

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    stamps = [
        "2024-05-01T10:00:00+02:00",
        "2024-05-01T08:00:00Z",
        "2024-05-01T03:30:00-04:30",
        "2024-05-01T07:59:59.999999-00:00",
    ]
    first = tmp_path / "v1" / "commentThreads.jsonl"
    first.parent.mkdir()
    first.write_text(_yt_pages(stamps))
    second = tmp_path / "v2" / "commentThreads.jsonl"
    second.parent.mkdir()
    upd = json.loads(_yt_pages(stamps))
    for i, it in enumerate(upd["items"]):
        it["snippet"]["topLevelComment"]["snippet"]["likeCount"] += 10
        if i % 2:
            del it["snippet"]["topLevelComment"]["snippet"]["authorDisplayName"]
    second.write_text(json.dumps(upd) + "\n")

    def state(ws):
        return {
            t: sorted(
                ws.duck.execute(
                    f"""SELECT t.* EXCLUDE (import_id), i.path FROM "{t}" t LEFT JOIN imports i USING (import_id)"""
                ).fetchall(),
                key=repr,
            )
            for t in schema.DATA_TABLES
        }

    states = {}
    for path in ("fast", "python"):
        if path == "python":
            monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
        ws = connect(tmp_path / f"{path}.duckdb")
        try:
            got = []
            import_paths(ws, [first])
            got.append(state(ws))
            import_paths(ws, [second])
            got.append(state(ws))
            import_paths(ws, [first], force=True)
            got.append(state(ws))
            states[path] = got
        finally:
            ws.close()
    assert states["fast"] == states["python"]
    created = {r[1]: r[6] for r in states["fast"][0]["comments"]}
    assert {created[f"T{i}"].isoformat() for i in range(4)} == {
        "2024-05-01T08:00:00+00:00",
        "2024-05-01T07:59:59.999999+00:00",
    }


# ------------------------------------------------------------------ failures


@pytest.mark.parametrize("skip_bad", [False, True])
def test_a_file_that_disappears_fails_the_import_naming_it_and_changes_nothing(
    tmp_path, monkeypatch, skip_bad
):
    """A file listed for the import but gone when its turn comes (moved or deleted meanwhile): the import fails with
    :class:`ImportFailed` naming the file — it raised a bare ``FileNotFoundError``, which the CLI does not report as
    an import error — and every table is as it was, also the files before it merged already."""
    monkeypatch.setattr(_run, "GROUP_ROWS", 0)
    d = _two_descriptions(tmp_path / "in")
    ws_path = tmp_path / "ws.duckdb"
    ws = connect(ws_path)
    try:
        import_paths(ws, [d / "a.csv"])
    finally:
        ws.close()
    ref = tmp_path / "ref.duckdb"
    ref.write_bytes(ws_path.read_bytes())
    gone = tmp_path / "gone.csv"
    real = _run.expand_paths
    monkeypatch.setattr(_run, "expand_paths", lambda paths: [*real(paths), gone])
    ws = connect(ws_path)
    try:
        with pytest.raises(ImportFailed) as err:
            import_paths(ws, [d], force=True, skip_bad=skip_bad)
        assert err.value.path == str(gone)
        assert "could not be read" in str(err.value)
        assert _differences(ws, ref) == {}
    finally:
        ws.close()


# ------------------------------------------------------------------ provenance


def test_import_ids_stay_unique_when_a_file_was_skipped_and_the_next_import_starts_in_the_same_second(
    tmp_path, monkeypatch
):
    """Import ids are ``<second>-<number>``, the number counted on from the stored imports. A file skipped as already
    imported takes a number but writes no ``imports`` row, so counting the rows gave the next import, started in the
    same second, the id of an earlier file: two ``imports`` rows under one key, and rows of two files claiming the
    same import."""
    import datetime as dt
    import types

    frozen = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(
        _run,
        "dt",
        types.SimpleNamespace(UTC=dt.UTC, datetime=types.SimpleNamespace(now=lambda tz=None: frozen)),
    )
    d = tmp_path / "in"
    d.mkdir()
    h = "platform,account_id,username,followers"
    _csv(d / "a.csv", h, "instagram,ana,ana,1")
    _csv(d / "b.csv", h, "instagram,ana,ana,1")  # the same content: skipped
    _csv(d / "c.csv", h, "instagram,cy,cy,1")
    z = _csv(tmp_path / "z.csv", h, "instagram,zed,zed,1")
    ws = connect(tmp_path / "ws.duckdb")
    try:
        first = import_paths(ws, [d])
        assert first.files[1].skipped
        import_paths(ws, [z])
        ids = [r[0] for r in ws.duck.execute("SELECT import_id FROM imports").fetchall()]
        assert len(ids) == len(set(ids)) == 3
        owners = ws.duck.execute(
            "SELECT a.account_id, i.path FROM accounts a JOIN imports i USING (import_id) ORDER BY 1"
        ).fetchall()
        assert [(a, Path(p).name) for a, p in owners] == [("ana", "a.csv"), ("cy", "c.csv"), ("zed", "z.csv")]
    finally:
        ws.close()


# ------------------------------------------------------------------ property: conflicting files, any grouping

_SNAPS = [
    "",
    "2024-01-01T10:00:00+05:00",  # 05:00 UTC
    "2024-01-01T05:00:00Z",  # the same instant
    "2024-01-01T04:00:00-02:00",  # 06:00 UTC
    "1704085200",  # 2024-01-01T05:00:00Z as unix seconds
    "2024-01-01 07:00:00",  # naive: UTC
]
_row = st.tuples(
    st.sampled_from(["k0", "k1", "k2"]),
    st.sampled_from(["", "x", "y"]),
    st.sampled_from(["", "1", "2", "3"]),
    st.sampled_from(["", "10", "20"]),
    st.sampled_from(_SNAPS),
)


@settings(
    max_examples=int(os.environ.get("IDEM_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    files=st.lists(st.lists(_row, min_size=1, max_size=4), min_size=1, max_size=4),
    group_rows=st.sampled_from([0, 500_000]),
)
def test_any_files_batched_or_not_and_a_forced_reimport_changes_nothing(
    tmp_path_factory, monkeypatch, files, group_rows
):
    """Account rows of a few keys in a few CSV files, with conflicting values, missing values and snapshot times in
    several zones and forms (or none). One import of the folder and one import per file (same order) store the same
    rows — every column, ``import_id`` as the file it names —; a forced re-import of the folder, merged in one go or
    file by file, changes no row (``import_id`` included) and reports no row written."""
    tmp = tmp_path_factory.mktemp("prop")
    d = tmp / "in"
    d.mkdir()
    for i, rows in enumerate(files):
        _csv(
            d / f"f{i}.csv",
            "platform,account_id,username,followers,posts,snapshot_at",
            *(",".join(["instagram", *r]) for r in rows),
        )
    monkeypatch.setattr(_run, "GROUP_ROWS", group_rows)

    one, each = connect(tmp / "one.duckdb"), connect(tmp / "each.duckdb")
    try:
        import_paths(one, [d])
        for f in sorted(d.iterdir()):
            import_paths(each, [f])
        assert _tables_by_file(one) == _tables_by_file(each)
        for ws in (one, each):
            before = _snapshot(ws)
            rep = import_paths(ws, [d], force=True)
            after = _snapshot(ws)
            for t in schema.DATA_TABLES:
                assert after[t] == before[t], t
            assert all(n == 0 for f in rep.files for n in f.rows.values())
    finally:
        one.close()
        each.close()


def test_generic_csv_columns_not_imported_are_reported(tmp_path):
    """A generic CSV's columns that no canonical column takes — an unknown one, and a second alias of a column already
    taken — are not imported; the file's report lists them (the module said "listed in the import log", but nothing
    listed them anywhere: their values were dropped without a word)."""
    f = _csv(
        tmp_path / "accounts.csv",
        "platform,account_id,followers,follower_count,folowers",
        "instagram,ana,10,11,12",
    )
    ws = connect(tmp_path / "ws.duckdb")
    try:
        rep = import_paths(ws, [f])
        assert rep.files[0].ignored_columns == ["follower_count", "folowers"]
        assert ws.duck.execute("SELECT followers FROM accounts").fetchall() == [(10,)]
    finally:
        ws.close()


def test_forced_reimport_with_pseudonyms_leaves_the_comments_and_their_import_id(tmp_path):
    """With ``--pseudonymize`` the stored comments carry their authors' pseudonyms; a re-read of the same file stages
    them under the real names (a change), then the pseudonyms put them back. They were left with the new import's id
    (every comment of the file, on every forced re-import); they are the same rows."""
    d = tmp_path / "in"
    d.mkdir()
    _csv(d / "posts.csv", "platform,post_id,creator_id,caption", "youtube,p1,chan,hello")
    _csv(
        d / "comments.csv",
        "platform,comment_id,post_id,author_id,author_name,text,likes",
        "youtube,c1,p1,ufan1,fan one,nice,1",
        "youtube,c2,p1,ufan2,fan two,great,2",
        "youtube,c3,p1,chan,the creator,thanks,0",
    )
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "pseudonym.key")}
    ws = connect(tmp_path / "ws.duckdb")
    try:
        import_paths(ws, [d], options=opts)
        before = _snapshot(ws)
        assert sum(r[3].startswith("p_") for r in before["comments"]) == 2  # author_id
        import_paths(ws, [d], options=opts, force=True)
        after = _snapshot(ws)
        for t in ("comments", "posts", "community_messages"):
            assert after[t] == before[t], t
    finally:
        ws.close()


def test_forced_reimport_skips_a_file_identical_to_an_earlier_file_of_the_same_command(tmp_path):
    """Found by the property above: a folder holding the same file twice with a conflicting file between them. The
    import skips the second copy (identical content); ``--force`` read it again, and its values — later in file
    order at the same snapshot time — replaced the middle file's: the forced re-import changed the data it repeats.
    ``force`` now re-reads what earlier commands imported, not a second copy within the command."""
    d = tmp_path / "in"
    d.mkdir()
    head = "platform,account_id,username,followers,posts,snapshot_at"
    _csv(d / "f0.csv", head, "instagram,k2,y,3,20,2024-01-01T05:00:00Z")
    _csv(d / "f1.csv", head, "instagram,k2,x,2,10,2024-01-01T05:00:00Z")
    _csv(d / "f2.csv", head, "instagram,k2,y,3,20,2024-01-01T05:00:00Z")  # f0 again
    ws = connect(tmp_path / "ws.duckdb")
    try:
        first = import_paths(ws, [d])
        assert [bool(f.skipped) for f in first.files] == [False, False, True]
        before = _snapshot(ws)
        assert ws.duck.execute("SELECT username, followers FROM accounts").fetchall() == [("x", 2)]
        again = import_paths(ws, [d], force=True)
        assert [bool(f.skipped) for f in again.files] == [False, False, True]
        after = _snapshot(ws)
        assert all(after[t] == before[t] for t in schema.DATA_TABLES)
    finally:
        ws.close()


@pytest.mark.parametrize("pseudonymize", [False, True])
def test_forced_reimport_quarantines_the_same_bad_records_once(tmp_path, pseudonymize):
    """A forced re-read of content imported before (the same file, or a copy under another name) refuses the same
    records again: each is quarantined once, under the import that first refused it, as the data rows it leaves as they
    were keep theirs — and every reading still reports what it refused. A file whose content changed is new content:
    its bad records are quarantined under its own import. With pseudonyms the records are compared as stored (without
    the raw record, which pseudonymising drops)."""
    h = "platform,comment_id,post_id,author_id,text,created_at"
    good = "instagram,c1,p1,a1,hello,2024-01-01T00:00:00Z"
    bad = ["instagram,c2,p1,a2,hi,notadate", "instagram,c3,p1,a3,yo,2024-13-45"]
    f = _csv(tmp_path / "comments.csv", h, good, *bad)
    opts = {"table": "comments"}
    if pseudonymize:
        opts |= {"pseudonymize": True, "key_file": str(tmp_path / "pseudonym.key")}
    ws = connect(tmp_path / "ws.duckdb")
    try:
        first = import_paths(ws, [f], skip_bad=True, options=opts)
        before = _snapshot(ws)
        assert first.rejected == 2 and len(before["rejects"]) == 2
        assert pseudonymize == all(r[-1] is None for r in before["rejects"])  # the raw record, not kept then
        copy = tmp_path / "copy.csv"
        copy.write_bytes(f.read_bytes())
        again = import_paths(ws, [f, copy], skip_bad=True, force=True, options=opts)
        after = _snapshot(ws)
        assert [r.rejected for r in again.files] == [
            2,
            0,
        ]  # the copy: identical to a file of the same command
        assert after["rejects"] == before["rejects"]  # the first import's rows, as they were
        for t in schema.DATA_TABLES:
            assert after[t] == before[t], t
        again = import_paths(ws, [copy], skip_bad=True, force=True, options=opts)
        assert again.rejected == 2
        assert _snapshot(ws)["rejects"] == before["rejects"]
        # one more bad record: other content, all three quarantined under the new import
        _csv(f, h, good, *bad, "instagram,c4,p1,a4,hey,yesterday")
        changed = import_paths(ws, [f], skip_bad=True, options=opts)
        rows = ws.duck.execute(
            "SELECT import_id, location FROM rejects ORDER BY import_id, location"
        ).fetchall()
        new_id = changed.files[0].import_id
        assert [loc for i, loc in rows if i == new_id] == ["line 3", "line 4", "line 5"]
        assert len(rows) == 5
    finally:
        ws.close()


@pytest.mark.parametrize("group_rows", [0, 500_000])
def test_a_first_import_keeps_no_originals_and_stamps_rows_as_the_net_merge_does(
    tmp_path, monkeypatch, group_rows
):
    """A first import has no stored row to give its provenance back, so it keeps no originals (it scanned the tables
    it had just filled for them); its tables and per-file figures are those of the net merge — three files that
    change an account and set it back, merged together and file by file (``GROUP_ROWS=0``)."""
    from tribescope.store import _upsert

    monkeypatch.setattr(_run, "GROUP_ROWS", group_rows)
    d = tmp_path / "in"
    d.mkdir()
    h = "platform,account_id,username,followers,posts"
    _csv(d / "a.csv", h, "instagram,ana,ana,100,485", "instagram,bo,bo,7,1")
    _csv(d / "b.csv", h, "instagram,ana,ana,100,553")
    _csv(d / "c.csv", h, "instagram,ana,ana,100,485", "instagram,bo,bo,8,1")

    kept: list[str] = []
    real_keep = _upsert.Stager._keep_originals

    def spy(self, tbl, changed, touched):
        if self.net:
            kept.append(tbl.name)
        return real_keep(self, tbl, changed, touched)

    monkeypatch.setattr(_upsert.Stager, "_keep_originals", spy)
    ws = connect(tmp_path / "first.duckdb")
    try:
        rep = import_paths(ws, [d])
        assert kept == []  # the first import: no originals kept
        got = ws.duck.execute(
            "SELECT account_id, followers, posts, import_id FROM accounts ORDER BY 1"
        ).fetchall()
        ids = {Path(f.path).name: f.import_id for f in rep.files}
        assert got == [("ana", 100, 485, ids["c.csv"]), ("bo", 8, 1, ids["c.csv"])]
        first_rows = [f.rows for f in rep.files]
        first_tables = _tables_by_file(ws)
    finally:
        ws.close()

    # the same import through the net merge (what every later import runs): the same rows, stamps and figures
    real_init = _upsert.Stager.__init__
    monkeypatch.setattr(
        _upsert.Stager, "__init__", lambda self, *a, **k: real_init(self, *a, **{**k, "net": True})
    )
    ws = connect(tmp_path / "net.duckdb")
    try:
        rep = import_paths(ws, [d])
        assert [f.rows for f in rep.files] == first_rows
        assert _tables_by_file(ws) == first_tables
    finally:
        ws.close()
