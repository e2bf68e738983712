"""Comment, caption and message text for the synthetic world.

A comment's *category* decides its text: substantive and on-topic (often quoting the post's
keyword), action intent ("I tried…", "just ordered…", "where can I get…"), questions, generic praise,
emoji-only, mention-only tags, bot spam, engagement-pod praise, creator replies, and low-effort replies.
Templates are composed from parts so texts vary; all words are invented for the generator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tribescope.synth._vocab import Niche

__all__ = [
    "ACTION",
    "BOT",
    "CREATOR_REPLY",
    "EMOJI",
    "FF_REPLY",
    "GENERIC",
    "LOW_EFFORT",
    "POD",
    "QUESTION",
    "SUBST",
    "TAG",
    "caption",
    "render",
]

SUBST, ACTION, QUESTION, GENERIC, EMOJI, TAG, BOT, POD, CREATOR_REPLY, FF_REPLY, LOW_EFFORT = range(11)

_OPEN = (
    "",
    "",
    "",
    "Honestly ",
    "Ok ",
    "Wow, ",
    "This is so helpful. ",
    "Been waiting for this! ",
    "Yes!! ",
    "Great point about this. ",
    "Saving this. ",
    "Finally someone said it: ",
)
_SUBST = (
    "{k} made such a difference for me",
    "the part about {k} is exactly what I needed",
    "I never thought about {k} like that",
    "your take on {k} is so much better than what I was doing",
    "I've been struggling with {k} for months and this explains why",
    "{k} is underrated, glad you covered it",
    "love how you explained {k} step by step",
    "the {w} tip at the end about {k} was gold",
    "this is the best breakdown of {k} I've seen",
    "I do {k} a bit differently but this looks smarter",
    "my experience with {k} was similar, it took a few weeks to click",
    "can confirm, {k} works if you stay consistent",
)
_ACTION = (
    "I tried this {k} yesterday and it worked",
    "just ordered the {p} you recommended",
    "where can I get that {p}?",
    "link for the {p}?",
    "{v} after your last video, thank you",
    "bought the {p} because of you and no regrets",
    "I {v} and my results are so much better",
    "ok I'm trying {k} this weekend",
    "going to buy the {p} tonight",
    "{v} last week, update: it's amazing",
    "which {p} is that? need it",
    "added the {p} to my cart lol",
)
_QUESTION = (
    "how long did it take you to get good at {k}?",
    "does {k} work for beginners too?",
    "what would you do about {k} if you only had a weekend?",
    "any tips for {k} on a budget?",
    "would you still recommend {k} in 2026?",
    "how often do you do {k}?",
    "is the {p} worth it or is there a cheaper option?",
    "what's your opinion on {k} vs {k2}?",
)
_GENERIC = (
    "nice",
    "love it",
    "love this",
    "amazing",
    "so good",
    "great video",
    "wow",
    "awesome",
    "cool",
    "so cute",
    "perfect",
    "first!",
    "beautiful",
    "goals",
    "yesss",
    "insane",
    "legend",
    "nice 🔥",
    "love it ❤️",
    "amazing 😍",
    "great content",
    "keep it up",
    "the best",
    "queen",
    "king 👑",
    "wow 😮",
)
_EMOJI = (
    "🔥",
    "🔥🔥",
    "🔥🔥🔥",
    "😍",
    "😍😍😍",
    "❤️",
    "❤️❤️",
    "👏👏",
    "🙌",
    "💯",
    "😂😂",
    "🥰",
    "👍",
    "✨✨",
    "😮",
    "💕",
    "🙏",
    "👀",
    "😭😭",
    "🤩",
)
_TAG = (
    "@{u}",
    "@{u} look",
    "@{u} 😂",
    "@{u} we need this",
    "@{u} this is you",
    "@{u} @{u2}",
    "@{u} omg",
    "@{u} lol",
    "@{u} 👀",
)
_BOT = (
    "nice pic! check my profile 💯",
    "DM us to collab 💰",
    "Promote it on @{u} 🚀",
    "follow me 🔥🔥",
    "great content! send pic to @{u}",
    "😍😍😍",
    "wow nice 👍",
    "check dm ❤️",
    "I made $500 today, ask me how",
    "🔥🔥",
    "nice",
    "cool post bro",
    "Love your feed! 📩 DM",
    "free followers at my bio",
)
_POD = (
    "Amazing content as always!! 🙌",
    "Love this so much 💕",
    "This is gorgeous ✨",
    "Obsessed 😍 keep shining",
    "Yesss this is everything 🔥",
    "So inspiring!! 👏",
    "Stunning as always 😍",
    "Need this energy today ✨",
    "Absolutely love this post 💖",
    "You never miss!! 🙌",
    "Wow this is so good 😍🔥",
    "Such a vibe ✨💕",
)
_CREATOR = (
    "thank you!! 🙏",
    "glad it helped!",
    "yes, {k} works great for that",
    "haha exactly",
    "thanks so much ❤️",
    "@{u} yes! the {p} is linked in my bio",
    "@{u} try {k} first, then build up",
    "appreciate you!",
    "@{u} so happy to hear that",
    "good question, I'll cover {k} next week",
    "@{u} yes, about 2 weeks",
    "@{u} that's the one!",
)
_FF = (
    "@{u} same here, {k} took me ages",
    "@{u} you can get the {p} online, I got mine last month",
    "@{u} try {k2} first, it helped me a lot",
    "@{u} agreed, {k} changed everything for me",
    "@{u} I had the same problem, go slower with {k}",
    "@{u} yes!! and the {p} is worth it",
    "@{u} did you try {k}? it fixed it for me",
    "@{u} haha we talked about this last week",
    "@{u} how did it go with {k}?",
    "@{u} I {v} too, results after a month",
    "@{u} totally, {k} is the key",
    "@{u} thanks for the tip about {k}!",
)
_LOW = ("lol", "same", "😂😂", "@{u} fr", "true", "@{u} 😂", "ikr", "@{u} yes", "haha", "@{u}", "💯", "this")
_CLOSE = ("", "", "", " 🙌", " 💪", " ❤️", " thanks!", " 🔥", " !!", " 😊")


def render(
    rng: np.random.Generator,
    cats: np.ndarray,
    niche: Niche,
    post_kws: Sequence[Sequence[str]],
    mention: Sequence[str],
) -> list[str]:
    """Texts for comments of the given categories.

    ``post_kws[i]`` are the keywords of the post comment *i* sits under (substantive comments mostly
    quote one, which makes comments relevant to the post); ``mention`` are handles that tags and
    replies may address (``{u}``).
    """
    n = len(cats)
    if n == 0:
        return []
    r = rng.integers(0, 1 << 30, size=(n, 8)).tolist()
    on_post = (rng.random(n) < 0.75).tolist()
    out: list[str] = []
    kws, prods, verbs, words = niche.keywords, niche.products, niche.verbs, niche.words
    mention = list(mention) or ["friend"]
    nm = len(mention)
    for i, c in enumerate(cats.tolist()):
        r0, r1, r2, r3, r4, r5, r6, r7 = r[i]
        if c == SUBST:
            t = _OPEN[r7 % len(_OPEN)] + _SUBST[r1 % len(_SUBST)] + _CLOSE[r5 % len(_CLOSE)]
        else:
            t = _TEMPLATES[c][r7 % len(_TEMPLATES[c])]
            if c == ACTION:
                t += _CLOSE[r5 % len(_CLOSE)]
        if "{" in t:
            pk = post_kws[i]
            k = pk[r0 % len(pk)] if on_post[i] and pk else kws[r0 % len(kws)]
            t = t.format(
                k=k,
                k2=kws[r1 % len(kws)],
                p=prods[r2 % len(prods)],
                v=verbs[r3 % len(verbs)],
                u=mention[r4 % nm],
                u2=mention[r5 % nm],
                w=words[r6 % len(words)],
            )
        if c in (SUBST, ACTION) and r6 % 5 == 0:
            t = t[0].upper() + t[1:]
        out.append(t)
    return out


_TEMPLATES: dict[int, tuple[str, ...]] = {
    ACTION: _ACTION,
    QUESTION: _QUESTION,
    GENERIC: _GENERIC,
    EMOJI: _EMOJI,
    TAG: _TAG,
    BOT: _BOT,
    POD: _POD,
    CREATOR_REPLY: _CREATOR,
    FF_REPLY: _FF,
    LOW_EFFORT: _LOW,
}


def caption(
    rng: np.random.Generator,
    niche: Niche,
    kws: Sequence[str],
    *,
    sponsor: str | None,
    sponsor_handle: str | None,
    disclosure: str,
    promo_code: str | None,
    platform: str,
) -> tuple[str, str, list[str]]:
    """(title, caption/description, hashtags) for one post.

    ``disclosure``: ``flag`` (platform flag only), ``hashtag`` (#ad / #sponsored / #werbung …),
    ``both``, ``code`` (only a discount code / "link in bio" — undisclosed), or ``none``.
    """
    r = rng.integers(0, 1 << 30, size=12)
    k = kws[0]
    w = niche.words[int(r[0]) % len(niche.words)]
    title = niche.titles[int(r[1]) % len(niche.titles)].format(k=k, w=w)
    for art in ("the ", "that ", "those "):  # "The {k}" with k = "the boss fight"
        title = title.replace("The " + art, art.capitalize()).replace("the " + art, art)
    title = title[0].upper() + title[1:]
    nh = 2 + int(r[2]) % 5
    tags = [niche.hashtags[(int(r[3]) + 3 * j) % len(niche.hashtags)] for j in range(nh)]
    tags = list(dict.fromkeys(tags))
    words = [niche.words[(int(r[4]) + 5 * j) % len(niche.words)] for j in range(3)]
    body = (
        f"{title}{'' if title[-1] in '?!.' else '.'} Today it's all about {k}"
        + (f" and {kws[1]}" if len(kws) > 1 else "")
        + f": {words[0]}, {words[1]} and a bit of {words[2]}."
    )
    extras = (
        "Let me know what you think in the comments!",
        "Tell me your experience below 👇",
        "Save this for later.",
        "New video every week.",
        "",
        "Who else is into this?",
    )
    body += " " + extras[int(r[5]) % len(extras)]
    if sponsor:
        code = promo_code or (sponsor.split()[0].upper() + str(10 + int(r[6]) % 20))
        if disclosure in ("hashtag", "both"):
            tags.insert(
                0, ("ad", "ad", "sponsored", "werbung", "anzeige", "partner", "publicidad")[int(r[7]) % 7]
            )
        mention = f"@{sponsor_handle}" if sponsor_handle else sponsor
        if disclosure == "code":
            body += (
                f" Use code {code} for 15% off 🛒",
                f" Link in bio! Code {code}",
                f" {code} gets you a discount",
            )[int(r[8]) % 3]
            if int(r[9]) % 2:
                body += f" {mention}"
        else:
            body += (
                f" Thanks to {mention} for partnering on this one! Code {code}",
                f" In collaboration with {mention}. Use {code} for 15% off",
                f" Made possible by {mention} ❤️ code {code}",
            )[int(r[8]) % 3]
    if platform in ("instagram", "tiktok"):
        body += " " + " ".join("#" + t for t in tags)
    elif sponsor and disclosure in ("hashtag", "both"):
        # YouTube's snippet.tags are search keywords no viewer sees: a creator who discloses by hashtag writes it
        # where it is seen, in the description (YouTube shows its first #tags above the title)
        body += " #" + tags[0]
    return title, body, tags
