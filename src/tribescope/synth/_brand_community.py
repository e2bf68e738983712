"""The campaign brand's own community: a subreddit ``r/<Brand>`` with planted ambassadors.

Community Commerce (``tribescope ambassadors --brand B``) ranks the members of the brand's own space by
reach, activity and the conversation they spark. The generator plants that space for the campaign
brand (``Brightfold``) as a Reddit export (``reddit/<Brand>_submissions.ndjson`` / ``_comments.ndjson``,
the same Pushshift-style NDJSON the creators' subreddits use) and writes who is who to
``truth/brand_community.csv``:

* ``ambassador`` (4 at xs) — post often (threads and comments) and draw replies from many *other*
  members: the people a brand would recruit;
* ``broadcaster`` (1) — posts as much as an ambassador, but nobody answers (activity without
  influence: the ranking must not put it first);
* ``member`` — everyone else, Zipf-distributed activity, replies drawn mostly to ambassadors' messages;
* the brand's own account (``brightfold``) announces products; it is not a member.

Reddit exports carry no follower counts, so reach is unknown (0) for every member and the planted
ambassadors stand out by activity and sparked replies. Members are new Reddit usernames, never accounts
of the creator pools; the space is not in ``community_links.csv`` (no creator runs it), so no creator's
score or planted truth changes. It uses its own random stream (``[seed, 29]``): every other synth file
is byte-identical with and without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson

from tribescope.synth import _ids
from tribescope.synth._vocab import FIRST_NAMES, WORDS
from tribescope.synth._world import DAY, T_EXPORT, World

__all__ = ["write_brand_community"]

#: (members, messages, ambassadors) by scale
_SIZE = {"xs": (60, 420, 4), "s": (150, 1200, 6), "m": (400, 3500, 10), "l": (1000, 9000, 20)}
_PRODUCTS = ("Everyday Bottle", "Trail Pack", "Mini Kit", "Travel Pouch", "Insulated Mug")
_THREADS = (
    "How I pack my {p} for a weekend trip",
    "Six months with the {p}: honest review",
    "{p} vs the old model?",
    "Show us your {p} setup",
    "Tips: keeping the {p} clean",
    "Meetup this Saturday, bring your {p}",
)
_BODY = (
    "Here is what worked for me with the {p}, happy to answer questions.",
    "I tested the {p} on three hikes, notes below.",
    "Long post: everything I learned about the {p} so far.",
    "Quick guide for new members who just got the {p}.",
)
_REPLY = (
    "Great write-up, ordered the {p} because of this.",
    "Thanks! Does the {p} fit in a carry-on?",
    "Same experience here, the {p} is solid.",
    "Saving this, super helpful.",
    "How long did shipping take for you?",
    "Agree with all of it, especially the part about the {p}.",
)
_CHATTER = (
    "anyone here from Denver?",
    "first post, hi all",
    "just ordered mine",
    "nice",
    "love this sub",
    "when is the next drop?",
    "posting my haul later",
    "same",
)


def _names(world: World, rng: np.random.Generator, n: int) -> list[str]:
    taken = {h.lower().replace(".", "_") for pool in world.pools.values() for h in pool.handles}
    out: list[str] = []
    seen: set[str] = set(taken)
    while len(out) < n:
        name = (
            f"{FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]}_"
            f"{WORDS[int(rng.integers(0, len(WORDS)))]}{int(rng.integers(1, 99)):02d}"
        ).lower()
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def write_brand_community(world: World, out: Path, truth: Path) -> int:
    """Write the brand subreddit and ``truth/brand_community.csv``; return the number of messages."""
    camp = world.campaign
    n_members, n_msgs, n_amb = _SIZE.get(world.scale, _SIZE["xs"])
    rng = np.random.default_rng([world.seed, 29])
    names = _names(world, rng, n_members)
    amb = list(range(n_amb))
    broadcaster = n_amb
    # who writes: ambassadors ~40 % of messages, the broadcaster ~7 %, the brand ~3 %, members the rest (Zipf)
    rest = np.arange(n_amb + 1, n_members)
    zipf = 1.0 / np.arange(1, len(rest) + 1) ** 0.5
    zipf /= zipf.sum()
    roles = rng.choice(4, size=n_msgs, p=[0.40, 0.07, 0.03, 0.50])
    author = np.where(
        roles == 0,
        rng.choice(amb, size=n_msgs),
        np.where(roles == 1, broadcaster, np.where(roles == 2, -1, rng.choice(rest, size=n_msgs, p=zipf))),
    )
    t = np.sort(rng.uniform(T_EXPORT - 120 * DAY, T_EXPORT - 3600, n_msgs))
    # threads: the brand and ambassadors open most; members reply, mostly to ambassadors' messages
    is_sub = rng.random(n_msgs) < np.where(
        roles == 0, 0.45, np.where(roles == 2, 1.0, np.where(roles == 1, 0.6, 0.08))
    )
    is_sub[0] = True
    author[0] = -1
    ids = [_ids.b36(int(x)) for x in rng.integers(36**6, 36**7 - 1, n_msgs)]
    parent = np.full(n_msgs, -1)
    thread = np.zeros(n_msgs, dtype=np.int64)
    for i in range(1, n_msgs):
        if is_sub[i]:
            thread[i] = i
            continue
        prev = np.arange(max(0, i - 40), i)
        if author[i] == broadcaster or roles[i] == 1:
            cands = prev[is_sub[prev]]  # the broadcaster comments on threads, never as an answer to someone
        else:
            w = np.where(np.isin(author[prev], amb), 8.0, np.where(author[prev] == broadcaster, 0.0, 1.0))
            w = np.where(author[prev] == author[i], 0.0, w)
            cands = prev[w > 0]
            if len(cands):
                p = w[w > 0] / w[w > 0].sum()
                pick = int(rng.choice(cands, p=p))
                parent[i] = pick
                thread[i] = thread[pick]
                continue
        pick = int(cands[-1]) if len(cands) else int(np.flatnonzero(is_sub[:i])[-1])
        parent[i] = pick
        thread[i] = thread[pick]
    sub = camp.brand
    sub_id = "t5_" + _ids.b36(int(rng.integers(36**5, 36**6 - 1)))
    n_com = np.bincount(thread[~is_sub], minlength=n_msgs)
    score = np.floor(np.exp(rng.normal(1.0, 1.0, n_msgs))).astype(int)
    rdir = out / "reddit"
    rdir.mkdir(parents=True, exist_ok=True)
    subs: list[bytes] = []
    coms: list[bytes] = []
    for i in range(n_msgs):
        a = int(author[i])
        who = camp.brand_handle if a < 0 else names[a]
        prod = _PRODUCTS[int(rng.integers(0, len(_PRODUCTS)))]
        if is_sub[i]:
            title = (
                f"New: the {camp.brand} {prod} is back in stock"
                if a < 0
                else _THREADS[int(rng.integers(0, len(_THREADS)))].format(p=prod)
            )
            body = (
                "Restocked today, link in the sidebar."
                if a < 0
                else _BODY[int(rng.integers(0, len(_BODY)))].format(p=prod)
            )
            subs.append(
                orjson.dumps(
                    {
                        "id": ids[i],
                        "name": "t3_" + ids[i],
                        "subreddit": sub,
                        "subreddit_id": sub_id,
                        "author": who,
                        "title": title,
                        "selftext": body,
                        "created_utc": int(t[i]),
                        "score": int(score[i]),
                        "num_comments": int(n_com[i]),
                        "is_self": True,
                        "over_18": False,
                        "permalink": f"/r/{sub}/comments/{ids[i]}/{_ids.reddit_slug(title)}/",
                        "url": f"https://www.reddit.com/r/{sub}/comments/{ids[i]}/",
                    },
                    option=orjson.OPT_APPEND_NEWLINE,
                )
            )
        else:
            pr = int(parent[i])
            if a in amb:
                body = _BODY[int(rng.integers(0, len(_BODY)))].format(p=prod)
            elif a == broadcaster:
                body = f"Check my {prod} deal thread, link in profile"
            else:
                body = (
                    _REPLY[int(rng.integers(0, len(_REPLY)))].format(p=prod)
                    if rng.random() < 0.7
                    else _CHATTER[int(rng.integers(0, len(_CHATTER)))]
                )
            coms.append(
                orjson.dumps(
                    {
                        "id": ids[i],
                        "name": "t1_" + ids[i],
                        "parent_id": ("t3_" if is_sub[pr] else "t1_") + ids[pr],
                        "link_id": "t3_" + ids[int(thread[i])],
                        "subreddit": sub,
                        "subreddit_id": sub_id,
                        "author": who,
                        "body": body,
                        "created_utc": int(t[i]),
                        "score": int(score[i]),
                        "permalink": f"/r/{sub}/comments/{ids[int(thread[i])]}/_/{ids[i]}/",
                    },
                    option=orjson.OPT_APPEND_NEWLINE,
                )
            )
    (rdir / f"{sub}_submissions.ndjson").write_bytes(b"".join(subs))
    (rdir / f"{sub}_comments.ndjson").write_bytes(b"".join(coms))
    rows: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        role = "ambassador" if k in amb else "broadcaster" if k == broadcaster else "member"
        mine = author == k
        replies_to = int(np.isin(parent, np.flatnonzero(mine)).sum()) if mine.any() else 0
        rows.append(
            {
                "platform": "reddit",
                "space_id": sub.lower(),
                "account_id": name,
                "role": role,
                "messages": int(mine.sum()),
                "replies_received": replies_to,
            }
        )
    cols = ["platform", "space_id", "account_id", "role", "messages", "replies_received"]
    lines = [",".join(cols)] + [",".join(str(r[c]) for c in cols) for r in rows]
    (truth / "brand_community.csv").write_text("\n".join(lines) + "\n")
    return n_msgs
