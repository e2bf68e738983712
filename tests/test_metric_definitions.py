"""Every metric column has one documented definition, and the definitions say what the code computes.

The index is the table "Every column of the score table" in docs/scoring.md: one row per column of the score table
(``c_<component>`` / ``w_<component>`` aside), naming the function that defines it and its formula. A column defined
in :mod:`tribescope.metrics` must also be named in that function's docstring (the formula lives there).
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tribescope import metrics as M

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, bakery, comment, insert
except ImportError:
    from _score_fixtures import T0, bakery, comment, insert  # type: ignore[no-redef]

DOC = Path(__file__).resolve().parents[1] / "docs" / "scoring.md"
_HEADING = "### Every column of the score table"


def column_index() -> dict[str, tuple[str, str]]:
    """``{column: (defined in, formula)}`` from the docs table (each cell may name several columns)."""
    text = DOC.read_text(encoding="utf-8")
    assert _HEADING in text, f"{DOC} lost its column table ({_HEADING!r})"
    section = text.split(_HEADING, 1)[1].split("\n#", 1)[0]
    out: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        where = re.fullmatch(r"`([\w.]+):([\w.]+)`", cells[1])
        assert where, f"row {cells[0]}: 'defined in' must be `module:function`, not {cells[1]!r}"
        assert cells[2], f"row {cells[0]} has no formula"
        for col in re.findall(r"`(\w+)`", cells[0]):
            assert col not in out, f"{col} is documented twice in {DOC.name}"
            out[col] = (f"{where[1]}:{where[2]}", cells[2])
    return out


def _resolve(ref: str) -> object:
    mod, name = ref.split(":")
    obj: object = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _link_space(ws) -> None:
    insert(
        ws,
        "community_links",
        [
            {
                "platform": "discord",
                "space_id": "g1",
                "creator_platform": "instagram",
                "creator_id": "cre",
                "members": 50,
            }
        ],
    )
    insert(
        ws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": "m1",
                "space_id": "g1",
                "author_id": "1",
                "author_name": "alice",
                "created_at": T0,
                "text": "hi",
            }
        ],
    )


@pytest.fixture(scope="module")
def score_table(tmp_path_factory):
    """A full ``tribescope score`` (models, sentiment, a linked space) of the bakery workspace."""
    from tribescope.score import score_workspace
    from tribescope.store import connect

    w = connect(tmp_path_factory.mktemp("defs") / "ws.duckdb")
    try:
        bakery(w)
        _link_space(w)
        return score_workspace(w)
    finally:
        w.close()


@pytest.fixture(scope="module")
def score_columns(score_table) -> list[str]:
    """The columns of :func:`score_table`."""
    return list(score_table.column_names)


def undocumented(columns: list[str], index: dict[str, tuple[str, str]]) -> list[str]:
    """The score columns (``c_`` / ``w_`` aside) without a row in the docs table."""
    return [c for c in columns if not re.fullmatch(r"[cw]_\w+", c) and c not in index]


def test_every_score_column_has_one_documented_definition(score_columns):
    from tribescope.score import load_spec

    index = column_index()
    assert undocumented(score_columns, index) == [], f"score columns without a row in {DOC.name}"
    assert [c for c in index if c not in score_columns] == [], f"rows of {DOC.name} the score table lacks"
    # c_ / w_ columns are the spec's components, documented there
    names = {c.name for c in load_spec().components}
    assert {c[2:] for c in score_columns if re.fullmatch(r"[cw]_\w+", c)} <= names
    for col, (ref, _) in index.items():
        obj = _resolve(ref)  # a stale reference fails here
        if ref.startswith("tribescope.metrics:"):
            doc = getattr(obj, "__doc__", None) or ""
            assert f"``{col}``" in doc, f"{ref}'s docstring does not define ``{col}``"


def test_the_spec_is_checked_against_the_columns_a_full_score_gives(score_table):
    """A spec's columns are checked before the import and the models run (`tribescope score PATHS --spec`), against a
    list of the score table's columns known without computing: it must be the columns a full score gives (c_ / w_
    aside), each documented, and those it says hold text or times must."""
    import pyarrow as pa

    from tribescope.score._spec import SCORE_TABLE_COLUMNS, TEXT_COLUMNS

    plain = [c for c in score_table.column_names if not re.fullmatch(r"[cw]_\w+", c)]
    assert list(SCORE_TABLE_COLUMNS) == plain
    assert set(column_index()) == set(SCORE_TABLE_COLUMNS)
    numeric = {
        f.name
        for f in score_table.schema
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type)
    }
    unknown = {c for c in plain if score_table.column(c).null_count == score_table.num_rows}  # typed as text
    assert {c for c in plain if c not in numeric} - unknown == TEXT_COLUMNS - unknown
    assert TEXT_COLUMNS.isdisjoint(numeric)


def test_a_new_undocumented_column_is_caught(score_columns):
    """The check is not vacuous: a metric family adding a column nobody documented is reported."""
    index = column_index()
    assert undocumented([*score_columns, "c_anything", "made_up_share"], index) == ["made_up_share"]
    del index["er_median"]
    assert undocumented(score_columns, index) == ["er_median"]


# ------------------------------------------------------------------------------------ definitions by hand
def _one(expr):
    rows = expr.to_pyarrow().to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_retention_splits_an_odd_number_of_posts_first_ceil_half(ws):
    """Three commented posts q0 < q1 < q2: the earlier half is q0, q1 (⌈3/2⌉), the later q2.

    q0: a, b; q1: c; q2: a, c → earlier commenters a, b, c; also later: a, c → 2/3. Returning: a, c of a, b, c."""
    insert(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": f"q{i}",
                "creator_id": "k",
                "created_at": T0 + timedelta(days=i),
            }
            for i in range(3)
        ],
    )
    insert(
        ws,
        "comments",
        [
            comment("x1", "q0", "a", "hello there friend", 1),
            comment("x2", "q0", "b", "hello there friend", 2),
            comment("x3", "q1", "c", "hello there friend", 24 * 60 + 1),
            comment("x4", "q2", "a", "hello there friend", 48 * 60 + 1),
            comment("x5", "q2", "c", "hello there friend", 48 * 60 + 2),
        ],
    )
    r = _one(M.connectedness(M.threads(ws.table("comments"), ws.table("posts"))))
    assert r["retention"] == pytest.approx(2 / 3)
    assert r["returning_commenter_share"] == pytest.approx(2 / 3)


def test_likes_cv_is_sample_std_over_mean(ws):
    """Likes 10, 20, 60: mean 30, sample variance ((−20)² + (−10)² + 30²) / 2 = 700 → cv √700 / 30."""
    insert(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": f"q{i}", "creator_id": "k", "created_at": T0, "likes": n}
            for i, n in enumerate((10, 20, 60))
        ],
    )
    insert(ws, "accounts", [{"platform": "instagram", "account_id": "k", "username": "k", "followers": 1000}])
    r = _one(M.engagement(ws.table("posts"), ws.table("accounts"), ws.table("comments")))
    assert r["likes_cv"] == pytest.approx(700**0.5 / 30)
    assert r["n_posts_er"] == 3 and r["er_median"] == pytest.approx(0.02)
