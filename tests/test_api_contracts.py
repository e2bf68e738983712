"""The public Python API fails at its entry, saying what to pass, instead of deep inside.

* Every public function that takes a workspace, given a path (str or Path) instead of a Workspace: a TypeError naming
  the function and ``tribescope.connect(path)`` — as ``import_paths``, ``score_creators``, ``explain`` and
  ``score_workspace`` always did — not an AttributeError (``'str' object has no attribute 'table'``).
* A write on a workspace opened with ``read_only=True``: a WorkspaceError saying so and naming what the call wanted
  to write, not DuckDB's own read-only error or "Table with name brands does not exist".
* ``score_comments``/``add_sentiment`` of a table without its text column: a ValueError naming it (it scored every
  row as an empty text); ``comment_quality``/``rule_quality``/``sentiment_scores`` of one ``str``: one text (they
  scored each of its characters).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tribescope.errors import WorkspaceError
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery
except ImportError:
    from _score_fixtures import bakery  # type: ignore[no-redef]

#: the packages whose ``__all__`` is the public API checked here
PACKAGES = (
    "authenticity",
    "brand",
    "campaigns",
    "features",
    "graph",
    "metrics",
    "niche",
    "sponsored",
    "report",
)

#: the functions of those packages that take a workspace first (at the time of writing); the discovery below must
#: find at least these, so that a renamed parameter does not empty the test silently
KNOWN = {
    "authenticity.comment_scores",
    "authenticity.creator_audience_authenticity",
    "authenticity.find_pods",
    "authenticity.pod_pairs",
    "authenticity.score_accounts",
    "brand.add_brand",
    "brand.ambassadors",
    "brand.brand_accounts",
    "brand.brand_fit",
    "brand.ensure_tables",
    "brand.evangelists",
    "brand.get_brand",
    "brand.list_brands",
    "brand.safety_flags",
    "campaigns.campaign_report",
    "campaigns.ensure_tables",
    "campaigns.import_campaign",
    "campaigns.plan_budget",
    "niche.activity",
    "niche.audience",
    "niche.community_profile",
    "niche.creator_graph",
    "niche.inner_circle",
    "niche.niche_groups",
    "niche.overlap",
    "niche.overlap_list",
    "niche.post_topics",
    "niche.predict_niche_category",
    "niche.resolve_creators",
    "niche.similar",
    "niche.topics",
    "sponsored.brand_index",
    "sponsored.classify_posts",
    "report.render_report",
    "report.write_report",
}

#: a plausible value for each required argument after the workspace (the workspace is checked first)
ARGS = {
    "name": "Acme",
    "brand": "Acme",
    "creator": ("instagram", "cre"),
    "creators": [("instagram", "cre"), ("instagram", "alice")],
    "names": ["cre"],
    "budget": 1000.0,
    "model": None,
    "out": "report.html",
}


def _workspace_functions() -> list[tuple[str, object]]:
    out = []
    for pkg in PACKAGES:
        mod = importlib.import_module(f"tribescope.{pkg}")
        for name in mod.__all__:
            fn = getattr(mod, name)
            if inspect.isfunction(fn) and next(iter(inspect.signature(fn).parameters), None) == "ws":
                out.append((f"{pkg}.{name}", fn))
    return out


WORKSPACE_FUNCTIONS = _workspace_functions()


def _call(fn, ws):
    params = list(inspect.signature(fn).parameters.values())[1:]
    args = [
        ARGS[p.name]
        for p in params
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty
    ]
    kwargs = {
        p.name: ARGS[p.name]
        for p in params
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }
    return fn(ws, *args, **kwargs)


def test_every_workspace_function_is_discovered():
    assert {n for n, _ in WORKSPACE_FUNCTIONS} >= KNOWN


@pytest.mark.parametrize("as_path", [str, Path], ids=["str", "Path"])
@pytest.mark.parametrize(("qualname", "fn"), WORKSPACE_FUNCTIONS, ids=[n for n, _ in WORKSPACE_FUNCTIONS])
def test_a_path_instead_of_a_workspace_is_a_type_error_naming_the_function(qualname, fn, as_path, tmp_path):
    path = tmp_path / "ws.duckdb"
    name = qualname.split(".")[1]
    # ``ensure_tables`` is in brand and campaigns: its message says which
    what = qualname if name == "ensure_tables" else name
    with pytest.raises(TypeError, match=rf"^{what} takes a Workspace \(tribescope\.connect\(path\)\), not "):
        _call(fn, as_path(path))
    assert not path.exists()  # refused before anything was opened or created


def test_the_other_entry_points_keep_the_same_rule(ws):
    from tribescope.ingest import import_paths
    from tribescope.score import explain, score_creators, score_workspace

    for name, call in (
        ("import_paths", lambda: import_paths("ws.duckdb", [])),
        ("score_creators", lambda: score_creators("ws.duckdb")),
        ("score_workspace", lambda: score_workspace("ws.duckdb")),
        ("explain", lambda: explain("ws.duckdb", "cre")),
    ):
        with pytest.raises(
            TypeError, match=rf"^{name} takes a Workspace \(tribescope\.connect\(path\)\), not str"
        ):
            call()


# ------------------------------------------------------------------------------------------------ read-only
@pytest.fixture
def read_only(tmp_path):
    """The bakery workspace, opened read-only (no brands or campaign tables yet)."""
    path = tmp_path / "ro.duckdb"
    w = connect(path)
    bakery(w)
    w.close()
    ro = connect(path, read_only=True)
    yield ro
    ro.close()


def _plan_csv(tmp_path: Path) -> Path:
    f = tmp_path / "plan.csv"
    f.write_text("campaign,creator,platform,fee\nspring,cre,instagram,100\n")
    return f


def _writes(ws: Any, tmp_path: Path) -> dict[str, tuple[Callable[[], object], str]]:
    """Each write of the public API on ``ws``: the call, and how its error begins."""
    from tribescope.brand import add_brand
    from tribescope.brand import ensure_tables as brand_tables
    from tribescope.campaigns import ensure_tables as campaign_tables
    from tribescope.campaigns import import_campaign
    from tribescope.sponsored import classify_posts

    return {
        "add_brand": (
            lambda: add_brand(ws, "Acme", keywords="acme"),
            "add_brand wants to write the brand profile 'Acme' (table brands)",
        ),
        "import_campaign": (
            lambda: import_campaign(ws, plan=_plan_csv(tmp_path)),
            "import_campaign wants to write the campaign files into campaign_plan",
        ),
        "classify_posts": (
            lambda: classify_posts(ws, write=True),
            "classify_posts wants to write the table sponsored_posts",
        ),
        "brand.ensure_tables": (
            lambda: brand_tables(ws),
            "brand.ensure_tables wants to write the table brands",
        ),
        "campaigns.ensure_tables": (
            lambda: campaign_tables(ws),
            "campaigns.ensure_tables wants to write the tables campaign_plan",
        ),
        "write_table": (
            lambda: ws.write_table("mine", pa.table({"a": [1]})),
            "Workspace.write_table wants to write the table 'mine'",
        ),
        "delete_rows": (
            lambda: ws.delete_rows("DELETE FROM posts"),
            "Workspace.delete_rows wants to write a deletion",
        ),
    }


WRITES = ["add_brand", "import_campaign", "classify_posts", "brand.ensure_tables", "campaigns.ensure_tables"]


@pytest.mark.parametrize("write", [*WRITES, "write_table", "delete_rows"])
def test_a_write_on_a_read_only_workspace_is_a_workspace_error_naming_it(write, read_only, tmp_path):
    call, message = _writes(read_only, tmp_path)[write]
    before = {n: read_only.table(n).count().execute() for n in read_only.list_tables()}
    with pytest.raises(WorkspaceError, match=rf"^{re.escape(message)}.*, but workspace .* is open read-only"):
        call()
    assert {n: read_only.table(n).count().execute() for n in read_only.list_tables()} == before


def test_reads_on_a_read_only_workspace_still_work(read_only):
    from tribescope.brand import list_brands
    from tribescope.sponsored import classify_posts

    assert classify_posts(read_only).num_rows == 2  # write=False: nothing to store
    assert list_brands(read_only) == []


def test_ensure_tables_on_a_read_only_workspace_that_has_them_is_a_no_op(tmp_path):
    from tribescope.brand import add_brand, list_brands
    from tribescope.brand import ensure_tables as brand_tables
    from tribescope.campaigns import ensure_tables as campaign_tables

    path = tmp_path / "ws.duckdb"
    w = connect(path)
    add_brand(w, "Acme", keywords="acme")
    campaign_tables(w)
    w.close()
    with connect(path, read_only=True) as ro:
        brand_tables(ro)
        campaign_tables(ro)
        assert [b.name for b in list_brands(ro)] == ["Acme"]


def test_score_creators_write_on_a_read_only_workspace_is_an_error(read_only):
    from tribescope.score import score_creators

    with pytest.raises(WorkspaceError, match=r"^score_creators wants to write .* is open read-only"):
        score_creators(read_only, write=True, sentiment=False)
    from tribescope.score import score_workspace

    with pytest.raises(WorkspaceError, match=r"^score_workspace wants to write .* is open read-only"):
        score_workspace(read_only, sentiment=False)


def test_score_creators_without_write_on_a_read_only_workspace_works(read_only):
    from tribescope.score import score_creators

    assert score_creators(read_only, write=False, sentiment=False).num_rows == 1
    assert not read_only.has_table("creator_scores")


def test_import_paths_on_a_read_only_workspace_is_an_error(read_only, tmp_path):
    from tribescope.ingest import import_paths

    f = tmp_path / "accounts.csv"
    f.write_text("platform,account_id,username,followers\ninstagram,1,ann,100\n")
    with pytest.raises(WorkspaceError, match=r"^import_paths wants to write .* is open read-only"):
        import_paths(read_only, f)


def test_require_writable_reads_pyspark_workspaces_as_writable_for_derived_tables_only(tmp_path):
    """A PySpark workspace is ``read_only`` (its exported tables are never touched) but writes derived tables as
    Parquet; only the DuckDB upserts refuse it."""
    from tribescope.store import Workspace, require_writable

    spark_like = Workspace(None, "pyspark", tmp_path, read_only=True)
    require_writable(spark_like, "classify_posts", "the table sponsored_posts")
    with pytest.raises(WorkspaceError, match=r"^add_brand wants to write .* needs a DuckDB workspace"):
        require_writable(spark_like, "add_brand", "the brand profile 'Acme'", duckdb_only=True)


# ------------------------------------------------------------------------------------------------ texts
def test_score_comments_without_its_text_column_names_it():
    from tribescope.authenticity import score_comments

    t = pa.table({"comment_id": ["c1"], "body": ["great recipe, I will bake it for my sister this weekend"]})
    with pytest.raises(ValueError, match=r"no 'text' column to score \(its columns: comment_id, body\)"):
        score_comments(t)
    out = score_comments(t, text_column="body")
    assert out.column_names[:2] == ["comment_id", "body"] and out.num_rows == 1
    assert out["quality"].to_pylist() == ["substantive"]
    with pytest.raises(TypeError, match="pyarrow Table"):
        score_comments(t.to_pandas())


def test_add_sentiment_without_its_text_column_names_it():
    from tribescope.features import add_sentiment

    t = pa.table({"body": ["I love it"]})
    with pytest.raises(ValueError, match=r"no 'text' column to score \(its columns: body\)"):
        add_sentiment(t)
    assert add_sentiment(t, text_column="body")["sentiment"].to_pylist()[0] > 0


def test_one_string_is_one_text_not_its_characters():
    from tribescope.authenticity import comment_quality, rule_quality
    from tribescope.features import sentiment_scores

    text = "I love this banana bread"
    assert comment_quality(text).equals(comment_quality([text]))
    assert comment_quality(text).num_rows == 1
    assert rule_quality(text).to_pylist() == rule_quality([text]).to_pylist() == ["substantive"]
    one = sentiment_scores(text, processes=1)
    assert one.shape == (1,) and one[0] > 0
    np.testing.assert_array_equal(one, sentiment_scores([text], processes=1))


# ------------------------------------------------------------------------------------------------ other arguments
@pytest.fixture
def kitchen(ws):
    return bakery(ws)


def _wrong_types(ws: Any) -> dict[str, tuple[Callable[[], object], str]]:
    from tribescope.authenticity import find_pods, pod_pairs
    from tribescope.brand import ambassadors, brand_accounts, brand_fit, evangelists, get_brand, safety_flags
    from tribescope.campaigns import plan_budget
    from tribescope.niche import post_topics, predict_niche_category, resolve_creators, similar
    from tribescope.sponsored import classify_posts

    return {
        "find_pods": (lambda: find_pods(ws, {"window_s": 60}), "find_pods takes its thresholds as PodParams"),
        "pod_pairs": (lambda: pod_pairs(ws, {"window_s": 60}), "pod_pairs takes its thresholds as PodParams"),
        "ambassadors": (
            lambda: ambassadors(ws, None),
            "ambassadors takes a Brand or a brand name, not NoneType",
        ),
        "brand_fit": (lambda: brand_fit(ws, 3), "brand_fit takes a Brand or a brand name, not int"),
        "evangelists": (lambda: evangelists(ws, None), "evangelists takes a Brand or a brand name"),
        "safety_flags": (lambda: safety_flags(ws, 3), "safety_flags takes a Brand, a brand name or None"),
        "brand_accounts": (lambda: brand_accounts(ws, "Acme"), r"brand_accounts takes a Brand \(get_brand"),
        "get_brand": (lambda: get_brand(ws, None), "get_brand takes the brand name as a str"),
        "plan_budget": (lambda: plan_budget(ws, "1000"), "plan_budget takes the budget as a number, not str"),
        "resolve_creators": (
            lambda: resolve_creators(ws, ["cre", 7]),
            "resolve_creators takes names .* as str, not 7",
        ),
        "post_topics": (lambda: post_topics(ws, None), "post_topics takes a TopicModel"),
        "similar": (lambda: similar(ws, ("instagram", "cre"), model="lda"), "similar takes model=TopicModel"),
        "predict_niche_category": (
            lambda: predict_niche_category(ws, model="x"),
            "predict_niche_category takes model=CategoryModel",
        ),
        "classify_posts(creator)": (
            lambda: classify_posts(ws, creator=5),
            "classify_posts takes the creator as",
        ),
        "classify_posts(model)": (
            lambda: classify_posts(ws, model="model.json"),
            "classify_posts takes model=SponsoredModel",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "find_pods",
        "pod_pairs",
        "ambassadors",
        "brand_fit",
        "evangelists",
        "safety_flags",
        "brand_accounts",
        "get_brand",
        "plan_budget",
        "resolve_creators",
        "post_topics",
        "similar",
        "predict_niche_category",
        "classify_posts(creator)",
        "classify_posts(model)",
    ],
)
def test_a_wrong_argument_type_is_a_type_error_saying_what_to_pass(case, kitchen):
    call, match = _wrong_types(kitchen)[case]
    with pytest.raises(TypeError, match=f"^{match}"):
        call()


def test_the_right_argument_types_work_as_before(kitchen):
    from tribescope.authenticity import PodParams, find_pods
    from tribescope.niche import resolve_creators

    assert find_pods(kitchen, PodParams()).num_rows == 0
    assert resolve_creators(kitchen, iter(["cre"])) == [("instagram", "cre")]  # any iterable of names


def test_overlap_list_takes_pairs_as_lists_like_overlap(kitchen):
    """``overlap`` took ``[["instagram", "cre"]]``; ``overlap_list`` failed on it with "unhashable type: 'list'"."""
    from tribescope.niche import overlap_list

    per, totals = overlap_list(kitchen, [["instagram", "cre"]])
    assert (per, totals) == overlap_list(kitchen, [("instagram", "cre")])
    assert per["creator_id"].to_pylist() == ["cre"] and per["audience"].to_pylist() == [6]


def test_plan_budget_takes_one_platform_as_a_list_of_it(kitchen):
    from tribescope.campaigns import plan_budget

    one = plan_budget(kitchen, 1000, platforms="instagram", use_overlap=False, min_roi=None)
    assert one.picks.equals(
        plan_budget(kitchen, 1000, platforms=["instagram"], use_overlap=False, min_roi=None).picks
    )
    assert one.picks["creator_id"].to_pylist() == ["cre"]


def test_add_brand_lists_of_another_type_are_type_errors(tmp_path):
    """``add_brand(handles=123)`` failed with "'int' object is not iterable" from inside; a list holding a
    non-str with "'int' object has no attribute 'strip'"."""
    from tribescope.brand import add_brand
    from tribescope.store import connect

    ws = connect(tmp_path / "w.duckdb")
    try:
        with pytest.raises(TypeError, match=r"add_brand handles: give a str or a list of str, not int 123"):
            add_brand(ws, "Acme", handles=123)
        with pytest.raises(TypeError, match=r"add_brand keywords: .* list holding int 5"):
            add_brand(ws, "Acme", handles="acme", keywords=["flour", 5])
        assert add_brand(ws, "Acme", handles=("@Acme",), keywords="flour, rye").keywords == ["flour", "rye"]
    finally:
        ws.close()


def test_one_creator_not_found_class_for_every_module():
    """``explain`` raised tribescope.score.CreatorNotFound, which ``except tribescope.niche.CreatorNotFound`` did not
    catch: one class now, at the top of the package."""
    import tribescope
    from tribescope.niche import CreatorNotFound as from_niche
    from tribescope.score import CreatorNotFound as from_score

    assert from_niche is from_score is tribescope.CreatorNotFound
    assert issubclass(tribescope.CreatorNotFound, tribescope.TribescopeError)
