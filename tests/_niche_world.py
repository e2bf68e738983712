"""A tiny hand-written world for the niche tests: two niches of three creators each, joined by one member.

Niche "fit": creators ``fa`` (leader), ``fb``, ``fc`` — gym / workout captions; members m1..m6.
Niche "food": creators ``ka`` (leader), ``kb``, ``kc`` — recipe / baking captions; members n1..n6.
Member ``x`` comments on ``fc`` and ``ka`` (the bridge). ``fb`` and ``fc`` comment on ``fa``'s posts,
``kb`` and ``kc`` on ``ka``'s. Regulars (a comment under each of three posts, on three days): m1, m2 at
``fa``; n1 at ``ka``. Every comment is in 2024; all names are invented.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from tribescope import schema

UTC = dt.UTC
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)  # a Monday

FIT = [
    "gym workout squat protein deadlift #fitness #gym",
    "leg day squat workout gains #fitness",
    "protein shake after gym workout #gym #fitness",
]
FOOD = [
    "pasta recipe dinner baking bread #food #recipe",
    "sourdough bread baking recipe #baking #food",
    "dinner recipe pasta sauce garlic #recipe #food",
]

AUDIENCE = {
    "fa": ["m1", "m2", "m3", "m4", "m5", "m6", "fb", "fc"],
    "fb": ["m1", "m2", "m3"],
    "fc": ["m4", "m5", "x"],
    "ka": ["n1", "n2", "n3", "n4", "n5", "n6", "kb", "kc", "x"],
    "kb": ["n1", "n2", "n3"],
    "kc": ["n4", "n5"],
}
REGULARS = {"fa": ["m1", "m2"], "ka": ["n1"]}


def insert(ws, name: str, rows: list[dict]) -> None:
    s = schema.arrow_schema(name)
    t = pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)
    ws.duck.register("__rows", t)
    try:
        ws.duck.execute(f'INSERT INTO "{name}" SELECT * FROM __rows')
    finally:
        ws.duck.unregister("__rows")


def build(ws) -> None:
    posts, comments, accounts = [], [], []
    for creator, texts in [(c, FIT) for c in ("fa", "fb", "fc")] + [(c, FOOD) for c in ("ka", "kb", "kc")]:
        accounts.append(
            {
                "platform": "instagram",
                "account_id": creator,
                "username": creator.upper(),
                "followers": 5000 if creator in ("fa", "ka") else 1000,
            }
        )
        for i, text in enumerate(texts):
            pid = f"{creator}-p{i}"
            tags = [w[1:] for w in text.split() if w.startswith("#")]
            posts.append(
                {
                    "platform": "instagram",
                    "post_id": pid,
                    "creator_id": creator,
                    "created_at": T0 + dt.timedelta(days=7 * i),
                    "caption": text,
                    "hashtags": tags,
                }
            )
    n = 0
    for creator, members in AUDIENCE.items():
        for j, m in enumerate(members):
            n += 1
            comments.append(
                {
                    "platform": "instagram",
                    "comment_id": f"c{n}",
                    "post_id": f"{creator}-p{j % 3}",
                    "author_id": m,
                    "created_at": T0 + dt.timedelta(days=7 * (j % 3), hours=1),
                    "text": "so good",
                }
            )
    for creator, members in REGULARS.items():
        for m in members:
            for i in range(3):
                n += 1
                comments.append(
                    {
                        "platform": "instagram",
                        "comment_id": f"c{n}",
                        "post_id": f"{creator}-p{i}",
                        "author_id": m,
                        "created_at": T0 + dt.timedelta(days=7 * i, hours=2),
                        "text": "back again",
                    }
                )
    insert(ws, "accounts", accounts)
    insert(ws, "posts", posts)
    insert(ws, "comments", comments)
