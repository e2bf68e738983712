"""The route a user would take instead of tribescope: a pandas + networkx + VADER notebook.

Reads YouTube Data API exports (videos.list and commentThreads.list pages) and computes a handful
of per-channel metrics: median engagement rate, reply shares (creator and follower↔follower),
returning commenters, commenter-graph clustering, mean sentiment. Written the way an analyst would
(json.load, list of dicts, DataFrame, groupby, networkx per channel) — the baseline tribescope's
import + score of the same files is compared to.

Run: ``python -m benchmarks.notebook_reference DIR`` (DIR holds the YouTube JSON/JSONL files).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def _pages(path: Path):
    text = path.read_text()
    try:
        doc = json.loads(text)
        yield from (doc if isinstance(doc, list) else [doc])
    except json.JSONDecodeError:
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    channels, videos, comments = [], [], []
    for f in sorted(folder.rglob("*.json*")):
        for page in _pages(f):
            kind = page.get("kind", "")
            for it in page.get("items", []):
                if kind == "youtube#channelListResponse":
                    channels.append(
                        {
                            "channel_id": it["id"],
                            "subs": int(it.get("statistics", {}).get("subscriberCount") or 0),
                        }
                    )
                elif kind == "youtube#videoListResponse":
                    st = it.get("statistics", {})
                    videos.append(
                        {
                            "video_id": it["id"],
                            "channel_id": it["snippet"]["channelId"],
                            "likes": int(st.get("likeCount") or 0),
                            "n_comments": int(st.get("commentCount") or 0),
                        }
                    )
                elif kind == "youtube#commentThreadListResponse":
                    top = it["snippet"]["topLevelComment"]
                    s = top["snippet"]
                    comments.append(
                        {
                            "id": top["id"],
                            "video_id": s["videoId"],
                            "channel_id": it["snippet"].get("channelId"),
                            "author": s.get("authorChannelId", {}).get("value"),
                            "parent": None,
                            "text": s.get("textOriginal") or s.get("textDisplay"),
                        }
                    )
                    for r in it.get("replies", {}).get("comments", []):
                        rs = r["snippet"]
                        comments.append(
                            {
                                "id": r["id"],
                                "video_id": rs["videoId"],
                                "channel_id": it["snippet"].get("channelId"),
                                "author": rs.get("authorChannelId", {}).get("value"),
                                "parent": rs.get("parentId"),
                                "text": rs.get("textOriginal") or rs.get("textDisplay"),
                            }
                        )
    return pd.DataFrame(channels), pd.DataFrame(videos), pd.DataFrame(comments)


def metrics(channels: pd.DataFrame, videos: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    v = videos.merge(channels, on="channel_id", how="left")
    v["er"] = (v["likes"] + v["n_comments"]) / v["subs"].where(v["subs"] > 0)
    out = v.groupby("channel_id")["er"].median().rename("median_er").to_frame()

    by_id = comments.set_index("id")["author"]
    comments["parent_author"] = comments["parent"].map(by_id)
    replies = comments[comments["parent"].notna()]
    creator_reply = replies["author"] == replies["channel_id"]
    ff = replies[(~creator_reply) & (replies["parent_author"] != replies["channel_id"])]
    out["creator_reply_share"] = (
        replies[creator_reply].groupby("channel_id").size() / comments.groupby("channel_id").size()
    )
    out["follower_reply_share"] = ff.groupby("channel_id").size() / comments.groupby("channel_id").size()

    per = (
        comments[comments["author"] != comments["channel_id"]]
        .groupby(["channel_id", "author"])["video_id"]
        .nunique()
    )
    out["returning_share"] = (per >= 2).groupby("channel_id").mean()

    clustering = {}
    for ch, g in ff.groupby("channel_id"):
        G = nx.Graph()
        e = g[["author", "parent_author"]].dropna()
        G.add_edges_from(zip(e["author"], e["parent_author"], strict=True))
        clustering[ch] = nx.average_clustering(G) if len(G) else 0.0
    out["clustering"] = pd.Series(clustering)

    sia = SentimentIntensityAnalyzer()
    comments["sentiment"] = [sia.polarity_scores(t or "")["compound"] for t in comments["text"]]
    out["sentiment"] = comments.groupby("channel_id")["sentiment"].mean()
    return out.fillna(0.0)


def main(folder: str) -> None:
    t0 = time.perf_counter()
    ch, vi, co = load(Path(folder))
    res = metrics(ch, vi, co)
    dt = time.perf_counter() - t0
    print(json.dumps({"seconds": dt, "comments": len(co), "channels": len(res)}))


if __name__ == "__main__":
    main(sys.argv[1])
