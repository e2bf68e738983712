"""The stager's merge paths the importer relies on: exact duplicate stubs collapsed only among the keys
that need merging, new rows inserted as staged, and the ``imports`` rows written per merge."""

from __future__ import annotations

import json

import pyarrow as pa

from tribescope import schema
from tribescope.ingest import import_paths
from tribescope.store import connect
from tribescope.store._upsert import Stager

try:  # the tests folder may or may not be a package
    from ._score_fixtures import row_groups
except ImportError:
    from _score_fixtures import row_groups  # type: ignore[no-redef]


def _acc(rows):
    s = schema.arrow_schema("accounts")
    return pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)


def _add(st, imp, rows):
    st.add("accounts", _acc(rows))


def _stage_each(ws, files, *, dedup, step=_add, con=None, net=False):
    """Stage ``files`` in one transaction, each by ``step(stager, import_id, rows)``, merge; the stager. ``con``: the
    stager's connection (default ``ws.duck``); ``net``: the stager's (a later import's net merge)."""
    with ws.transaction():
        st = Stager(con or ws.duck, "", dedup=("accounts",) if dedup else (), net=net)
        for imp, rows in files:
            st.next_file(imp)
            step(st, imp, rows)
        st.merge()
    return st


def _stage(ws, files, *, dedup):
    st = _stage_each(ws, files, dedup=dedup)
    return {f: w.get("accounts", 0) for f, w in st.written.items()}


def _three_files(last):
    """Three files of account rows: A and B; B again (a username) and C twice (an exact duplicate); then ``last``."""
    yt = "youtube"
    f1 = [{"platform": yt, "account_id": "A", "username": "a"}, {"platform": yt, "account_id": "B"}]
    f2 = [
        {"platform": yt, "account_id": "B", "username": "b2"},
        {"platform": yt, "account_id": "C", "username": "c"},
        {"platform": yt, "account_id": "C", "username": "c"},
    ]
    return [("imp-1", f1), ("imp-2", f2), ("imp-3", last)]


def _first_occurrences(rows):
    seen, out = set(), []
    for r in rows:
        k = tuple(sorted(r.items()))
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def test_dedup_among_merged_keys_equals_dedup_first(tmp_path):
    """Stubs repeated within a file (X twice, Y three times) next to new keys, a stored key and a key
    another file repeats: the stager (dedup only where keys need merging) writes what staging each
    file's distinct rows without dedup writes — per file and in the table — and a re-import of the same
    files (every key stored: the no-copy path) changes only X, which the two files name differently."""
    yt = "youtube"
    f1 = [
        {"platform": yt, "account_id": "X", "username": "x"},
        {"platform": yt, "account_id": "Y", "username": "y"},
        {"platform": yt, "account_id": "X", "username": "x"},
        {"platform": yt, "account_id": "N1", "username": "n1"},
        {"platform": yt, "account_id": "S", "followers": 5},
        {"platform": yt, "account_id": "Y", "username": "y"},
        {"platform": yt, "account_id": "Y", "username": "y"},
    ]
    f2 = [
        {"platform": yt, "account_id": "X", "username": "x2"},
        {"platform": yt, "account_id": "N2", "username": "n2"},
        {"platform": yt, "account_id": "N2", "username": "n2"},
    ]
    stored = [{"platform": yt, "account_id": "S", "username": "s", "followers": 3}]
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    try:
        for ws in (a, b):
            _stage(ws, [("i0", stored)], dedup=False)
        got = _stage(a, [("i1", f1), ("i2", f2)], dedup=True)
        want = _stage(b, [("i1", _first_occurrences(f1)), ("i2", _first_occurrences(f2))], dedup=False)
        # i1: X, Y, N1 new and S changed (followers 3 → 5); i2: X changed (username), N2 new
        assert got == want == {"i1": 4, "i2": 2}
        q = "SELECT * FROM accounts ORDER BY account_id"
        rows = a.duck.execute(q).fetchall()
        assert rows == b.duck.execute(q).fetchall()
        assert len(rows) == 5
        again = _stage(a, [("i3", f1), ("i4", f2)], dedup=True)
        again_want = _stage(b, [("i3", _first_occurrences(f1)), ("i4", _first_occurrences(f2))], dedup=False)
        assert again == again_want == {"i3": 1, "i4": 1}
        assert a.duck.execute(q).fetchall() == b.duck.execute(q).fetchall()
    finally:
        a.close()
        b.close()


