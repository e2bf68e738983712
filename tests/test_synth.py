"""`tribescope synth`: determinism, sizes, truth consistent with the exports, planted statistics,
real-format details, the campaign files, and an end-to-end import of the xs sample."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tribescope.synth import SCALES, generate, hypeauditor_er
from tribescope.synth._campaign import ORDER_COLUMNS

SEED = 5


@pytest.fixture(scope="module")
def xs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "xs"
    generate(out, "xs", SEED)
    return out


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _truth(root: Path, name: str) -> list[dict[str, str]]:
    with open(root / "truth" / name, newline="") as f:
        return list(csv.DictReader(f))


def _comments(root: Path) -> list[tuple[str, str, str, str, str | None]]:
    """(platform, post_id, comment_id, author_id, parent_id) read back from the written exports."""
    out: list[tuple[str, str, str, str, str | None]] = []
    seen: set[str] = set()
    for page in _jsonl(root / "youtube" / "commentThreads.jsonl"):
        for th in page["items"]:
            top = th["snippet"]["topLevelComment"]
            sn = top["snippet"]
            out.append(
                ("youtube", sn["videoId"], top["id"], sn.get("authorChannelId", {}).get("value", ""), None)
            )
            for r in th.get("replies", {}).get("comments", []):
                seen.add(r["id"])
                out.append(
                    (
                        "youtube",
                        r["snippet"]["videoId"],
                        r["id"],
                        r["snippet"].get("authorChannelId", {}).get("value", ""),
                        r["snippet"]["parentId"],
                    )
                )
    for page in _jsonl(root / "youtube" / "comments.jsonl"):
        for r in page["items"]:
            if r["id"] not in seen:
                out.append(
                    (
                        "youtube",
                        r["snippet"]["videoId"],
                        r["id"],
                        r["snippet"].get("authorChannelId", {}).get("value", ""),
                        r["snippet"]["parentId"],
                    )
                )
    for doc in _jsonl(root / "instagram" / "media.jsonl"):
        m = doc["graphql"]["shortcode_media"]
        edges = (m.get("edge_media_to_parent_comment") or m.get("edge_media_to_comment"))["edges"]
        for e in edges:
            n = e["node"]
            out.append(("instagram", m["id"], n["id"], n["owner"]["username"].lower(), None))
            for r in n.get("edge_threaded_comments", {}).get("edges", []):
                out.append(
                    ("instagram", m["id"], r["node"]["id"], r["node"]["owner"]["username"].lower(), n["id"])
                )
    for page in _jsonl(root / "tiktok" / "comments.jsonl"):
        for c in page["data"]["comments"]:
            par = None if c["parent_comment_id"] == c["video_id"] else str(c["parent_comment_id"])
            out.append(("tiktok", str(c["video_id"]), str(c["id"]), c["username"].lower(), par))
    return out


def _post_creators(root: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for page in _jsonl(root / "youtube" / "videos.jsonl"):
        for v in page["items"]:
            out["youtube", v["id"]] = v["snippet"]["channelId"]
    for doc in _jsonl(root / "instagram" / "media.jsonl"):
        m = doc["graphql"]["shortcode_media"]
        out["instagram", m["id"]] = m["owner"]["username"].lower()
    for page in _jsonl(root / "tiktok" / "videos.jsonl"):
        for v in page["data"]["videos"]:
            out["tiktok", str(v["id"])] = v["username"].lower()
    return out


# ----------------------------------------------------------------------------------------- basics


def test_hypeauditor_medians() -> None:
    import numpy as np

    er = hypeauditor_er(np.array([3_000, 10_000, 50_000, 500_000, 2_000_000]))
    assert er.tolist() == [0.0645, 0.0376, 0.0263, 0.0257, 0.0256]


@pytest.fixture(scope="module")
def xs_other(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, int]:
    out = tmp_path_factory.mktemp("synth") / "other"
    t0 = time.process_time()
    s = generate(out, "xs", SEED + 16)
    return out, time.process_time() - t0, s.comments


def test_xs_is_fast_and_sized(xs_other: tuple[Path, float, int]) -> None:
    out, cpu, n = xs_other
    assert cpu < 3.0, f"xs took {cpu:.2f}s of CPU"
    target = SCALES["xs"].comments
    assert 0.7 * target <= n <= 1.3 * target
    assert n == len(_comments(out))


def test_same_seed_same_bytes_other_seed_differs(
    tmp_path: Path, xs: Path, xs_other: tuple[Path, float, int]
) -> None:
    out = tmp_path / "again"
    shutil.copytree(xs, out)
    (out / "youtube" / "stale.jsonl").write_text("{}\n")  # earlier synth output is replaced, not merged
    generate(out, "xs", SEED)
    assert _digest(out) == _digest(xs)
    assert _digest(xs_other[0]) != _digest(xs)


def test_refuses_foreign_nonempty_folder(tmp_path: Path) -> None:
    from tribescope.errors import TribescopeError

    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(TribescopeError, match="not empty"):
        generate(tmp_path, "xs", 1)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    with pytest.raises(TribescopeError, match="unknown scale"):
        generate(tmp_path / "x", "xxl", 1)


# ----------------------------------------------------------------------------------------- truth vs exports


def test_truth_files_match_exports(xs: Path) -> None:
    creators = _truth(xs, "creators.csv")
    assert {c["kind"] for c in creators} == {"community", "broadcast", "boosted", "small"}
    posts = _post_creators(xs)
    exported = set(posts.values()) | {
        (ch["id"])
        for pg in [json.loads((xs / "youtube" / "channels.json").read_text())]
        for ch in (pg if isinstance(pg, list) else [pg])[0]["items"]
    }
    for c in creators:
        assert c["creator_id"] in exported, c
        if c["platform"] == "youtube":
            assert re.fullmatch(r"UC[A-Za-z0-9_-]{21}[AQgw]", c["creator_id"])
        else:
            assert c["creator_id"] == c["handle"].lower()
    # every niche has 1–2 leaders, who are community creators
    leaders = defaultdict(list)
    for c in creators:
        if c["is_leader"] == "true":
            leaders[c["niche"]].append(c["kind"])
    assert leaders and all(1 <= len(v) <= 2 and set(v) == {"community"} for v in leaders.values())
    assert set(leaders) == {c["niche"] for c in creators}
    # sponsored posts exist in the exports and belong to their creator
    for s in _truth(xs, "sponsored_posts.csv"):
        assert posts[s["platform"], s["post_id"]] == s["creator_id"]
    # pods: 5–15 accounts, all of which comment in the exports
    authors = {(p, a) for p, _, _, a, _ in _comments(xs)}
    pods = defaultdict(list)
    for r in _truth(xs, "pods.csv"):
        pods[r["pod_id"]].append(
            (r["platform"], r["account_id"].lower() if r["platform"] != "youtube" else r["account_id"])
        )
    assert pods and all(5 <= len(m) <= 15 for m in pods.values())
    assert all(m in authors for ms in pods.values() for m in ms)
    # truth accounts cover every comment author, and some of them are fake
    accounts = {(r["platform"], r["account_id"]): r["is_fake"] for r in _truth(xs, "accounts.csv")}
    assert all(a in accounts for a in authors if a[1])
    assert "true" in accounts.values()
    assert (xs / "truth" / ".tribescopeignore").exists() and (xs / "campaigns" / ".tribescopeignore").exists()


def test_profiles_include_fakes_with_fake_signals(xs: Path) -> None:
    with open(xs / "instagram" / "accounts.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "platform",
        "account_id",
        "username",
        "full_name",
        "bio",
        "followers",
        "following",
        "posts",
        "has_profile_pic",
        "is_private",
        "is_verified",
        "external_url",
    ]
    fake = {r["account_id"] for r in _truth(xs, "accounts.csv") if r["is_fake"] == "true"}
    f_rows = [r for r in rows if r["account_id"] in fake]
    r_rows = [r for r in rows if r["account_id"] not in fake]
    assert len(f_rows) >= 20 and len(r_rows) >= 100

    def share(rs: list[dict[str, str]], pred) -> float:
        return sum(map(pred, rs)) / len(rs)

    ratio = lambda r: int(r["following"]) > 5 * max(int(r["followers"]), 1)  # noqa: E731
    assert share(f_rows, ratio) > share(r_rows, ratio) + 0.3
    assert share(f_rows, lambda r: r["has_profile_pic"] == "false") > share(
        r_rows, lambda r: r["has_profile_pic"] == "false"
    )
    # not trivially separable: some fakes have a picture and posts
    assert any(r["has_profile_pic"] == "true" and int(r["posts"]) > 0 for r in f_rows)


# ----------------------------------------------------------------------------------------- planted statistics


def _per_creator_stats(root: Path) -> dict[str, dict[str, float]]:
    """Per creator, from the exports: share of comments that are follower↔follower replies, share of
    commenters who return on ≥ 2 posts, and the creator's reply share."""
    owner = _post_creators(root)
    by_id: dict[str, tuple[str, str]] = {}
    rows = _comments(root)
    for _p, post, cid, a, _ in rows:
        by_id[cid] = (a, post)
    acc: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    posts_of: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    pair_posts: dict[str, dict[frozenset[str], set[str]]] = defaultdict(lambda: defaultdict(set))
    for p, post, _cid, a, par in rows:
        cr = owner[p, post]
        s = acc[cr]
        s["n"] += 1
        if a != cr:
            posts_of[cr][a].add(post)
        if par is not None:
            pa = by_id[par][0]
            if a == cr:
                s["creator"] += 1
            elif pa != cr:
                s["ff"] += 1
                pair_posts[cr][frozenset((a, pa))].add(post)
    out = {}
    for cr, s in acc.items():
        commenters = posts_of[cr]
        pairs = pair_posts[cr]
        out[cr] = {
            "ff": s["ff"] / s["n"],
            "recurring_pairs": sum(len(v) >= 2 for v in pairs.values()) / max(len(commenters), 1),
            "returning": sum(len(v) >= 2 for v in commenters.values()) / max(len(commenters), 1),
            "creator": s["creator"] / s["n"],
        }
    return out


