"""Audience authenticity: the shipped models load and apply (pandas and engine agree), exact outputs on hand-made
rows, the CLI commands, pods on a hand-built workspace, and evaluation smoke runs on the shared data."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.conftest import shared
from typer.testing import CliRunner

import tribescope.authenticity as auth
from tribescope.authenticity import (
    FEATURES,
    FakeAccountClassifier,
    ModelError,
    account_feature_exprs,
    creator_audience_authenticity,
    features_from_canonical,
    find_pods,
    load_account_model,
    load_text_model,
    rule_quality,
)
from tribescope.cli import app

MODELS = Path(auth.__file__).parent / "models"

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "username": ["maria.cooks", "user84736251", "bigbrand", None, "tom_follows_all", "Anna_Runs"],
        "full_name": ["Maria Rossi", "", "Big Brand", None, "Tom", "anna_runs"],
        "bio": [
            "Home cook sharing weeknight pasta recipes",
            "",
            "Official account",
            None,
            "",
            "Trail runner",
        ],
        "followers": [2450, 3, 1_200_000, None, 150, 3000],
        "following": [380, 2100, 45, None, 4200, 1800],
        "posts": [312, 0, 2100, None, 12, 420],
        "has_profile_pic": [True, False, True, None, True, True],
        "is_private": [False, False, False, None, False, False],
        "external_url": ["https://example.org", "", "https://example.com", None, "", "https://example.net/x"],
    }
)


def test_public_names() -> None:
    assert len(set(auth.__all__)) == len(auth.__all__)
    assert set(auth.__all__) == {n for n in dir(auth) if not n.startswith("_")} - {"annotations"}


def test_features_exact_on_hand_rows() -> None:
    f = features_from_canonical(ACCOUNTS)
    assert list(f.columns) == list(FEATURES)
    r = f.iloc[1]
    assert r["log_followers"] == pytest.approx(np.log(4))
    assert r["follow_ratio"] == pytest.approx(np.log(2101 / 4))
    assert r["username_length"] == 12 and r["username_digit_ratio"] == pytest.approx(8 / 12)
    assert r["bio_length"] == 0 and r["fullname_words"] == 0 and r["has_external_url"] == 0
    assert f.iloc[5]["name_equals_username"] == 1.0  # case-insensitive
    assert f.iloc[0]["fullname_words"] == 2 and f.iloc[0]["name_equals_username"] == 0
    assert f.iloc[3].isna().all()  # nothing known → every feature unknown
    assert r["posts_per_following"] == pytest.approx(np.log(1 / 2101))
    assert f.iloc[0]["posts_per_following"] == pytest.approx(np.log(313 / 381))


_ENGINE_TYPES = {
    "followers": "Float64",
    "following": "Float64",
    "posts": "Float64",
    "has_profile_pic": "boolean",
    "is_private": "boolean",
}


def test_platform_rule_posts_unknown_off_instagram_in_pandas_and_engine() -> None:
    from tribescope.authenticity._accounts import POSTS_FEATURES

    df = ACCOUNTS.assign(platform=["instagram", "twitter", " Instagram ", None, "", "TikTok"])
    f = features_from_canonical(df)
    base = features_from_canonical(ACCOUNTS)
    posts, other = list(POSTS_FEATURES), [c for c in FEATURES if c not in POSTS_FEATURES]
    assert f.loc[[1, 5], posts].isna().all().all()  # tweets / videos are not Instagram posts
    # Instagram in any case, and "" (platform unknown): posts used as they are
    pd.testing.assert_frame_equal(f.loc[[0, 2, 4], posts], base.loc[[0, 2, 4], posts])
    pd.testing.assert_frame_equal(f[other], base[other])  # followers, following, profile: used everywhere
    t = ibis.memtable(df.astype(_ENGINE_TYPES))
    got = t.select(**account_feature_exprs(t)).to_pandas().astype(float)
    pd.testing.assert_frame_equal(got[list(FEATURES)], f, check_dtype=False, atol=1e-9)


def test_engine_features_match_pandas() -> None:
    t = ibis.memtable(
        ACCOUNTS.astype(
            {
                "followers": "Float64",
                "following": "Float64",
                "posts": "Float64",
                "has_profile_pic": "boolean",
                "is_private": "boolean",
            }
        )
    )
    got = t.select(**account_feature_exprs(t)).to_pandas().astype(float)
    want = features_from_canonical(ACCOUNTS)
    pd.testing.assert_frame_equal(got[list(FEATURES)], want, check_dtype=False, atol=1e-9)


def test_shipped_models_small_versioned_and_hashed() -> None:
    total = sum(p.stat().st_size for p in MODELS.iterdir())
    assert total < 2_000_000
    for name in ("spam", "attack"):
        m = load_text_model(name)
        assert m.meta["version"] and all(len(d["sha256"]) == 64 for d in m.meta["training_data"])
    assert load_text_model("spam").meta["metrics"]["held_out"]["f1"] >= 0.93
    assert load_text_model("attack").meta["metrics"]["held_out"]["accuracy"] >= 0.80


def test_account_model_file_versioned_hashed_with_figures() -> None:
    assert (MODELS / "fake_accounts.json").stat().st_size < 50_000
    doc = json.loads((MODELS / "fake_accounts.json").read_text())
    assert doc["version"] and doc["features"] == list(FEATURES)
    assert all(len(d["sha256"]) == 64 for d in doc["training_data"]) and len(doc["training_data"]) == 4
    held = doc["metrics"]["held_out"]
    assert held["instafake"]["accuracy"] >= 0.96 and held["instafake"]["f1"] >= 0.88
    # the Twitter check (never trained on): 0.573 / AUC 0.825 before the platform rule and posts_per_following
    assert held["cresci2015_e13_int"]["accuracy"] >= 0.85 and held["cresci2015_e13_int"]["roc_auc"] >= 0.94
    audit = doc["metrics"]["held_out_follower_audit"]["srf_instagram_fake_followers"]
    assert audit["specificity"] >= 0.96 and audit["recall"] > held["srf_instagram_fake_followers"]["recall"]
    assert set(doc["operating_points"]) == {"default", "follower_audit"}
    # repeated CV (4 x 5-fold, all 69 SRF fakes out of fold once per repeat): the low-variance SRF estimate
    cv = doc["metrics"]["repeated_cv"]
    assert "69 fakes" in cv["protocol"]
    srf = cv["srf_sensitivity_at_spec96"]
    assert 0.55 <= srf["mean"] <= 0.75 and 0.0 < srf["sd"] < 0.1
    assert cv["instafake_roc_auc"]["mean"] >= 0.98 and cv["srf_roc_auc"]["mean"] >= 0.9


def test_account_model_directions_and_operating_points() -> None:
    model = load_account_model()
    # monotone where the direction is known (ACCOUNT_PARAMS["monotonic_cst"]), for the whole model (trees of depth
    # 2 interact): moving one feature over its range, every other feature held at a hand row's value, the logit
    # never moves the wrong way and moves the right way for some row. A wrong sign would fail here.
    base = features_from_canonical(ACCOUNTS).to_numpy()[[0, 1, 2, 4, 5]]
    ranges = {
        "log_following": (0, 12),
        "follow_ratio": (-8, 8),
        "username_digit_ratio": (0, 1),
        "log_followers": (0, 14),
        "log_posts": (0, 10),
        "posts_per_following": (-8, 8),
        "has_profile_pic": (0, 1),
        "bio_length": (0, 150),
    }
    for f, (lo, hi) in ranges.items():
        j, sign = (
            FEATURES.index(f),
            (1 if f in ("log_following", "follow_ratio", "username_digit_ratio") else -1),
        )
        moved = 0.0
        for row in base:
            grid = np.repeat(row[None, :], 200, axis=0)
            grid[:, j] = np.linspace(lo, hi, 200)
            z = model.contributions(grid).sum(axis=1)
            assert np.all(sign * np.diff(z) >= -1e-12), f
            moved = max(moved, sign * (z[-1] - z[0]))
        assert moved > 0.1, f
    audit = model.operating_point("follower_audit")
    assert model.operating_point() == model.threshold and 0.0 < audit < model.threshold
    with pytest.raises(ModelError, match="no operating point 'nope'"):
        model.operating_point("nope")
    t = ibis.memtable(ACCOUNTS.astype(_ENGINE_TYPES))
    p = model.score(t, operating_point="follower_audit").to_pandas()
    assert (p["is_fake"] == (p["fake_probability"] >= audit)).all()


def test_account_model_exact_verdicts_and_engine_equals_numpy() -> None:
    model = load_account_model()
    t = ibis.memtable(
        ACCOUNTS.astype(
            {
                "followers": "Float64",
                "following": "Float64",
                "posts": "Float64",
                "has_profile_pic": "boolean",
                "is_private": "boolean",
            }
        )
    )
    res = model.score(t).to_pandas()
    assert res["is_fake"].tolist() == [False, True, False, False, True, False]
    assert res["category"].tolist() == [
        "real",
        "suspicious",
        "influencer",
        "real",
        "suspicious",
        "mass_follower",
    ]
    p_np = model.predict_proba(features_from_canonical(ACCOUNTS).to_numpy())
    np.testing.assert_allclose(res["fake_probability"].to_numpy(), p_np, atol=1e-6)
    assert "no profile picture" in res["reasons"][1] and "follows far more accounts" in res["reasons"][1]
    assert res["reasons"][3] == ""  # nothing known, nothing claimed


def test_account_model_engine_arithmetic_is_double() -> None:
    """The engine sums DOUBLE contributions, as numpy does: a bare number literal (``THEN (1.7785…)``) is a DECIMAL
    to DuckDB, which made every contribution column DECIMAL(19,18) while Ibis typed it float64, and the log-odds sum
    128-bit DECIMAL arithmetic over every account (~0.2 CPU-s of a synth m score)."""
    model = load_account_model()
    con = ibis.duckdb.connect()
    t = con.create_table("acc", ACCOUNTS.fillna({"external_url": ""}).astype({"followers": "Float64"}))
    s1 = t.mutate(**{f"__f_{f}": e for f, e in account_feature_exprs(t).items()})
    contrib = s1.select(**model.contribution_exprs(s1, {f: s1[f"__f_{f}"] for f in model.features}))
    types = {name: ty for name, ty, *_ in con.raw_sql(f"DESCRIBE {con.compile(contrib)}").fetchall()}
    assert set(types) == set(model.features)
    assert set(types.values()) == {"DOUBLE"}
    scored = {name: ty for name, ty, *_ in con.raw_sql(f"DESCRIBE {con.compile(model.score(t))}").fetchall()}
    assert scored["fake_probability"] == "DOUBLE"
    assert "DECIMAL" not in con.raw_sql(f"EXPLAIN {con.compile(model.score(t))}").fetchall()[0][1]


@pytest.mark.slow
# sklearn warns that it skips the array-API check (SCIPY_ARRAY_API unset); not our concern
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_estimator_is_a_real_sklearn_estimator() -> None:
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(
        FakeAccountClassifier(max_iter=10),
        expected_failed_checks={
            "check_sample_weight_equivalence_on_dense_data": "histogram boosting bins weighted rows differently from repeated rows (as HistGradientBoosting)",
        },
    )


@pytest.mark.slow
@pytest.mark.spark
def test_account_model_same_verdicts_on_spark_and_duckdb() -> None:
    from tests._spark_fixtures import require_spark

    require_spark()
    from pyspark.sql import SparkSession

    plat = ["instagram", "twitter", "", None, "TikTok", "instagram"]
    df = ACCOUNTS.assign(platform=plat).astype(_ENGINE_TYPES)
    model = load_account_model()
    want = model.score(ibis.memtable(df), operating_point="follower_audit").to_pandas()
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    # a depth-2 model's path terms (exact cut literals, NULL handling of conditions) on Spark too
    from tribescope.authenticity._accounts import AccountModel

    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, len(FEATURES)))
    X[rng.random(X.shape) < 0.2] = np.nan
    y = ((np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1], nan=1.0)) > 0).astype(int)
    est = FakeAccountClassifier(max_depth=2, max_iter=20, random_state=0).fit(X, y)
    deep = AccountModel.from_estimator(est, 0.5, {})
    assert deep.terms
    feats = pd.DataFrame(X, columns=list(FEATURES))
    try:
        # a temporary view: nothing is written to a warehouse folder
        spark.createDataFrame(df.astype(object).where(df.notna(), None)).createOrReplaceTempView("acc_test")
        got = model.score(ibis.pyspark.connect(spark).table("acc_test"), operating_point="follower_audit")
        got = got.to_pandas()
        spark.createDataFrame(feats.astype(object).where(feats.notna(), None)).createOrReplaceTempView(
            "feat_test"
        )
        ft = ibis.pyspark.connect(spark).table("feat_test")
        deep_got = ft.select(**deep.contribution_exprs(ft, {f: ft[f] for f in FEATURES})).to_pandas()
    finally:
        spark.stop()
    np.testing.assert_allclose(got["fake_probability"].astype(float), want["fake_probability"], atol=1e-6)
    assert got["is_fake"].tolist() == want["is_fake"].tolist()
    assert got["reasons"].tolist() == want["reasons"].tolist()
    np.testing.assert_allclose(deep_got[list(FEATURES)].to_numpy(float), deep.contributions(X), atol=1e-9)


@pytest.mark.parametrize("depth", [1, 2])
def test_estimator_fit_is_deterministic_and_additive(depth: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) > 0).astype(int)
    kw = {"max_depth": depth, "max_iter": 30, "random_state": 1, "mask_rate": 0.2, "mask_copies": 1}
    a = FakeAccountClassifier(**kw).fit(X, y)
    b = FakeAccountClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    z = a.intercept_ + a.centers_.sum() + a.contributions(X).sum(axis=1)
    np.testing.assert_allclose(z, a.decision_function(X))
    assert (len(a.terms_) == 0) == (depth == 1)  # depth 1 is the additive scorecard: no path terms


def test_sensitivity_at_specificity_exact_on_hand_scores() -> None:
    from tribescope.authenticity._train import sens_at_spec

    y = np.array([0] * 25 + [1] * 4)
    p = np.concatenate([np.arange(1, 26) / 100, [0.9, 0.8, 0.245, 0.1]])
    # specificity >= 0.96 allows 1 of 25 real accounts above the cut: cut 0.245 → 3 of 4 fakes, 1 real (0.25)
    assert sens_at_spec(y, p) == 0.75
    assert sens_at_spec(y, p, 1.0) == 0.5  # no real account above the cut: 0.9 and 0.8 only


@pytest.mark.parametrize("depth", [2, 3])
def test_tree_decomposition_is_exact_in_numpy_and_engine(depth: int) -> None:
    """Saabas decomposition of depth-2/3 boosted trees: intercept + Σ_f contribution_f is the ensemble's own
    log-odds (sklearn's decision_function), and the engine's per-feature CASE sums give the same contributions."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from tribescope.authenticity._accounts import AccountModel, _decompose, _eval_contributions

    rng = np.random.default_rng(3)
    n, k = 300, len(FEATURES)
    X = rng.normal(size=(n, k))
    X[rng.random(X.shape) < 0.15] = np.nan
    x0, x1, x2 = (np.nan_to_num(X[:, j], nan=0.7) for j in range(3))
    y = ((x0 * x1 > 0) ^ (x2 > 0.5)).astype(int)  # interactions: stumps cannot fit this
    cst = [1, 0, -1] + [0] * (k - 3)
    gb = HistGradientBoostingClassifier(
        max_depth=depth, max_iter=25, monotonic_cst=cst, early_stopping=False, random_state=0
    ).fit(X, y)
    b, steps, terms = _decompose(gb, k)
    assert terms and any(len(t.when) == depth - 1 for t in terms)
    c = _eval_contributions(X, steps, terms)
    np.testing.assert_allclose(b + c.sum(axis=1), gb.decision_function(X), atol=1e-12)
    # the same through the shipped form (JSON round trip) and the engine
    centers = c.mean(axis=0)
    m = AccountModel(list(FEATURES), b, steps, list(centers), 0.5, {}, terms)
    m = AccountModel.from_json(m.to_json())
    np.testing.assert_allclose(m.contributions(X), c - centers, atol=1e-12)
    t = ibis.memtable(pd.DataFrame(X, columns=list(FEATURES)))
    exprs = m.contribution_exprs(t, {f: t[f] for f in FEATURES})
    got = t.select(**exprs).to_pandas()[list(FEATURES)].to_numpy()
    np.testing.assert_allclose(got, c - centers, atol=1e-9)
    z = b + centers.sum() + got.sum(axis=1)
    np.testing.assert_allclose(z, gb.decision_function(X), atol=1e-9)


def _accounts_cli(tmp_path: Path, csv_text: str) -> tuple[Path, Path, list[dict[str, str]]]:
    """Run ``tribescope accounts`` on a CSV written from ``csv_text``: (input, output, output rows)."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(csv_text)
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return src, out, list(csv.DictReader(out.read_text().splitlines()))


def test_cli_accounts_keeps_columns_and_adds_four(tmp_path: Path) -> None:
    src, out, rows = _accounts_cli(
        tmp_path,
        "account_id,username,followers,following,posts,has_profile_pic,is_private,extra\n"
        "x1,jane.doe,900,300,85,true,false,keep\n"
        "x2,qq93847561,2,1900,0,false,false,\n"
        "x3,,,,,,,\n",
    )
    assert list(rows[0]) == [
        "account_id",
        "username",
        "followers",
        "following",
        "posts",
        "has_profile_pic",
        "is_private",
        "extra",
        "fake_probability",
        "is_fake",
        "category",
        "reasons",
    ]
    assert [r["is_fake"] for r in rows] == ["false", "true", "false"]
    assert rows[0]["extra"] == "keep" and rows[1]["category"] == "suspicious"
    assert 0 <= float(rows[2]["fake_probability"]) <= 1
    bad = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out), "--operating-point", "nope"])
    assert bad.exit_code == 1 and "no operating point" in bad.output


def test_cli_accounts_platform_column_makes_posts_unknown(tmp_path: Path) -> None:
    _, _, rows = _accounts_cli(
        tmp_path,
        "platform,username,followers,following,posts\n"
        "instagram,ann,200,300,0\n"
        "twitter,ann,200,300,0\n"
        "twitter,ann,200,300,5000\n"
        "instagram,ann,200,300,\n",
    )
    p = [float(r["fake_probability"]) for r in rows]
    assert p[1] == p[2] == p[3]  # off Instagram the post count is unknown, whatever it says
    assert p[0] > p[1]  # on Instagram, no posts at all is evidence of a fake


def test_cli_accounts_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["accounts", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 1 and "does not exist" in r.output


def test_cli_accounts_and_comments_of_a_header_only_file_is_a_clean_error(tmp_path: Path) -> None:
    for cmd, header in (
        ("accounts", "platform,username,followers,following,posts\n"),
        ("comments", "text\n"),
    ):
        f = tmp_path / f"{cmd}.csv"
        f.write_text(header)
        r = CliRunner().invoke(app, [cmd, str(f), "--out", str(tmp_path / "o.csv")])
        assert r.exit_code == 1 and "a header and no rows" in r.output, r.output
        assert not (tmp_path / "o.csv").exists()


def test_rule_quality_exact() -> None:
    texts = [
        "@ann @bob",
        "😍🔥",
        "nice pic",
        "so pretty love it",
        "",
        None,
        "I baked this with rye flour and it needed ten more minutes",
        "@ann look at the stitching on the hem here",
    ]
    assert rule_quality(pa.array(texts, pa.string())).to_pylist() == [
        "mention_only",
        "emoji_only",
        "generic",
        "generic",
        "generic",
        "generic",
        "substantive",
        "substantive",
    ]


def test_cli_comments(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text(
        "comment_id,author,text\n"
        'c1,ann,"I tried the lemon version and added capers, how long does it keep in the fridge?"\n'
        "c2,bob,nice pic\n"
        "c3,cy,😍😍\n"
        "c4,dee,@erin @fred\n"
        'c5,spm,"Check out my channel and subscribe!!! http://bit.ly/xyz free giftcards"\n'
    )
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(app, ["comments", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["quality"] for r in rows] == ["substantive", "generic", "emoji_only", "mention_only", "spam"]
    assert [r["is_spam"] for r in rows] == ["false", "false", "false", "false", "true"]
    assert float(rows[2]["sentiment"]) > 0 and list(rows[0])[-4:] == [
        "spam_probability",
        "is_spam",
        "quality",
        "sentiment",
    ]


# --------------------------------------------------------------------------- pods on a hand-built workspace
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _pod_ws(ws):
    """Creators c1, c2 (pod members who boost each other) and c3; helpers h1–h3 comment on every post of c1 and
    c2 within minutes; fans f1–f3 comment on c3's posts days later; f4 comments early once."""
    posts, comments = [], []
    n = 0
    for ci, creator in enumerate(["c1", "c2", "c3"]):
        for k in range(4):
            pid = f"{creator}-p{k}"
            at = T0 + timedelta(days=7 * k + ci)
            posts.append(
                {
                    "platform": "instagram",
                    "post_id": pid,
                    "creator_id": creator,
                    "created_at": at,
                    "likes": 100,
                    "comments_count": 10,
                }
            )
            if creator in ("c1", "c2"):
                boosters = ["h1", "h2", "h3", "c2" if creator == "c1" else "c1"]
                for j, a in enumerate(boosters):
                    n += 1
                    comments.append(
                        {
                            "platform": "instagram",
                            "comment_id": f"m{n}",
                            "post_id": pid,
                            "author_id": a,
                            "created_at": at + timedelta(minutes=3 + 4 * j),
                            "text": "so pretty",
                        }
                    )
            else:
                for j, a in enumerate(["f1", "f2", "f3"]):
                    n += 1
                    comments.append(
                        {
                            "platform": "instagram",
                            "comment_id": f"m{n}",
                            "post_id": pid,
                            "author_id": a,
                            "created_at": at + timedelta(days=2, minutes=j),
                            "text": "I made this for my parents and they loved the garlic crust",
                        }
                    )
        n += 1
        comments.append(
            {
                "platform": "instagram",
                "comment_id": f"m{n}",
                "post_id": f"{creator}-p0",
                "author_id": "f4",
                "created_at": T0 + timedelta(days=ci, minutes=10),
                "text": "first",
            }
        )
    accounts = [
        {
            "platform": "instagram",
            "account_id": a,
            "username": a,
            "followers": 5000,
            "following": 300,
            "posts": 200,
            "has_profile_pic": True,
            "is_private": False,
            "bio": "hi there, runner",
        }
        for a in ("c1", "c2", "c3")
    ]
    from tribescope import schema

    def tbl(name, rows):
        sch = schema.arrow_schema(name)
        return pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in sch}, schema=sch)

    for name, rows in (("posts", posts), ("comments", comments), ("accounts", accounts)):
        ws.duck.register("__x", tbl(name, rows))
        ws.duck.execute(f'INSERT INTO "{name}" SELECT * FROM __x')
        ws.duck.unregister("__x")
    return ws