class _Recording:
    """A DuckDB connection that records the SQL it is given (the stager's statements)."""

    def __init__(self, con):
        self.con, self.sql = con, []

    def execute(self, sql, *args):
        self.sql.append(sql)
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


def _stored_s(tmp_path):
    """A workspace holding the account S (import ``i0``), and a :class:`_Recording` of its connection."""
    ws = connect(tmp_path / "ws.duckdb")
    _stage(ws, [("i0", [{"platform": "youtube", "account_id": "S", "username": "s"}])], dedup=False)
    return ws, _Recording(ws.duck)


def test_keys_only_this_groups_files_staged_twice_are_merged_without_a_delete(tmp_path):
    """Keys that two files of a group stage and the table does not hold are merged and inserted with no ``DELETE`` (a
    probe of every stored row, for nothing); a key the table holds is still replaced, and the rows are the fold's."""
    yt = "youtube"
    ws, rec = _stored_s(tmp_path)
    try:
        files = [
            ("i1", [{"platform": yt, "account_id": "A", "username": "a"}]),
            (
                "i2",
                [
                    {"platform": yt, "account_id": "A", "followers": 7},
                    {"platform": yt, "account_id": "B"},
                ],
            ),
        ]
        st = _stage_each(ws, files, dedup=False, con=rec)
        assert not [q for q in rec.sql if q.lstrip().upper().startswith('DELETE FROM "ACCOUNTS"')]
        assert st.deleted == 0
        assert {f: w.get("accounts", 0) for f, w in st.written.items()} == {"i1": 1, "i2": 2}
        q = "SELECT account_id, username, followers, import_id FROM accounts ORDER BY 1"
        assert ws.duck.execute(q).fetchall() == [
            ("A", "a", 7, "i2"),
            ("B", None, None, "i2"),
            ("S", "s", None, "i0"),
        ]
        # the same two files again, the second now naming S: A and S are stored, so their rows are replaced. (i3's A
        # is a profile, with its follower count: a bare name — an author stub — no longer replaces the name of a
        # stored account that has more, qa73)
        rec.sql.clear()
        files = [
            ("i3", [{"platform": yt, "account_id": "A", "username": "a3", "followers": 7}]),
            (
                "i4",
                [
                    {"platform": yt, "account_id": "A", "followers": 7},
                    {"platform": yt, "account_id": "S", "followers": 1},
                ],
            ),
        ]
        st = _stage_each(ws, files, dedup=False, con=rec)
        assert [q for q in rec.sql if q.lstrip().upper().startswith('DELETE FROM "ACCOUNTS"')]
        assert st.deleted == 2
        assert ws.duck.execute(q).fetchall() == [
            ("A", "a3", 7, "i3"),
            ("B", None, None, "i2"),
            ("S", "s", 1, "i4"),
        ]
        # one file staging a new key twice (its own merge): no DELETE either; then one file naming a stored key
        rec.sql.clear()
        c = [
            {"platform": yt, "account_id": "C", "username": "c"},
            {"platform": yt, "account_id": "C", "followers": 2},
        ]
        st = _stage_each(ws, [("i5", c)], dedup=False, con=rec)
        assert not [q for q in rec.sql if q.lstrip().upper().startswith('DELETE FROM "ACCOUNTS"')]
        assert (st.deleted, st.written["i5"]["accounts"]) == (0, 1)
        rec.sql.clear()
        b = [
            {"platform": yt, "account_id": "B", "username": "b"},
            {"platform": yt, "account_id": "B", "followers": 4},
        ]
        st = _stage_each(ws, [("i6", b)], dedup=False, con=rec)
        assert (st.deleted, st.written["i6"]["accounts"]) == (1, 1)
        assert ws.duck.execute(q).fetchall() == [
            ("A", "a3", 7, "i3"),
            ("B", "b", 4, "i6"),
            ("C", "c", 2, "i5"),
            ("S", "s", 1, "i4"),
        ]
    finally:
        ws.close()