def test_planted_community_vs_broadcast(xs: Path) -> None:
    stats = _per_creator_stats(xs)
    kind = {c["creator_id"]: c["kind"] for c in _truth(xs, "creators.csv")}

    def mean(k: str, key: str) -> float:
        vals = [v[key] for c, v in stats.items() if kind[c] == k]
        return sum(vals) / len(vals)

    assert mean("community", "ff") > mean("broadcast", "ff")
    assert mean("community", "returning") > 2 * mean("broadcast", "returning")
    assert mean("community", "creator") > 3 * mean("broadcast", "creator")
    # friendships (pairs of followers talking on >= 2 posts) are what really tells them apart
    assert mean("community", "recurring_pairs") > 5 * mean("broadcast", "recurring_pairs")
    # but the raw follower-reply share alone does not separate them (big accounts get tag replies)
    comm_ff = sorted(v["ff"] for c, v in stats.items() if kind[c] == "community")
    bc_ff = sorted(v["ff"] for c, v in stats.items() if kind[c] == "broadcast")
    assert comm_ff[0] < bc_ff[-1]


def test_followers_follow_the_published_shape(xs: Path, xs_other: tuple[Path, float, int]) -> None:
    cr = _truth(xs, "creators.csv") + _truth(xs_other[0], "creators.csv")
    f = {
        k: sorted(int(c["followers"]) for c in cr if c["kind"] == k)
        for k in ("community", "broadcast", "small")
    }
    assert max(f["small"]) < 1000
    assert f["community"][len(f["community"]) // 2] < 100_000 < f["broadcast"][len(f["broadcast"]) // 2]
    # overlapping ranges: a broadcast creator below the largest community creator
    assert f["broadcast"][0] < f["community"][-1]


def test_pod_comments_come_in_the_first_hour(xs: Path) -> None:
    pods = {
        (r["platform"], r["account_id"].lower())
        for r in _truth(xs, "pods.csv")
        if r["platform"] == "instagram"
    }
    if not pods:
        pytest.skip("no instagram pod in this sample")
    delays = []
    for doc in _jsonl(xs / "instagram" / "media.jsonl"):
        m = doc["graphql"]["shortcode_media"]
        for e in (m.get("edge_media_to_parent_comment") or m.get("edge_media_to_comment"))["edges"]:
            n = e["node"]
            if ("instagram", n["owner"]["username"].lower()) in pods:
                delays.append(n["created_at"] - m["taken_at_timestamp"])
    assert delays and max(delays) <= 3600


# ----------------------------------------------------------------------------------------- formats


def test_real_format_details(xs: Path) -> None:
    page = _jsonl(xs / "youtube" / "commentThreads.jsonl")[0]
    assert page["kind"] == "youtube#commentThreadListResponse"
    th = page["items"][0]
    assert re.fullmatch(r"Ug[wxyz][A-Za-z0-9_-]{19}4AaABAg", th["id"])
    assert th["snippet"]["topLevelComment"]["snippet"]["authorDisplayName"].startswith("@")
    vpage = _jsonl(xs / "youtube" / "videos.jsonl")[0]
    v = vpage["items"][0]
    assert vpage["kind"] == "youtube#videoListResponse" and re.fullmatch(r"[A-Za-z0-9_-]{11}", v["id"])
    assert isinstance(v["statistics"]["viewCount"], str) and v["contentDetails"]["duration"].startswith("PT")
    tt = _jsonl(xs / "tiktok" / "videos.jsonl")[0]
    assert tt["error"]["code"] == "ok" and isinstance(tt["data"]["videos"][0]["id"], int)
    d = next((xs / "discord").rglob("*.json"))
    doc = json.loads(d.read_text())
    assert {"guild", "channel", "messages", "messageCount"} <= set(doc)
    replies = [m for m in doc["messages"] if "reference" in m]
    assert all(m["type"] == "Reply" for m in replies)
    sub = next((xs / "reddit").glob("*_comments.ndjson"), None)
    if sub is not None:
        c = json.loads(sub.read_text().splitlines()[0])
        assert c["parent_id"][:3] in ("t1_", "t3_") and c["link_id"].startswith("t3_")
    with open(xs / "community_links.csv", newline="") as f:
        links = list(csv.DictReader(f))
    assert links and set(links[0]) == {
        "platform",
        "space_id",
        "space_name",
        "creator_platform",
        "creator_id",
        "members",
    }


def test_campaign_files_plant_better_community_conversion(xs: Path) -> None:
    with open(xs / "campaigns" / "orders_export.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ORDER_COLUMNS
        orders = list(reader)
    assert orders[0]["Name"].startswith("#")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [-+]\d{4}", orders[0]["Created at"])
    with open(xs / "campaigns" / "campaign_plan.csv", newline="") as f:
        plan = list(csv.DictReader(f))
    assert {"creator_id", "cost", "start", "end", "promo_code", "utm_campaign", "link"} <= set(plan[0])
    truth = _truth(xs, "campaign_truth.csv")
    by_code = {p["promo_code"]: p for p in plan}
    counted: dict[str, int] = defaultdict(int)
    for o in orders:
        if o["Discount Code"] in by_code:
            counted[by_code[o["Discount Code"]]["creator_id"]] += 1
    rate = defaultdict(list)
    for t in truth:
        assert int(t["orders"]) >= counted[t["creator_id"]]
        rate[t["kind"]].append(float(t["expected_conversion_rate"]))
    assert min(rate["community"]) > max(rate["broadcast"])


# ----------------------------------------------------------------------------------------- CLI + import


def test_cli_synth(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tribescope.cli import app

    res = CliRunner().invoke(app, ["synth", "--scale", "xs", "--seed", "2", "--out", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "d" / "truth" / "creators.csv").exists()
    res = CliRunner().invoke(app, ["synth", "--scale", "xxl", "--out", str(tmp_path / "e")])
    assert res.exit_code != 0


@pytest.mark.slow
def test_import_xs_sample(xs: Path, tmp_path: Path) -> None:
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    ws = connect(tmp_path / "ws.duckdb")
    try:
        import_paths(ws, [xs])
        d = ws.duck

        def counts(table: str) -> dict[str, int]:
            return dict(d.execute(f"SELECT platform, count(*) FROM {table} GROUP BY 1").fetchall())

        for table in ("posts", "comments"):
            c = counts(table)
            assert all(c.get(p, 0) > 0 for p in ("youtube", "instagram", "tiktok")), (table, c)
        acc = counts("accounts")
        assert all(acc.get(p, 0) > 0 for p in ("youtube", "instagram", "tiktok", "discord", "reddit")), acc
        msgs = counts("community_messages")
        assert msgs.get("discord", 0) > 0 and msgs.get("reddit", 0) > 0
        assert sum(counts("comments").values()) == len(_comments(xs))
        # the creator's own replies on YouTube carry the channel's id
        n_creator_replies = d.execute(
            "SELECT count(*) FROM comments c JOIN posts p USING (platform, post_id) "
            "WHERE c.platform = 'youtube' AND c.parent_comment_id IS NOT NULL AND c.author_id = p.creator_id"
        ).fetchone()[0]
        assert n_creator_replies > 0
    finally:
        ws.close()


def test_space_names_stay_unique_when_creators_share_a_handle() -> None:
    """At scale l two creators of one handle (on different platforms) both ran a server, and the writer
    appended the second export to the first one's file (invalid JSON). Taken names are now numbered."""
    import numpy as np

    from tribescope.synth._world import _build_spaces, _space_key, build_world

    w = build_world("xs", 0)
    for c in w.creators:
        c.handle = "theemmatech"  # every creator the same handle: the worst case
    spaces = _build_spaces(np.random.default_rng(1), w.creators, w.pools, 0)
    assert len(spaces) > 10
    keys = [_space_key(s.platform, s.name) for s in spaces]
    assert len(set(keys)) == len(keys)
    reddit = [s.space_id for s in spaces if s.platform == "reddit"]
    assert len({r.lower() for r in reddit}) == len(reddit) and max(map(len, reddit)) <= 21
    # an untaken name is left as it was
    assert any(
        s.name
        in (
            "Theemmatech's Crew",
            "Theemmatech's Club",
            "Theemmatech's Community",
            "Theemmatech's Hangout",
            "Theemmatech's Lab",
        )
        for s in spaces
    )


def test_the_summary_counts_the_community_messages_the_exports_hold(tmp_path: Path) -> None:
    """The summary left out the brand's subreddit and the Discord welcome bot's messages (xs seed 6: it printed 312
    Reddit and 1,080 Discord messages where the files hold 732 and 1,090)."""
    s = generate(tmp_path / "x", "xs", 6)
    out = tmp_path / "x"
    reddit = sum(
        1 for f in (out / "reddit").rglob("*.ndjson") for line in f.read_text().splitlines() if line.strip()
    )
    discord = sum(len(json.loads(f.read_text())["messages"]) for f in (out / "discord").rglob("*.json"))
    assert s.by_platform["reddit"]["messages"] == reddit
    assert s.by_platform["discord"]["messages"] == discord
    assert s.community_messages == reddit + discord
