"""Sponsorship disclosure is what a viewer sees, in one definition for the classifier (``tribescope posts``) and the
score's ``sponsored_share`` (``metrics.brand_deals``): disclosure hashtags (also full-width ``＃``, and list elements
written with their '#'), labels without a hashtag ("Werbung | …", "[Anzeige]") and Instagram's "Paid partnership with
@x"; never YouTube's hidden ``snippet.tags``. Promo codes in other languages are commercial signals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribescope.sponsored import FEATURES, SponsoredModel, classify_posts, commercial_signals, post_features
from tribescope.sponsored import disclosure_hashtags_in as disclosures
from tribescope.sponsored._model import Tree

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

T = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
DISC = FEATURES.index("disclosure_hashtag")
COMM = FEATURES.index("commercial_signal")


def _never() -> SponsoredModel:
    """P = σ(-5) ≈ 0.007 for every post: only the rules label a post."""
    tree = Tree(
        feature=np.array([-1]),
        threshold=np.array([0.0]),
        left=np.array([0]),
        right=np.array([0]),
        value=np.array([0.0]),
        missing_left=np.array([True]),
    )
    return SponsoredModel(trees=[tree], baseline=-5.0, threshold=0.5, metrics={})


def _post(pid: str, creator: str, caption: str, **kw: object) -> dict[str, object]:
    return {
        "platform": "instagram",
        "post_id": pid,
        "creator_id": creator,
        "created_at": T,
        "caption": caption,
        **kw,
    }


@pytest.mark.parametrize(
    ("text", "hashtags", "want"),
    [
        ("Werbung | Danke an @lumera", None, ["werbung"]),  # returned [] before
        ("[Anzeige] Meine neue Kamera", None, ["anzeige"]),
        ("Paid partnership with @lumera\nLove this camera", None, ["paidpartnership"]),
        ("This video is sponsored by Lumera", None, ["sponsored"]),
        ("＃広告 新作のカメラ", None, ["広告"]),  # full-width number sign
        ("【PR】新作", None, ["pr"]),
        ("ANZEIGE\nNeue Jacke", None, ["anzeige"]),
        ("nice jacket", ["#ad"], ["ad"]),  # a list element with its '#'
        ("nice jacket", ["＃Werbung"], ["werbung"]),
        ("#publicidad hola", None, ["publicidad"]),
        # not disclosures: a word in running text, "not sponsored by", a longer tag, an ambiguous tag
        ("bad ad here, ad-free version", None, []),
        ("This is not sponsored by Apple", None, []),
        ("PR: new deadlift record", None, []),
        ("#adventure #sp #pub #werbungfür", None, []),
    ],
)
def test_disclosures_a_viewer_sees(text: str, hashtags: list[str] | None, want: list[str]) -> None:
    assert disclosures(text, hashtags) == want


@pytest.mark.parametrize(
    "text",
    [
        "Werbung | Danke",
        "[Anzeige] neu",
        "Paid partnership with @x",
        "This video is sponsored by X",
        "This is not sponsored by X",
        "＃広告 新作",
        "【PR】新作",
        "PR: record",
        "Ad - new merch",
        "ad-free version",
        "#ads.",
        "#ad_",
        "x #werbungfür",
        "Title\nWerbung: Kamera",
        "in bezahlter Partnerschaft mit @x",
        "Paid\u00a0partnership with @x",  # a no-break space: Python's \\s reads it, RE2's does not
        "sponsored\u202fby acme",
        # each phrase form once more (the engine searches each only in texts holding its guard's words)
        "Video in paid partnership with @acme",
        "Gesponsert von Acme",
        "Unterstützt durch Acme",
        "Patrocinado por Acme",
        "Sponsorisée par Acme",
        "Sponsorizzato da Acme",
        "nothing here",
    ],
)
def test_the_engine_disclosure_pattern_agrees_with_the_classifier(text: str) -> None:
    import duckdb
    import ibis

    from tribescope.metrics._brand import DISCLOSURE_FORMS, DISCLOSURE_GUARDS, DISCLOSURE_PATTERN, _search_any

    want = bool(disclosures(text))
    con = duckdb.connect()
    assert con.execute("SELECT regexp_matches(lower(?), ?)", [text, DISCLOSURE_PATTERN]).fetchone()[0] == want
    # the forms one by one, as sponsored_posts searches them: each only where its guard's words are
    assert ibis.duckdb.connect().execute(_search_any(ibis.literal(text).lower(), DISCLOSURE_FORMS)) == want
    got = _search_any(ibis.literal(text).lower(), DISCLOSURE_FORMS, DISCLOSURE_GUARDS)
    assert ibis.duckdb.connect().execute(got) == want


#: pieces of disclosures and near misses, for texts the forms may or may not match
_PIECES = [
    *"#＃[]()【】［］（）|:：-–/•@",
    " ",
    "  ",
    "\n",
    "\t",
    "\u00a0",
    "\u202f",
    "ad",
    "ads",
    "Werbung",
    "Anzeige",
    "PR",
    "広告",
    "paid",
    "partnership",
    "paidpartnership",
    "with",
    "in",
    "is",
    "video",
    "sponsored",
    "Sponsored",
    "by",
    "not",
    "bezahlter",
    "bezahlte",
    "Partnerschaft",
    "mit",
    "gesponsert",
    "unterstützt",
    "von",
    "durch",
    "patrocinado",
    "patrocinada",
    "por",
    "sponsorisée",
    "sponsorisé",
    "par",
    "sponsorizzato",
    "da",
    "acme",
    "x1",
    # the phrases whole, so that the forms match often
    "in paid partnership with",
    "video is sponsored by",
    "sponsored by",
    "in bezahlter partnerschaft mit",
    "gesponsert von",
    "unterstützt durch",
    "patrocinado por",
    "sponsorisée par",
    "sponsorizzato da",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_every_disclosure_form_holds_its_guard(pieces: list[str]) -> None:
    """Every text a disclosure form matches holds one of its guard's strings (what lets the engine search a form only
    in those texts): the forms as Python reads them, built the same way as the engine's."""
    from tribescope.sponsored._disclosure import _DISCLOSURE_FORMS, DISCLOSURE_GUARDS

    text = "".join(pieces).lower()
    assert len(DISCLOSURE_GUARDS) == len(_DISCLOSURE_FORMS)
    for form, guard in zip(_DISCLOSURE_FORMS, DISCLOSURE_GUARDS, strict=True):
        if guard and form.search(text):
            assert any(g in text for g in guard), (form.pattern, text)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join), min_size=1, max_size=40))