def test_pods_exact_on_hand_built_workspace(ws) -> None:
    _pod_ws(ws)
    pods = find_pods(ws).to_pylist()
    assert len(pods) == 1
    p = pods[0]
    assert p["accounts"] == ["c1", "c2", "h1", "h2", "h3"]
    assert p["creators_targeted"] == ["c1", "c2"] and p["reciprocal_creators"] == ["c1", "c2"]
    assert p["n_posts"] == 8 and p["median_delay_s"] == pytest.approx(9 * 60)


def test_pod_pairs_count_the_posts_both_engaged_early(ws) -> None:
    """Each kept pair's ``co_posts`` is the number of posts on which both accounts engaged early (from the early
    engagements themselves), ``co_creators`` the creators of those posts, and the overlap their share of the less
    active account's early posts; with one more early comment per author on every post, nothing changes (a post
    counts once however often an account commented on it)."""
    from tribescope.authenticity._pods import PodParams, early_engagements, pod_pairs

    _pod_ws(ws)
    params = PodParams()

    def expected() -> dict[tuple[str, str], tuple[int, int, float]]:
        early = early_engagements(ws).to_pyarrow().to_pylist()
        posts: dict[str, set[tuple[str, str]]] = {}
        for r in early:
            posts.setdefault(r["author_id"], set()).add((r["post_id"], r["creator_id"]))
        out = {}
        for a in posts:
            for b in posts:
                both = posts[a] & posts[b]
                if a < b and len(both) >= params.min_co_posts:
                    overlap = len(both) / min(len(posts[a]), len(posts[b]))
                    out[(a, b)] = (len(both), len({c for _, c in both}), overlap)
        return out

    def got() -> dict[tuple[str, str], tuple[int, int, float]]:
        rows = pod_pairs(ws).to_pyarrow().to_pylist()
        return {(r["a"], r["b"]): (r["co_posts"], r["co_creators"], r["overlap"]) for r in rows}

    want = {k: v for k, v in expected().items() if v[2] >= params.min_overlap}
    assert got() == want
    # the three helpers pairwise: all 8 posts of both creators; each creator with each helper: the other's 4 posts
    # (a creator's own comments are not early engagement), never both creators on one post
    helpers = {k: v[:2] for k, v in want.items() if k[0].startswith("h")}
    assert helpers == {("h1", "h2"): (8, 2), ("h1", "h3"): (8, 2), ("h2", "h3"): (8, 2)}
    assert len(want) == 9 and {v[:2] for k, v in want.items() if k[0].startswith("c")} == {(4, 1)}
    ws.duck.execute(
        "INSERT INTO comments SELECT * REPLACE ('again-' || comment_id AS comment_id, created_at + INTERVAL 1 SECOND "
        "AS created_at) FROM comments"
    )
    assert got() == want