def test_a_net_merge_keeps_originals_only_of_stored_keys(tmp_path):
    """A later import's merge (``net``) looks for the originals of the keys it changes only when some of them is
    stored: a group and a file staging only new keys twice keep none and read no stored row for them; a group
    naming a stored key keeps that row as it was."""
    yt = "youtube"
    ws, rec = _stored_s(tmp_path)
    try:
        new_twice = [
            ("i1", [{"platform": yt, "account_id": "A", "username": "a"}]),
            ("i2", [{"platform": yt, "account_id": "A", "followers": 7}]),
        ]
        st = _stage_each(ws, new_twice, dedup=False, con=rec, net=True)
        st_one = _stage_each(
            ws,
            [
                (
                    "i3",
                    [
                        {"platform": yt, "account_id": "C", "username": "c"},
                        {"platform": yt, "account_id": "C"},
                    ],
                )
            ],
            dedup=False,
            con=rec,
            net=True,
        )
        assert not [q for q in rec.sql if "__orig_" in q]
        assert (st.finish(), st_one.finish()) == ({}, {})
        named = [
            ("i4", [{"platform": yt, "account_id": "S", "followers": 1}]),
            ("i5", [{"platform": yt, "account_id": "S", "followers": 2}]),
        ]
        _stage_each(ws, named, dedup=False, con=rec, net=True)
        assert ws.duck.execute(
            'SELECT account_id, username, followers, import_id FROM "__orig_accounts"'
        ).fetchall() == [("S", "s", None, "i0")]
        q = "SELECT account_id, username, followers, import_id FROM accounts ORDER BY 1"
        assert ws.duck.execute(q).fetchall() == [
            ("A", "a", 7, "i2"),
            ("C", "c", None, "i3"),
            ("S", "s", 2, "i5"),
        ]
    finally:
        ws.close()


def test_same_content_twice_in_one_command_is_read_once(tmp_path):
    """Two files with identical content in one import: the second is skipped naming the first's import,
    and each ``imports`` row carries the rows its own file wrote (written at the merge, not per file)."""
    body = "platform,account_id,username,followers\ninstagram,ana,ana,10\ninstagram,bo,bo,20\n"
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.csv").write_text(body)
    (d / "b.csv").write_text(body)
    (d / "c.csv").write_text("platform,account_id,username,followers\ninstagram,cy,cy,30\n")
    ws = connect(tmp_path / "ws.duckdb")
    try:
        rep = import_paths(ws, [d])
        a, b, c = rep.files
        assert not a.skipped and b.skipped == f"identical content already imported (import {a.import_id})"
        assert b.import_id == a.import_id and not c.skipped and c.import_id != a.import_id
        got = dict(ws.duck.execute("SELECT path, rows FROM imports").fetchall())
        assert {k.rsplit("/", 1)[1]: json.loads(v) for k, v in got.items()} == {
            "a.csv": {"accounts": 2},
            "c.csv": {"accounts": 1},
        }
        again = import_paths(ws, [d])
        assert all(f.skipped for f in again.files)
        assert ws.duck.execute("SELECT count(*) FROM imports").fetchone()[0] == 2
    finally:
        ws.close()


