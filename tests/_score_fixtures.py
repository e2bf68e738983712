"""Tiny hand-built workspaces for the feature, metric and score tests (no real data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from tribescope import schema

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def rows_to_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    sch = schema.arrow_schema(name)
    cols = {f.name: [r.get(f.name) for r in rows] for f in sch}
    return pa.table(cols, schema=sch)


def insert(ws: Any, name: str, rows: list[dict[str, Any]]) -> None:
    ws.duck.register("__fx", rows_to_table(name, rows))
    try:
        ws.duck.execute(f'INSERT INTO "{name}" SELECT * FROM __fx')
    finally:
        ws.duck.unregister("__fx")


def comment(
    cid: str, post: str, author: str, text: str, minutes: int, parent: str | None = None
) -> dict[str, Any]:
    return {
        "platform": "instagram",
        "comment_id": cid,
        "post_id": post,
        "author_id": author,
        "author_name": author,
        "parent_comment_id": parent,
        "created_at": T0 + timedelta(minutes=minutes),
        "text": text,
    }


#: The bakery thread: 10 comments under two posts of creator "cre" (see tests for the hand-computed values).
BAKERY_COMMENTS = [
    comment("c1", "p1", "alice", "I tried the banana bread recipe, so good", 10),
    comment("c2", "p1", "bob", "@alice did you use brown sugar in yours?", 20, "c1"),
    comment("c3", "p1", "alice", "@bob yes, dark brown sugar works best", 30, "c1"),
    comment("c4", "p1", "cre", "@alice so glad you liked it", 70, "c1"),
    comment("c5", "p1", "carol", "❤️❤️", 15),
    comment("c6", "p1", "dave", "@erin", 16),
    comment("c7", "p1", "erin", "@dave 😂", 17, "c6"),
    comment("c8", "p1", "frank", "nice", 18),
    comment("c9", "p2", "alice", "Which flour did you use for this banana loaf?", 24 * 60 + 5),
    comment("c10", "p2", "bob", "@alice I used spelt flour last week, turned out great", 24 * 60 + 9, "c9"),
]

BAKERY_POSTS = [
    {
        "platform": "instagram",
        "post_id": "p1",
        "creator_id": "cre",
        "created_at": T0,
        "likes": 90,
        "comments_count": 8,
        "caption": "Banana bread recipe with brown sugar #baking #bananabread",
        "hashtags": ["baking", "bananabread"],
        "mentions": [],
        "tagged_users": [],
    },
    {
        "platform": "instagram",
        "post_id": "p2",
        "creator_id": "cre",
        "created_at": T0 + timedelta(days=1),
        "likes": 110,
        "comments_count": 2,
        "caption": "Banana loaf, spelt flour. Use my code BAKE10 #baking #ad",
        "hashtags": ["baking", "ad"],
        "mentions": ["flourco"],
        "tagged_users": ["flourco"],
    },
]

BAKERY_ACCOUNTS = [
    {"platform": "instagram", "account_id": "cre", "username": "Cre", "followers": 4000, "following": 300},
    {
        "platform": "instagram",
        "account_id": "alice",
        "username": "alice",
        "followers": 300,
        "following": 280,
        "posts": 40,
        "has_profile_pic": True,
    },
    {
        "platform": "instagram",
        "account_id": "bob",
        "username": "bob",
        "followers": 20,
        "following": 7600,
        "posts": 0,
        "has_profile_pic": False,
    },
    {
        "platform": "instagram",
        "account_id": "carol",
        "username": "carol",
        "followers": 9000,
        "following": 400,
    },
    {"platform": "instagram", "account_id": "dave", "username": "dave", "followers": 900, "following": 2000},
]


def bakery(ws: Any) -> Any:
    insert(ws, "posts", BAKERY_POSTS)
    insert(ws, "comments", BAKERY_COMMENTS)
    insert(ws, "accounts", BAKERY_ACCOUNTS)
    return ws


def imported_synth(d: Any, seed: int, scale: str = "xs") -> Any:
    """``tribescope synth`` exports of ``scale`` / ``seed`` in ``d/exports``, imported into ``d/ws.duckdb``; the
    open workspace."""
    from tribescope.ingest import import_paths
    from tribescope.store import connect
    from tribescope.synth import generate

    generate(d / "exports", scale, seed)
    ws = connect(d / "ws.duckdb")
    import_paths(ws, [d / "exports"])
    return ws


def assert_same_rows(a: pa.Table, b: pa.Table, what: str, *, any_order: bool = False) -> None:
    """Same columns and rows (in the same order unless ``any_order``: then sorted by every non-list column); floats
    within 1e-9 relative (sums in another order), NaN and null alike; everything else equal."""
    import math

    if any_order:
        keys = [(f.name, "ascending") for f in a.schema if not pa.types.is_list(f.type)]
        a, b = a.sort_by(keys), b.sort_by(keys)
    assert a.column_names == b.column_names, what
    assert a.num_rows == b.num_rows, what
    for name in a.column_names:
        x, y = a[name].to_pylist(), b[name].to_pylist()
        if pa.types.is_floating(a[name].type):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                if u is None or v is None or math.isnan(u) or math.isnan(v):
                    assert (u is None or math.isnan(u)) == (v is None or math.isnan(v)), (what, name, i, u, v)
                else:
                    assert abs(u - v) <= 1e-9 * max(1.0, abs(u)), (what, name, i, u, v)
        else:
            assert x == y, (what, name)


def row_groups(ws: Any, table: str) -> list[int]:
    """Rows per row group of a workspace table, in order (DuckDB's ``pragma_storage_info``)."""
    return [
        n
        for _, n in ws.duck.execute(
            "SELECT row_group_id, max(count) FROM pragma_storage_info(?) "
            "WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY 1",
            [table],
        ).fetchall()
    ]


def run_cli(wsfile: str, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    """``tribescope -w WS ARGS…`` in-process (wide, no wrapping, unless ``env`` says otherwise): exit code, stdout,
    stderr, with the workspaces closed again as ``main`` does."""
    from typer.testing import CliRunner

    from tribescope.cli import app, state

    try:
        r = CliRunner().invoke(app, ["--workspace", wsfile, *args], env={"COLUMNS": "400", **(env or {})})
    finally:
        state.close_all()
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


def run_main(wsfile: Any, *args: str) -> int | str | None:
    """``tribescope -w WS ARGS…`` through ``cli.main()`` in-process — its exit codes, Ctrl-C and error messages as the
    installed command gives them (:func:`run_cli` invokes the Typer app alone): the exit code (0 when it returned)."""
    import sys

    from tribescope import cli

    argv = sys.argv
    sys.argv = ["tribescope", "--workspace", str(wsfile), *args]
    try:
        cli.main()
    except SystemExit as exc:
        return exc.code
    finally:
        sys.argv = argv
    return 0


def scored_synth_path(d: Any, seed: int) -> str:
    """The path of ``synth --scale xs --seed SEED`` imported into ``d/ws.duckdb`` and scored by the CLI."""
    ws = imported_synth(d, seed)
    ws.close()
    path = str(d / "ws.duckdb")
    code, out, err = run_cli(path, "score")
    assert code == 0, out + err
    return path


def two_brands(ws: Any) -> None:
    """Brand profiles Acme (handle acmeco, keyword anvil) and Lumera (lumera, serum), and the Instagram accounts alice
    and bob (10,000 followers each): the campaign-marking tests' workspace before their posts."""
    from tribescope.brand import add_brand

    add_brand(ws, "Acme", handles="acmeco", keywords="anvil")
    add_brand(ws, "Lumera", handles="lumera", keywords="serum")
    insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": c, "username": c, "followers": 10_000}
            for c in ("alice", "bob")
        ],
    )