def test_two_pods_each_keep_their_own_posts(ws) -> None:
    """Two disjoint pods (the hand-built one and a copy of it under other ids): each pod lists its own posts and
    creators, none of the other's."""
    _pod_ws(ws)
    ws.duck.execute(
        "INSERT INTO posts SELECT * REPLACE ('x' || post_id AS post_id, 'x' || creator_id AS creator_id) FROM posts"
    )
    ws.duck.execute(
        "INSERT INTO comments SELECT * REPLACE ('x' || comment_id AS comment_id, 'x' || post_id AS post_id, "
        "'x' || author_id AS author_id) FROM comments"
    )
    ws.duck.execute(
        "INSERT INTO accounts SELECT * REPLACE ('x' || account_id AS account_id, 'x' || username AS username) "
        "FROM accounts"
    )
    pods = sorted(find_pods(ws).to_pylist(), key=lambda p: p["accounts"])
    assert [p["accounts"] for p in pods] == [
        ["c1", "c2", "h1", "h2", "h3"],
        ["xc1", "xc2", "xh1", "xh2", "xh3"],
    ]
    for p, prefix in zip(pods, ("c", "xc"), strict=True):
        assert p["n_posts"] == 8 == len(p["posts"])
        assert all(post.startswith(prefix) for post in p["posts"]), p["posts"]
        assert p["posts"] == sorted(p["posts"])
        assert p["creators_targeted"] == [f"{prefix}1", f"{prefix}2"]
        assert p["median_delay_s"] == pytest.approx(9 * 60)