def test_rows_staged_from_an_engine_table_merge_like_arrow_rows(tmp_path):
    """The engine fast path stages a mapped file straight from its table (``add_relation``, no Arrow round trip),
    between files staged from Arrow: the merge writes what staging the same rows from Arrow writes — the stored
    rows, the file that last changed each, per-file counts — with the later file's value winning on a shared key."""
    files = _three_files([{"platform": "youtube", "account_id": "A", "username": "a3"}])

    arrow_ws = connect(tmp_path / "arrow.duckdb")
    rel_ws = connect(tmp_path / "relation.duckdb")
    try:
        written_arrow = _stage(arrow_ws, files, dedup=True)

        def step(st, imp, rows):
            if imp == "imp-2":  # this file's rows come from an engine table
                rel_ws.duck.from_arrow(_acc(rows)).create("mapped")
                assert st.add_relation("accounts", "mapped") == 3
            else:
                _add(st, imp, rows)

        st = _stage_each(rel_ws, files, dedup=True, step=step)
        written_rel = {f: w.get("accounts", 0) for f, w in st.written.items()}
        q = "SELECT account_id, username, import_id FROM accounts ORDER BY account_id"
        assert (
            rel_ws.duck.execute(q).fetchall()
            == arrow_ws.duck.execute(q).fetchall()
            == [
                ("A", "a3", "imp-3"),
                ("B", "b2", "imp-2"),
                ("C", "c", "imp-2"),
            ]
        )
        assert written_rel == written_arrow == {"imp-1": 2, "imp-2": 2, "imp-3": 1}
    finally:
        arrow_ws.close()
        rel_ws.close()


def test_rows_written_to_the_stage_while_the_import_waits_merge_as_if_gathered(tmp_path):
    """``write_pending`` (called while the import waits for a file) writes the tables with at least ``min_rows``
    rows gathered in Arrow to the stage and leaves the others gathered; the merge then writes exactly what the same
    rows gathered until the merge write: the stored rows, the file that last changed each, per-file counts."""
    yt = "youtube"
    files = _three_files(
        [{"platform": yt, "account_id": "A", "username": "a3"}, {"platform": yt, "account_id": "D"}]
    )
    gathered_ws = connect(tmp_path / "gathered.duckdb")
    written_ws = connect(tmp_path / "written.duckdb")
    try:
        written_gathered = _stage(gathered_ws, files, dedup=True)
        pending = []

        def step(st, imp, rows):
            _add(st, imp, rows)
            st.write_pending(min_rows=3)  # after imp-1 (2 rows gathered): not yet; after imp-2 (5): written
            pending.append(dict(st._pending_rows))

        st = _stage_each(written_ws, files, dedup=True, step=step)
        assert pending == [{"accounts": 2}, {}, {"accounts": 2}]
        q = "SELECT account_id, username, import_id FROM accounts ORDER BY account_id"
        assert (
            written_ws.duck.execute(q).fetchall()
            == gathered_ws.duck.execute(q).fetchall()
            == [("A", "a3", "imp-3"), ("B", "b2", "imp-2"), ("C", "c", "imp-2"), ("D", None, "imp-3")]
        )
        assert {f: w.get("accounts", 0) for f, w in st.written.items()} == written_gathered
        assert written_gathered == {"imp-1": 2, "imp-2": 2, "imp-3": 2}
    finally:
        gathered_ws.close()
        written_ws.close()