def test_guarded_search_finds_the_posts_the_forms_find(texts: list[str]) -> None:
    """``sponsored_posts``' guarded search marks the same texts as the twelve forms searched everywhere (DuckDB)."""
    import ibis
    import pyarrow as pa

    from tribescope.metrics._brand import DISCLOSURE_FORMS, DISCLOSURE_GUARDS, _search_any

    t = ibis.memtable(pa.table({"i": list(range(len(texts))), "x": texts}))
    low = t.x.lower()
    e = t.select(
        "i", a=_search_any(low, DISCLOSURE_FORMS), b=_search_any(low, DISCLOSURE_FORMS, DISCLOSURE_GUARDS)
    )
    rows = ibis.duckdb.connect().to_pyarrow(e.order_by("i")).to_pylist()
    assert [r["a"] for r in rows] == [r["b"] for r in rows]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("code promo LUMERA15 pour 15 %", ["promo code LUMERA15"]),  # French; no signal before
        ("con el código ANNA10 tenéis un 10 %", ["promo code ANNA10"]),  # Spanish
        ("codice sconto ANNA10", ["promo code ANNA10"]),  # Italian
        ("mit dem Gutscheincode anna10", ["promo code anna10"]),  # German, lower case
        ("zip code 90210, código postal 28001, error code 404", []),  # numbers are not codes
        ("my Kodak2000 camera, shoutout to @coders42", []),  # a code word inside a word is none
        ("code\u00a0promo ANNA10", ["promo code ANNA10"]),  # a no-break space, read alike by both engines
    ],
)
def test_promo_codes_in_other_languages(text: str, want: list[str]) -> None:
    import duckdb

    from tribescope.sponsored._disclosure import COMMERCIAL_SIGNAL_PATTERN

    assert commercial_signals(text) == want
    con = duckdb.connect()
    assert con.execute("SELECT regexp_matches(?, ?)", [text, COMMERCIAL_SIGNAL_PATTERN]).fetchone()[
        0
    ] == bool(want)