def test_pod_components_equal_scipy_connected_components() -> None:
    """The pods' union-find gives the components SciPy's ``connected_components`` gives (as sets of nodes), on
    random sparse graphs with chains, isolated nodes and repeated edges."""
    import random

    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from tribescope.authenticity._pods import _components

    rng = random.Random(7)
    for n in (1, 2, 5, 40, 300):
        for _ in range(5):
            edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randrange(0, n + 1))]
            got = _components(n, edges)
            assert sorted(i for c in got for i in c) == list(range(n))
            assert all(c == sorted(c) for c in got) and [c[0] for c in got] == sorted(c[0] for c in got)
            ia = np.array([e[0] for e in edges], np.int64)
            ib = np.array([e[1] for e in edges], np.int64)
            _, label = connected_components(
                sp.coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(n, n)), directed=False
            )
            want: dict[int, set[int]] = {}
            for i, lab in enumerate(label.tolist()):
                want.setdefault(lab, set()).add(i)
            assert sorted(map(sorted, want.values())) == sorted(got)
    # a chain joined from both ends, and two separate triangles
    assert _components(7, [(5, 6), (0, 1), (4, 5), (1, 2), (2, 4)]) == [[0, 1, 2, 4, 5, 6], [3]]
    assert _components(6, [(0, 1), (1, 2), (3, 4), (4, 5), (5, 3)]) == [[0, 1, 2], [3, 4, 5]]