def test_files_are_planned_before_their_hashes_only_when_no_other_content_has_their_size(
    tmp_path, monkeypatch
):
    """A file's hash is awaited before it is planned only when its size matches a stored import or another file
    of the command (identical content has the same size); every ``imports`` row still carries its file's hash,
    two different files of one size are both read, and a file identical to a stored import is skipped."""
    import hashlib

    from tribescope.ingest import _run

    head = "platform,account_id,username,followers\n"
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.csv").write_text(head + "instagram,ana,ana,10\n")
    (d / "b.csv").write_text(head + "instagram,bob,bob,20\n")  # the same size as a.csv, other content
    (d / "c.csv").write_text(head + "instagram,cyrus,cyrus,300\n")  # a size of its own
    awaited: list[str] = []
    real = _run._sha256_futures

    def spy(files):
        class Watched:
            def __init__(self, f, fut):
                self.f, self.fut = f, fut

            def result(self):
                awaited.append(self.f.name)
                return self.fut.result()

        return [Watched(f, fut) for f, fut in zip(files, real(files), strict=True)]

    detect = _run.detect_format

    def spy_detect(src, forced=None, options=None):
        awaited.append("planned " + src.path.name)
        return detect(src, forced, options)

    monkeypatch.setattr(_run, "_sha256_futures", spy)
    monkeypatch.setattr(_run, "detect_format", spy_detect)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        rep = import_paths(ws, [d])
        assert [f.skipped for f in rep.files] == ["", "", ""]
        # a and b are hashed before they are planned (their size repeats); c only for its imports row, after
        assert awaited == ["a.csv", "planned a.csv", "b.csv", "planned b.csv", "planned c.csv", "c.csv"]
        want = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}
        got = dict(ws.duck.execute("SELECT regexp_extract(path, '[^/]+$'), sha256 FROM imports").fetchall())
        assert got == want
        assert ws.counts()["accounts"] == 3
        awaited.clear()
        (d / "d.csv").write_text(head + "instagram,dan,dan,4000\n")  # new, and no stored import has its size
        rep = import_paths(ws, [d])
        skipped = {f.path.rsplit("/", 1)[-1]: f.skipped for f in rep.files}
        assert all(skipped[n] for n in ("a.csv", "b.csv", "c.csv")) and not skipped["d.csv"]
        assert [a for a in awaited if not a.startswith("planned")] == ["a.csv", "b.csv", "c.csv", "d.csv"]
        assert awaited.index("d.csv") > awaited.index("planned d.csv")
        assert ws.counts()["accounts"] == 4
    finally:
        ws.close()


def test_first_import_commit_keeps_row_groups_as_written_later_imports_compact(tmp_path, monkeypatch):
    """A first import's commit skips the checkpoint's vacuum (it would only merge partial row groups, rewriting the
    rows after them); an import into a workspace that holds rows vacuums as before. Same rows either way."""
    from tribescope.ingest import _run

    monkeypatch.setattr(_run, "GROUP_ROWS", 100_000)  # a merge (and an insert) after each of the two files
    d = tmp_path / "acc"
    for name, lo, hi in (("a.csv", 0, 130_000), ("b.csv", 130_000, 190_000)):
        lines = "".join(f"instagram,u{i},u{i}\n" for i in range(lo, hi))
        (d / name[0]).mkdir(parents=True)  # one folder each: a group ends between folders (see _group_ends)
        (d / name[0] / name).write_text("platform,account_id,username\n" + lines)
    seed = tmp_path / "seed.csv"
    seed.write_text("platform,account_id,username\ninstagram,someone,someone\n")
    layouts, contents = [], []
    for first in (True, False):
        path = tmp_path / f"w{first}.duckdb"
        ws = connect(path)
        try:
            if not first:
                import_paths(ws, [seed])
            import_paths(ws, [d])
            assert ws.duck.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()[0] == 100
        finally:
            ws.close()  # checkpoints what the commit did not
        ws = connect(path)
        try:
            layouts.append(row_groups(ws, "accounts"))
            contents.append(
                ws.duck.execute(
                    "SELECT count(*), count(DISTINCT account_id) FROM accounts WHERE account_id <> 'someone'"
                ).fetchone()
            )
        finally:
            ws.close()
    assert contents == [(190_000, 190_000)] * 2
    # first import: 130k rows → 122,880 + 7,120, then 60,000: three row groups, as inserted
    assert layouts[0] == [122_880, 7_120, 60_000]
    # the same import after another: the checkpoint vacuums, merging partial row groups
    assert sum(layouts[1]) == 190_001 and len(layouts[1]) < 4, layouts[1]


def _merges(monkeypatch):
    """Record each merge of an import: (how many files it merged, stored rows the stager had replaced so far)."""
    seen = []
    merge = Stager.merge

    def spy(self):
        files = self.files
        out = merge(self)
        seen.append((len(files), self.deleted))
        return out

    monkeypatch.setattr(Stager, "merge", spy)
    return seen