def score_run(ws: Any, *, full: bool = False) -> tuple[pa.Table, Any]:
    """Score ``ws`` as ``tribescope score`` does, incrementally unless ``full``: the scores and the
    :class:`~tribescope.score._cache.ScoreRun` (its ``recomputed`` counts per stage)."""
    from tribescope.score import score_creators
    from tribescope.score._cache import ScoreRun
    from tribescope.score._enrich import enrich

    run = ScoreRun.open(ws, full=full)
    enrich(ws, run=run)
    return score_creators(ws, run=run), run


def scratch_full_score(path: Any, scratch_path: Any) -> tuple[pa.Table, Any, Any]:
    """A copy of the (closed) workspace file ``path`` at ``scratch_path`` with every score cache, model table and
    stored score dropped, scored from scratch: the scores an incremental re-score must equal. Returns the scores, the
    open copy (the caller closes it) and the run."""
    import shutil

    from tribescope.score._enrich import ENRICHMENTS
    from tribescope.store import connect

    shutil.copy(path, scratch_path)
    scratch = connect(scratch_path)
    for name in scratch.list_tables():
        if name.startswith("_score_cache") or name in (*ENRICHMENTS, "comment_features", "creator_scores"):
            scratch.duck.execute(f'DROP TABLE "{name}"')
    full, run = score_run(scratch)
    return full, scratch, run


def creator_answering_under_another_id(ws: Any) -> None:
    """ivy posts four times; her regulars u1 and u2 comment within the hour on each, and ivy answers both, each time
    within the hour, from her account 9999 (username "ivy": one of her own accounts, as the metrics see it)."""
    insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "ivy", "username": "ivy", "followers": 4000},
            {"platform": "instagram", "account_id": "9999", "username": "ivy"},
        ],
    )
    posts = [f"p{i}" for i in range(4)]
    insert(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": p,
                "creator_id": "ivy",
                "created_at": T0.replace(day=1 + 7 * i),
            }
            for i, p in enumerate(posts)
        ],
    )
    rows = []
    for i, p in enumerate(posts):
        m = 7 * 24 * 60 * i
        rows += [
            comment(f"{p}a", p, "u1", "which moss did you use for the bottom layer", m + 5),
            comment(f"{p}b", p, "u2", "my jar keeps fogging up every single morning", m + 10),
            comment(f"{p}c", p, "9999", "@u1 sheet moss from the garden centre", m + 20, f"{p}a"),
            comment(f"{p}d", p, "9999", "@u2 crack the lid open for an hour", m + 25, f"{p}b"),
        ]
    insert(ws, "comments", rows)