def test_creator_audience_authenticity_components(ws) -> None:
    _pod_ws(ws)
    t = creator_audience_authenticity(ws).to_pyarrow().to_pylist()
    by = {r["creator_id"]: r for r in t}
    assert set(by) == {"c1", "c2", "c3"}
    # c1: 4 posts x 4 pod comments + 1 from f4 → pod share 16/17
    assert by["c1"]["comments"] == 17 and by["c1"]["pod_engagement_share"] == pytest.approx(16 / 17)
    assert by["c3"]["pod_engagement_share"] == 0 and by["c3"]["comment_authenticity"] == pytest.approx(1.0)
    assert by["c3"]["authentic_engagement_rate"] == pytest.approx((100 * 1.0 + 10 * 1.0) / 5000)
    assert not by["c3"]["suspicious_audience"]
    # likes hidden (YouTube, TikTok): unknown, not zero — the posts without them leave the median, and a creator who
    # hides them on every post has no authentic engagement rate (its score component drops out, as ER's does)
    ws.duck.execute("UPDATE posts SET likes = NULL WHERE post_id IN ('c3-p0', 'c3-p1', 'c3-p2')")
    by = {r["creator_id"]: r for r in creator_audience_authenticity(ws).to_pyarrow().to_pylist()}
    assert by["c3"]["authentic_engagement_rate"] == pytest.approx((100 * 1.0 + 10 * 1.0) / 5000)
    ws.duck.execute("UPDATE posts SET likes = NULL WHERE post_id = 'c3-p3'")
    by = {r["creator_id"]: r for r in creator_audience_authenticity(ws).to_pyarrow().to_pylist()}
    assert by["c3"]["authentic_engagement_rate"] is None
    # a comment count the platform did not give is the comment rows imported under the post, as in er_median:
    # c3-p3 has 3 fan comments (comment authenticity 1), so (100 + 3) / 5000
    ws.duck.execute("UPDATE posts SET likes = 100, comments_count = NULL WHERE post_id = 'c3-p3'")
    n = ws.duck.execute("SELECT count(*) FROM comments WHERE post_id = 'c3-p3'").fetchone()[0]
    by = {r["creator_id"]: r for r in creator_audience_authenticity(ws).to_pyarrow().to_pylist()}
    assert n > 0 and by["c3"]["authentic_engagement_rate"] == pytest.approx((100 + n) / 5000)