def test_the_model_features_stay_as_trained() -> None:
    """The shipped model was trained on caption #tags and English code forms: its inputs do not move with the rule.
    Only what a viewer sees is read (YouTube's hidden tags are not)."""
    assert post_features({"caption": "Werbung | Danke"})[DISC] == 0.0
    assert post_features({"caption": "con el código ANNA10"})[COMM] == 0.0
    assert post_features({"caption": "x #Werbung"})[DISC] == 1.0
    assert post_features({"caption": "x", "hashtags": ["ads"], "platform": "instagram"})[DISC] == 1.0
    assert post_features({"caption": "x", "hashtags": ["ads"], "platform": "youtube"})[DISC] == 0.0


def test_youtube_hidden_tags_are_not_a_disclosure(ws) -> None:
    """A video tagged "ads" (snippet.tags, never shown; the importer stores them in ``hashtags``) counted as disclosed
    in the classifier and the score; a visible "#ad" in the title still is."""
    from tribescope.metrics import brand_deals

    _put(
        ws,
        "posts",
        [
            _post(
                "v1",
                "UCa",
                "Nothing paid here",
                platform="youtube",
                title="Morning",
                hashtags=["ads", "routine"],
            ),
            _post("v2", "UCa", "fun", platform="youtube", title="Vlog #ad", hashtags=["ad"]),
        ],
    )
    rows = {r["post_id"]: r for r in classify_posts(ws, model=_never()).to_pylist()}
    assert (rows["v1"]["sponsored"], rows["v1"]["disclosure"]) == ("no", None)
    assert (rows["v2"]["sponsored"], rows["v2"]["disclosure"]) == ("disclosed", "#ad")
    bd = brand_deals(ws.table("posts"), ws.table("accounts")).to_pyarrow().to_pylist()
    assert [(r["n_sponsored"], r["sponsored_share"]) for r in bd] == [(1, 0.5)]


def test_sponsored_share_and_er_ratio_by_hand(ws) -> None:
    """ann (1000 followers): two disclosures without a hashtag, a Spanish promo code, two organic posts.
    ER = (likes + comments_count) / followers: sponsored 0.06, 0.03, 0.08 → median 0.06; organic 0.12, 0.20 →
    median 0.16; ratio 0.375. sponsored_share 3/5, disclosed_share 2/5. Before: 0 sponsored, ratio null."""
    from tribescope.metrics import brand_deals

    _put(
        ws, "accounts", [{"platform": "instagram", "account_id": "ann", "username": "ann", "followers": 1000}]
    )
    _put(
        ws,
        "posts",
        [
            _post("s1", "ann", "Werbung | Danke an @lumera", likes=50, comments_count=10),
            _post("s2", "ann", "[Anzeige] neue Kamera", likes=30, comments_count=0),
            _post("s3", "ann", "Reseña: con el código ANNA10 tenéis un 10 %", likes=70, comments_count=10),
            _post("o1", "ann", "Kaffee am Morgen", likes=100, comments_count=20),
            _post("o2", "ann", "Spaziergang", likes=200, comments_count=0),
        ],
    )
    (r,) = brand_deals(ws.table("posts"), ws.table("accounts")).to_pyarrow().to_pylist()
    assert r["n_sponsored"] == 3
    assert r["sponsored_share"] == pytest.approx(0.6)
    assert r["disclosed_share"] == pytest.approx(0.4)
    assert r["sponsored_er_ratio"] == pytest.approx(0.06 / 0.16)
    # the classifier labels the same posts (one definition)
    labels = {x["post_id"]: x["sponsored"] for x in classify_posts(ws, model=_never()).to_pylist()}
    assert labels == {"s1": "disclosed", "s2": "disclosed", "s3": "likely", "o1": "no", "o2": "no"}