def _stubs_then_profiles(root, n):
    """One export folder of ``n`` account stubs, then their profiles (a later file filling their followers), and a
    second folder of one account."""
    x, y = root / "x", root / "y"
    x.mkdir(parents=True)
    y.mkdir()
    (x / "a_stubs.csv").write_text(
        "platform,account_id,username\n" + "".join(f"tiktok,u{i},u{i}\n" for i in range(n))
    )
    (x / "b_profiles.csv").write_text(
        "platform,account_id,username,followers\n"
        + "".join(f"tiktok,u{i},u{i},{100 + i}\n" for i in range(n))
    )
    (y / "c.csv").write_text("platform,account_id,username\ninstagram,solo,solo\n")
    return root


def test_a_group_stays_open_between_files_of_one_folder_so_no_row_the_import_stored_is_replaced(
    tmp_path, monkeypatch
):
    """A group due between two files of one folder stays open: the profiles merge with the stubs they describe in one
    group, and no row the import stored is deleted and inserted again (which has DuckDB's commit append every new row
    of the table again). The stored rows are those of the fold, file by file; the next folder starts a new group."""
    from tribescope.ingest import _run

    d = _stubs_then_profiles(tmp_path / "in", 3)
    tables = []
    for group_rows, want in ((2, [(2, 0), (1, 0)]), (0, [(1, 0), (1, 3), (1, 3)])):
        monkeypatch.setattr(_run, "GROUP_ROWS", group_rows)
        seen = _merges(monkeypatch)
        ws = connect(tmp_path / f"g{group_rows}.duckdb")
        try:
            import_paths(ws, [d])
            tables.append(
                ws.duck.execute(
                    "SELECT platform, account_id, username, followers FROM accounts ORDER BY ALL"
                ).fetchall()
            )
        finally:
            ws.close()
        # (files merged, rows replaced so far): 3 stubs ≥ GROUP_ROWS=2, yet the profiles join their group
        assert seen == want, (group_rows, seen)
    assert tables[0] == tables[1]
    assert tables[0][:1] == [("instagram", "solo", "solo", None)]
    assert tables[0][1:] == [("tiktok", f"u{i}", f"u{i}", 100 + i) for i in (0, 1, 2)]


def test_a_group_of_one_folder_ends_at_the_folder_factor_of_group_rows(tmp_path, monkeypatch):
    """Held open between the files of a folder, a group still ends once it holds GROUP_FOLDER_FACTOR × GROUP_ROWS
    staged rows (bounded staging), and then the profiles replace the stubs stored before them."""
    from tribescope.ingest import _run

    monkeypatch.setattr(_run, "GROUP_ROWS", 2)
    seen = _merges(monkeypatch)
    d = _stubs_then_profiles(tmp_path / "in", 2 * _run.GROUP_FOLDER_FACTOR)
    ws = connect(tmp_path / "w.duckdb")
    try:
        import_paths(ws, [d])
        assert ws.duck.execute("SELECT count(followers) FROM accounts").fetchone()[0] == 8
    finally:
        ws.close()
    assert seen == [(1, 0), (1, 8), (1, 8)]


def test_a_due_group_ends_between_folders_or_past_the_factor(monkeypatch):
    """The decision itself: due or not, same folder or not, the factor; a fast plan's rows (read in place from the
    plan's database, which the merge frees) keep a due group open between files of one folder like staged rows."""
    from pathlib import Path
    from types import SimpleNamespace

    from tribescope.ingest import _run

    monkeypatch.setattr(_run, "GROUP_ROWS", 10)
    a, b, c = Path("x/a.json"), Path("x/b.json"), Path("y/c.json")

    def ends(rows, parts=False, after=b):
        return _run._group_ends(SimpleNamespace(staged_rows=rows, holds_parts=parts), a, after)

    assert not ends(9)
    assert not ends(10) and not ends(39)
    assert ends(40)
    assert ends(10, after=c) and ends(10, after=None)
    assert not ends(10, parts=True) and not ends(39, parts=True)
    assert ends(40, parts=True) and ends(10, parts=True, after=c)
    assert not ends(9, parts=True)