# --------------------------------------------------------------------------- real data (skipped when absent)
def test_eval_accounts_smoke_on_shared_data() -> None:
    root = shared("instafake")
    r = CliRunner().invoke(app, ["eval", "accounts", "--data", str(root.parent), "--limit", "40"])
    assert r.exit_code == 0, r.output
    assert "instafake" in r.output and "published" in r.output


def test_shipped_account_model_remeasured_on_shared_data() -> None:
    """Re-measures the shipped model (nothing fitted) and checks the figures docs/authenticity.md reports."""
    from tribescope.authenticity._train import evaluate_accounts

    root = shared("cresci2015_e13_int").parent
    model = load_account_model()
    rows = {(r["dataset"], r["part"]): r for r in evaluate_accounts(model, root)}
    insta = rows[("instafake", "holdout")]
    assert insta["n"] == 190 and insta["accuracy"] >= 0.96 and insta["f1"] >= 0.88
    tw = rows[("cresci2015_e13_int", "all (never trained on)")]
    assert tw["n"] == 2255 and tw["accuracy"] >= 0.85 and tw["roc_auc"] >= 0.94
    srf = rows[("srf_instagram_fake_followers", "holdout @ follower_audit")]
    assert srf["specificity"] >= 0.96 and srf["threshold"] == model.operating_point("follower_audit")
    recorded = model.meta["metrics"]["held_out"]
    for (name, part), r in rows.items():
        if part in ("holdout", "all (never trained on)"):
            assert r["accuracy"] == recorded[name]["accuracy"] and r["roc_auc"] == recorded[name]["roc_auc"]


