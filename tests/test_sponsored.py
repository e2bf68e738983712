"""Sponsored posts: disclosure hashtags, the shipped model, metrics and classify_posts (hand-built)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest

from tribescope import schema
from tribescope.sponsored import (
    SponsoredModel,
    average_precision,
    classify_posts,
    commercial_signals,
    disclosure_hashtags_in,
    evaluate_scores,
    is_disclosed,
    load_model,
    recall_at_k,
)
from tribescope.sponsored._model import DENSE_FEATURES, dense_features, tokens

UTC = dt.UTC


def _put(ws, table, rows):
    s = schema.arrow_schema(table)
    t = pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)
    ws.duck.register("__t", t)
    ws.duck.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM __t')
    ws.duck.unregister("__t")


def test_multilingual_disclosure_hashtags():
    assert disclosure_hashtags_in("Neue Jacke! #Werbung #ootd") == ["werbung"]
    assert disclosure_hashtags_in("#publicité #pubblicità #reklama") == ["pubblicità", "publicité", "reklama"]
    assert disclosure_hashtags_in("love it #ad") == ["ad"]
    assert disclosure_hashtags_in("#adventure #sp #sponsoredbynobody") == []  # whole tags only; #sp = São Paulo
    assert disclosure_hashtags_in("thanks! #partner") == ["partner"]
    assert disclosure_hashtags_in("no tags", ["Anzeige"]) == ["anzeige"]
    assert is_disclosed(True, "") and is_disclosed(None, "#paidpartnership") and not is_disclosed(False, "hi")


def test_commercial_signals():
    assert commercial_signals("PETAL13 gets you a discount @petal") == ["promo code PETAL13"]
    assert commercial_signals("Use code lumera15 for 15% off") == ["promo code lumera15"]
    assert commercial_signals("Link in bio! Code IRONLEAF15") == ["promo code IRONLEAF15"]
    assert commercial_signals("grab it https://amzn.to/x") == ["affiliate link (amzn.to)"]
    assert commercial_signals("I wrote code today, zip code 10001, Code RED") == []


def test_tokens_and_markers():
    t = tokens("Loving @levis today #leviskids #ad")
    assert "@levis" not in t and "#leviskids" in t and "__disclosure__" in t
    assert "__mentions_1__" in t and "__mention_echoed_in_hashtag__" in t
    assert "__brandlike_mention__" in tokens("thanks @acme_official")


def test_dense_features_by_hand():
    row = {"caption": "hi @a @b #x", "likes": 99, "comments_count": 0, "followers": 999, "is_verified": True,
           "created_at": dt.datetime(2018, 1, 1, tzinfo=UTC), "media_type": "video", "tagged_users": ["q"]}
    f = dict(zip(DENSE_FEATURES, dense_features(row), strict=True))
    assert f["log_followers"] == pytest.approx(math.log(1000))
    assert f["likes_per_follower"] == pytest.approx(99 / 999)
    assert (f["n_mentions"], f["n_hashtags"], f["n_tagged"], f["verified"], f["after_2017"], f["is_video"]) == (
        2, 1, 1, 1, 1, 1)


def _toy_model(threshold=0.5):
    n = len(DENSE_FEATURES)
    return SponsoredModel(vocabulary={"#ad": 0, "collab": 1}, idf=np.array([1.0, 2.0]), dense_mean=np.zeros(n),
                          dense_std=np.ones(n), coef=np.concatenate([[2.0, 1.0], np.zeros(n)]), intercept=-1.0,
                          metrics={}, threshold=threshold)


def test_model_math_and_json_roundtrip(tmp_path):
    m = _toy_model()
    # "#ad" alone: tf-idf (1·1) normalised → 1; logit = 2·1 − 1 = 1
    assert m.predict_proba([{"caption": "#ad"}])[0] == pytest.approx(1 / (1 + math.exp(-1)))
    # "#ad collab": (1, 2)/√5 → logit = (2 + 2)/√5 − 1
    assert m.predict_proba([{"caption": "#ad collab"}])[0] == pytest.approx(1 / (1 + math.exp(-(4 / math.sqrt(5) - 1))))
    assert m.predict_proba([{"caption": "nothing"}])[0] == pytest.approx(1 / (1 + math.e))
    m.save(tmp_path / "m.json")
    m2 = load_model(tmp_path / "m.json")
    assert m2.predict_proba([{"caption": "#ad collab"}])[0] == pytest.approx(m.predict_proba([{"caption": "#ad collab"}])[0])


def test_shipped_model_loads_with_grouped_metrics():
    m = load_model()
    met = m.metrics
    assert met["n_positive"] > 100 and "GroupKFold" in met["protocol"]
    lo, hi = met["pr_auc"]["ci95"]
    assert lo <= met["pr_auc"]["value"] <= hi
    assert met["pr_auc"]["value"] > 3 * met["base_rate"]  # far better than chance on held-out creators
    p = m.predict_proba([{"caption": "Thanks @acme_official for the new kit! #acmepartner"}, {"caption": "sunset"}])
    assert 0 < p[1] < p[0] < 1


def test_average_precision_and_recall_at_k_by_hand():
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    assert average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    assert recall_at_k(y, s, 1) == 0.5 and recall_at_k(y, s, 3) == 1.0
    r = evaluate_scores(y, s, np.array(["a", "a", "b", "c"]), ks=(1,), n_boot=50)
    assert r["pr_auc"]["value"] == pytest.approx(0.8333, abs=1e-4) and r["n_creators"] == 3


def test_classify_posts(ws):
    from tribescope.brand import add_brand

    add_brand(ws, "Acme", handles="acme", keywords="acmeboots")
    _put(ws, "accounts", [{"platform": "instagram", "account_id": "ann", "username": "Ann", "followers": 5000}])
    t = dt.datetime(2024, 5, 1, tzinfo=UTC)
    _put(ws, "posts", [
        {"platform": "instagram", "post_id": "1", "creator_id": "ann", "created_at": t, "caption": "new shoes",
         "is_paid_partnership": True, "sponsor": "acme,othercorp"},
        {"platform": "instagram", "post_id": "2", "creator_id": "ann", "created_at": t, "caption": "hike #Anzeige",
         "hashtags": ["anzeige"]},
        {"platform": "instagram", "post_id": "3", "creator_id": "ann", "created_at": t, "caption": "#ad collab",
         "mentions": ["acme"]},
        {"platform": "instagram", "post_id": "4", "creator_id": "ann", "created_at": t, "caption": "my acmeboots again"},
        {"platform": "instagram", "post_id": "5", "creator_id": "bob", "created_at": t, "caption": "collab"},
        {"platform": "instagram", "post_id": "6", "creator_id": "bob", "created_at": t,
         "caption": "BOB10 gets you a discount @acme"},
    ])
    # the toy model: "collab" alone → tf-idf vector 1 → logit 1·1 − 1 = 0 → p = 0.5 ≥ 0.45 → likely
    out = {r["post_id"]: r for r in classify_posts(ws, model=_toy_model(threshold=0.45)).to_pylist()}
    assert (out["1"]["sponsored"], out["1"]["disclosure"], out["1"]["sponsored_probability"]) == ("disclosed", "platform", 1.0)
    assert out["1"]["brands_mentioned"] == ["Acme", "othercorp"]
    assert (out["2"]["sponsored"], out["2"]["disclosure"]) == ("disclosed", "#anzeige")
    assert out["3"]["sponsored"] == "disclosed" and out["3"]["brands_mentioned"] == ["Acme"]
    assert out["4"]["sponsored"] == "no" and out["4"]["brands_mentioned"] == ["Acme"]
    assert out["4"]["sponsored_probability"] == pytest.approx(1 / (1 + math.e))
    assert out["5"]["sponsored"] == "likely" and out["5"]["sponsored_probability"] == pytest.approx(0.5)
    assert out["5"]["signals"] == ["model 0.50 ≥ 0.45"]
    # below the model threshold, but a promo code is a commercial signal → likely
    assert out["6"]["sponsored"] == "likely" and out["6"]["signals"] == ["promo code BOB10"]
    assert out["6"]["sponsored_probability"] < 0.45 and out["6"]["brands_mentioned"] == ["Acme"]
    only = classify_posts(ws, creator="@Bob", model=_toy_model())
    assert only.column("post_id").to_pylist() == ["5", "6"]
    classify_posts(ws, model=_toy_model(), write=True)
    assert ws.table("sponsored_posts").count().execute() == 6


@pytest.mark.realdata
def test_kim_loader_hides_the_label():
    from tests.conftest import shared

    from tribescope.sponsored._train import load_kim

    d = shared("instagram_influencer_posts_kim")
    rows, y, groups = load_kim(d)
    assert len(rows) == len(y) == len(groups) and int(y.sum()) == 159
    assert all("is_paid_partnership" not in r and "sponsor" not in r for r in rows[:100])