def test_eval_comments_smoke_on_shared_data() -> None:
    root = shared("youtube_spam")
    r = CliRunner().invoke(app, ["eval", "comments", "--data", str(root.parent), "--limit", "40"])
    assert r.exit_code == 0, r.output
    assert "Eminem" in r.output and "fold 9" in r.output


def test_hand_labelled_quality_sample() -> None:
    from tribescope.authenticity._train import evaluate_quality_sample

    res = evaluate_quality_sample()
    # the figures docs/authenticity.md reports (56/60 overall, 36/39 generic vs substantive)
    assert res["n"] == 60 and res["accuracy"] == pytest.approx(56 / 60, abs=1e-3)
    assert res["generic_vs_substantive_accuracy"] == pytest.approx(36 / 39, abs=1e-3)
    assert (
        res["per_class"]["emoji_only"]["recall"] == 1.0 and res["per_class"]["mention_only"]["recall"] == 1.0
    )


# --------------------------------------------------------------------------- planted pods in synth data
@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 11])
def test_planted_pods_recovered_on_xs_synth(tmp_path: Path, seed: int) -> None:
    from tribescope.ingest import import_paths
    from tribescope.ingest._run import expand_paths
    from tribescope.store import connect
    from tribescope.synth import generate

    out = tmp_path / "xs"
    generate(out, "xs", seed)
    with open(out / "truth" / "pods.csv", newline="") as fh:
        truth = {(r["platform"], r["account_id"]) for r in csv.DictReader(fh)}
    exports = [p for p in expand_paths([out]) if "truth" not in p.parts]
    ws = connect(tmp_path / "ws.duckdb")
    import_paths(ws, exports)
    pods = find_pods(ws)
    ws.close()
    pred = {
        (p, a)
        for p, accs in zip(pods["platform"].to_pylist(), pods["accounts"].to_pylist(), strict=True)
        for a in accs
    }
    precision = len(pred & truth) / max(1, len(pred))
    recall = len(pred & truth) / max(1, len(truth))
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


def test_evaluating_without_the_labelled_data_is_an_error_not_an_empty_table(tmp_path) -> None:
    for cmd in ("accounts", "comments"):
        r = CliRunner().invoke(app, ["eval", cmd, "--data", str(tmp_path / "nodata")])
        assert r.exit_code == 1 and "nodata not found" in r.output, r.output
        r = CliRunner().invoke(app, ["eval", cmd, "--data", str(tmp_path)])  # a folder holding no data set
        assert r.exit_code == 1 and "holds none of the labelled data sets" in r.output, r.output


def test_cli_verdicts_are_booleans_in_json_and_parquet(tmp_path: Path) -> None:
    """``accounts --out x.json`` wrote ``"is_fake": "false"`` and ``comments`` ``"is_spam": "false"``: text, which
    pandas' ``df[df.is_fake]`` takes as true for every row. The CSV keeps ``true`` / ``false`` as ``score`` writes."""
    import json

    import pyarrow.parquet as pq

    src = tmp_path / "c.csv"
    src.write_text(
        "comment_id,text\nc1,nice pic\n"
        'c2,"Check out my channel and subscribe!!! http://bit.ly/xyz free giftcards"\n'
    )
    r = CliRunner().invoke(app, ["comments", str(src), "--out", str(tmp_path / "c.json")])
    assert r.exit_code == 0, r.output
    assert [x["is_spam"] for x in json.loads((tmp_path / "c.json").read_text())] == [False, True]
    acc = tmp_path / "a.csv"
    acc.write_text(
        "account_id,username,followers,following,posts\nx1,ann,5000,300,120\nx2,qq93847561,2,1900,0\n"
    )
    r = CliRunner().invoke(app, ["accounts", str(acc), "--out", str(tmp_path / "a.parquet")])
    assert r.exit_code == 0, r.output
    t = pq.read_table(tmp_path / "a.parquet")
    assert str(t.schema.field("is_fake").type) == "bool" and t.column("is_fake").to_pylist() == [False, True]
    bad = CliRunner().invoke(
        app, ["accounts", str(acc), "--out", str(tmp_path / "b.csv"), "--operating-point", "x"]
    )
    assert "it has default, follower_audit" in bad.output
