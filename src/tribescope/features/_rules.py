"""Comment-level rule features as Ibis expressions (run unchanged on DuckDB and PySpark).

Every pattern below is written in the regex subset that RE2 (DuckDB) and ``java.util.regex`` (Spark)
share: ``\\p{L}``/``\\p{N}`` classes, ``\\b``, non-capturing groups, ``{2,}``, ``(?s)``; no look-arounds. Both
engines find the leftmost match and take the first alternative that matches there (RE2 in its default, Perl-like
mode), so replacements give the same strings.

The categories follow what practitioners describe as low-effort engagement (HypeAuditor's
"comment authenticity": emoji-only and generic praise, tag-a-friend chains, "check my page" spam) and
the article's sign of a real community: followers acting on the creator's recommendations
("I tried…", "just ordered", "where can I get…", "link?").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

__all__ = [
    "ACTION_INTENT_PATTERN",
    "GENERIC_PRAISE_PATTERN",
    "LINK_SPAM_PATTERN",
    "MENTION_PATTERN",
    "STOPWORDS",
    "URL_PATTERN",
    "blank_text",
    "comment_features",
    "content_tokens",
    "first_mention",
    "normalized_words",
    "quality_rule",
    "quality_rules",
]

#: An @-mention (Instagram/TikTok handles: letters, digits, '.', '_'; YouTube handles may hold any script's letters,
#: "@josé_g", "@日本太郎"). The one definition the rule features and the quality rules (:func:`quality_rule`,
#: :func:`quality_rules`, :func:`tribescope.features._text_arrow.quality_labels`) read: RE2's ``\w`` is ASCII-only, so
#: ``@[\w.]+`` took "@jos" of "@josé_g" and left the comment two "words" ("generic", not "mention_only").
MENTION_PATTERN = r"@[\p{L}\p{N}_.]+"
#: A link.
URL_PATTERN = r"(?:https?://|www\.)\S+"

#: Comment made only of praise / filler vocabulary (after lower-casing, removing mentions, links and
#: punctuation): "so beautiful", "love it", "you look amazing", "bellissima", "wow wow".
_PRAISE = (
    "so+|very|really|such|too|a|an|the|this|that|these|it|is|its|s|you|your|u|ur|are|look|looks|looking|"
    "love|loved|lovely|loving|luv|like|nice|beautiful+|beauty|gorgeous|pretty|cute+|cutie|amazing|awesome|"
    "great|good|cool|wow+|omg|stunning|perfect|perfection|fabulous|fab|fantastic|wonderful|lit|fire|hot|"
    "sexy|goals|queen|king|yes+|yay+|photo|pic|pics|picture|shot|post|one|outfit|style|dress|girl|babe|"
    "dear|darling|hun|bro|man|guys|and|as|always|ever|much|mine|my|me|i|lt|3|so much|"
    "bellissima|bellissimo|bella|bello|hermosa|hermoso|linda|lindo|preciosa|precioso|guapa|guapo|top|"
    "super|sch[oö]n|toll|magnifique|belle|jolie|trop|bravo|thanks|thank|thx|ty|ha(?:ha)+|lol|x+|xo(?:xo)*|"
    "ok|okay|yummy|yum|delicious|beautyful|awsome|wonderfull|gorgeus|goodness|god|oh|my god|woah|whoa|"
    "congrats|congratulations|happy|sweet|dope|sick|epic|adorable|mood|same|true|facts|agreed"
)
GENERIC_PRAISE_PATTERN = r"^(?:(?:" + _PRAISE + r")\s*)+$"

#: Self-promotion and spam: links, "check my page", follow-for-follow, DM-for-promo.
LINK_SPAM_PATTERN = (
    r"(?:https?://|www\.|\bbit\.ly\b|\blinktr\.ee\b|"
    r"\bcheck (?:out )?(?:my|our) (?:page|profile|account|bio|channel|insta|ig|feed|store|shop)\b|"
    r"\bfollow (?:me|back|us|for follow)\b|\bf4f\b|\bl4l\b|\bfollow4follow\b|\blike4like\b|"
    r"\b(?:dm|message) (?:me|us) (?:for|to) (?:promo|promotion|collab|collaboration|shoutout|business)\b|"
    r"\bpromo(?:te)? (?:your|ur) (?:page|account)\b|\bfree followers\b|\bearn (?:money|\$)\b|"
    r"\bsub(?:scribe)? to my\b|\bsend (?:a )?(?:dm|pic) to\b|\bbrand ambassador\b)"
)

#: Followers acting on the creator's recommendations (Cortizo's "on the edge of their seat to take action").
ACTION_INTENT_PATTERN = (
    r"(?:\b(?:i|we) (?:just |finally |also )?(?:tried|made|bought|ordered|booked|got|cooked|baked|used|"
    r"picked up|went|visited|signed up|subscribed)\b|"
    r"\bjust (?:ordered|bought|booked|got|made|tried|signed up|subscribed)\b|"
    r"\bwhere (?:can|do|did|could|should) (?:i|you|we|one) (?:get|buy|find|order|purchase|book)\b|"
    r"\bwhere (?:is|are|s) (?:this|that|these|those|it|the)\b|"
    r"\blinks? ?\?|\blink (?:please|pls|plz)\b|\bwhat(?: s| is)? the link\b|"
    r"\b(?:going to|gonna|will|want to|wanna|need to|have to|must) (?:try|make|buy|order|get|book|cook|bake)\b|"
    r"\bcan ?t wait to (?:try|make|buy|get|order)\b|"
    r"\bwhat (?:brand|shade|size|lens|camera|recipe|color|colour|app|product|model)\b|"
    r"\bwhich (?:brand|shade|size|one did you|product|model|lens|camera|app)\b|\brecipe ?(?:\?|please|pls)|"
    r"\badded (?:it |this )?to (?:my )?(?:cart|list|wishlist|basket)\b|\bneed (?:this|these|that|one)\b|"
    r"\b(?:worked|works) (?:for me|great|perfectly|wonders)\b|\bthanks to you\b|\bmust (?:try|buy|have)\b|"
    r"\bhow much (?:is|was|does)\b|\bwhere to buy\b|\bdo you ship\b)"
)

#: Words ignored when measuring topical overlap (EN/ES/DE/FR/IT/PT high-frequency words ≥ 4 letters).
STOPWORDS = (
    "this",
    "that",
    "with",
    "have",
    "from",
    "your",
    "what",
    "when",
    "they",
    "will",
    "just",
    "been",
    "were",
    "there",
    "their",
    "about",
    "would",
    "could",
    "should",
    "these",
    "those",
    "then",
    "than",
    "them",
    "very",
    "really",
    "much",
    "more",
    "some",
    "like",
    "love",
    "good",
    "great",
    "nice",
    "beautiful",
    "amazing",
    "awesome",
    "thank",
    "thanks",
    "so",
    "cute",
    "pretty",
    "gorgeous",
    "looks",
    "look",
    "lovely",
    "omg",
    "here",
    "also",
    "only",
    "over",
    "into",
    "after",
    "before",
    "where",
    "which",
    "while",
    "every",
    "always",
    "para",
    "como",
    "pero",
    "esta",
    "este",
    "todo",
    "muito",
    "mais",
    "isso",
    "nicht",
    "eine",
    "einen",
    "sind",
    "auch",
    "dans",
    "avec",
    "pour",
    "sont",
    "tres",
    "très",
    "molto",
    "della",
    "sono",
    "questo",
    "haha",
    "hahaha",
    "today",
    "doing",
    "being",
    "make",
    "made",
    "know",
    "want",
    "need",
    "going",
    "still",
)


#: Literals that any match of :data:`LINK_SPAM_PATTERN` (searched in the lower-cased text with every run of
#: characters other than letters, digits and ``/:.$`` made one space) contains: each alternative of the pattern
#: holds one of them, and they are made of kept characters only, so they are also in the lower-cased text. The
#: pattern's replace + search run only on texts holding one (one cheap search first; the same result).
#: ``tests/test_features_rules.py`` expands every alternative of the pattern and checks this.
_SPAM_NEEDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        (
            "http", "www.", "bit.ly", "linktr.ee", "check", "follow", "f4f", "l4l", "like4like", "promo", "collab",
            "shoutout", "business", "free", "earn", "sub", "send", "brand",
        ),
    ),
)  # fmt: skip
#: The same for :data:`ACTION_INTENT_PATTERN` (kept characters: letters, digits, ``?``), one clause per group of
#: alternatives: a text passes when, for some clause, it holds one literal of each group in this order
#: (normalising keeps the order of the kept characters).
_INTENT_NEEDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        (
            "tried", "made", "bought", "ordered", "booked", "got", "cooked", "baked", "used", "picked", "went",
            "visited", "signed", "subscribed", "where", "link", "which", "recipe", "added", "work", "must", "ship",
        ),
    ),
    (
        ("going", "gonna", "will", "want", "wanna", "need", "have", "wait"),
        ("try", "make", "buy", "order", "get", "book", "cook", "bake"),
    ),
    (("what",), ("brand", "shade", "size", "lens", "camera", "color", "colour", "app", "product", "model")),
    (("need",), ("this", "these", "that", "one")),
    (("thanks",), ("you",)),
    (("how",), ("much",)),
)  # fmt: skip


def _needs_pattern(needs: tuple[tuple[tuple[str, ...], ...], ...]) -> str:
    """One regex for :func:`_may_match`: ``lit|…`` per group, ``.*`` between the groups of a clause, ``|`` between
    clauses (``(?s)``: ``.`` also crosses line breaks; RE2 and java.util.regex both read it)."""
    clauses = [".*".join("(?:" + "|".join(re.escape(w) for w in g) + ")" for g in clause) for clause in needs]
    return "(?s)" + "|".join(clauses)


def _may_match(text: ir.StringValue, needs: tuple[tuple[tuple[str, ...], ...], ...]) -> ir.BooleanValue:
    """Whether ``text`` holds, for some clause of ``needs``, a literal of each group in order (one regex search:
    ~0.07 s per 235k texts, where the spam / intent collapse + search cost ~0.3 s)."""
    return text.re_search(_needs_pattern(needs))


def _trim(text: ir.StringValue) -> ir.StringValue:
    # not StringValue.strip(): ibis 12 compiles it for Spark as TRIM(' \t\n\r\v\f' FROM …), and Spark SQL
    # reads '\v' and '\f' as the letters v and f, so "firmware" would lose its "f".
    return text.re_replace(r"^\s+|\s+$", "")


def blank_text(text: ir.StringValue) -> ir.BooleanValue:
    """Whether a comment has no text: null, empty or white space alone (``is_empty`` of :func:`comment_features`)."""
    return ~text.fill_null("").re_search(r"\S")


def _drop_links(low: ir.StringValue) -> ir.StringValue:
    # a link starts with "http" or "www." (``low`` is lower-cased), a mention with "@": each replacement runs only
    # where it can match (a text without a match is left as it is); CASE evaluates its branch only on those rows
    return ibis.ifelse(low.contains("http") | low.contains("www."), low.re_replace(URL_PATTERN, " "), low)


def _drop_mentions(text: ir.StringValue) -> ir.StringValue:
    return ibis.ifelse(text.contains("@"), text.re_replace(MENTION_PATTERN, " "), text)


def _collapse(text: ir.StringValue, keep: str) -> ir.StringValue:
    """Every run of characters outside ``[keep]`` made one space: ``re_replace("[^keep]+", " ")`` with fewer matches.

    The pattern matches a run only where replacing changes something: a run of ≥ 2 characters, or one character
    that is not a space. A leftmost match starts at the first character of a run (runs are maximal) and ``{2,}`` is
    greedy, so each run of ≥ 2 is replaced whole, as before; a single space is left as it is, which is what
    replacing it would give. Regex engines pay per match (RE2 ~0.2 µs), and most runs are single spaces between
    words: ~2.7× faster on the synth comments, the same strings."""
    return text.re_replace(f"[^{keep}]{{2,}}|[^{keep} ]", " ")


def _words_from(text: ir.StringValue) -> ir.StringValue:
    w = _collapse(text, r"\p{L}\p{N}")
    # after the collapse the only white space left is single spaces: trim (a regex pass) only a text that starts or
    # ends with one
    return ibis.ifelse(w.startswith(" ") | w.endswith(" "), _trim(w), w)


def normalized_words(text: ir.StringValue) -> ir.StringValue:
    """Lower-cased text without mentions, links and punctuation; single spaces ("" when nothing is left)."""
    return _words_from(_drop_mentions(_drop_links(text.lower())))


def content_tokens(text: ir.StringValue, *, normalized: bool = False) -> ir.ArrayValue:
    """Distinct lower-cased tokens of ≥ 4 letters/digits that are not in :data:`STOPWORDS`
    (``normalized``: ``text`` is already :func:`normalized_words`)."""
    return _content_words(text if normalized else normalized_words(text)).unique()


def _content_words(words: ir.StringValue) -> ir.ArrayValue:
    # the stopword test only on words of ≥ 4 characters (CASE: the other words skip it)
    return words.split(" ").filter(lambda w: ibis.ifelse(w.length() >= 4, ~w.isin(STOPWORDS), False))


def _mention_extract(text: ir.StringValue) -> ir.StringValue:
    # regexp_extract gives "" without a match on both engines; a match needs an "@"
    return ibis.ifelse(text.contains("@"), text.re_extract(r"@([\p{L}\p{N}_.]+)", 1), "")


def _handle(extracted: ir.StringValue) -> ir.StringValue:
    fm = extracted.lower().re_replace(r"\.+$", "")
    return ibis.ifelse(fm == "", ibis.null("string"), fm)


def first_mention(text: ir.StringValue) -> ir.StringValue:
    """The ``first_mention`` of :func:`comment_features` of a non-null text (lower-cased handle of the first
    @-mention, trailing dots dropped; null without one)."""
    return _handle(_mention_extract(text))


def _text_rules(t: ir.Table) -> ir.Table:
    """The rule columns of :func:`comment_features` for a table with a non-null ``_raw`` text column, plus
    ``_words`` (:func:`normalized_words`)."""
    # stage 1: normalised forms, computed once per row
    c = t.mutate(_lower=t._raw.lower())
    c = c.mutate(_nolink=_drop_links(c._lower))
    c = c.mutate(
        _words=_words_from(_drop_mentions(c._nolink)),
        _fm=_mention_extract(c._raw),
    )
    # a text with words (letters / digits of the lower-cased text; no character outside letters and digits lowers to
    # one, none is white space) has a letter or digit and is not blank: the two regexes below run only on the texts
    # without words (CASE evaluates a branch only on its rows)
    has_words = c._words != ""
    c = c.mutate(
        # a text matches MENTION_PATTERN iff its first match's handle (``_fm``, at least one character) is not "":
        # one regex pass fewer over the texts holding an "@"
        has_mention=c._fm != "",
        # ``_words`` is trimmed and single-spaced: words = the pieces between spaces
        _n_words=ibis.ifelse(c._words == "", 0, c._words.split(" ").length()).cast("int64"),
        # every run of whitespace and other characters → one space (one pass; the same as replacing the other
        # characters, then collapsing whitespace); only on the texts holding a literal the pattern needs
        _spam=ibis.ifelse(
            _may_match(c._lower, _SPAM_NEEDS),
            _collapse(c._lower, r"\p{L}\p{N}/:.$").re_search(LINK_SPAM_PATTERN),
            False,
        ),
        _intent=ibis.ifelse(
            _may_match(c._lower, _INTENT_NEEDS),
            _collapse(c._lower, r"\p{L}\p{N}?").re_search(ACTION_INTENT_PATTERN),
            False,
        ),
        _praise=c._words.re_search(GENERIC_PRAISE_PATTERN),
        _has_alnum=ibis.ifelse(has_words, True, c._raw.re_search(r"[\p{L}\p{N}]")),
        is_empty=ibis.ifelse(has_words, False, blank_text(c._raw)),  # = (_trim(text) == "")
    )
    # stage 2: categories from the stage-1 columns
    has_action_intent = c._intent & ~c._spam
    is_generic = (c._n_words > 0) & ((c._n_words <= 2) | c._praise) & ~has_action_intent
    return c.select(
        "_raw",
        "_words",
        "has_mention",
        "is_empty",
        n_words=c._n_words,
        first_mention=_handle(c._fm),
        is_emoji_only=~c.is_empty & ~c.has_mention & ~c._has_alnum,
        is_mention_only=c.has_mention & (c._n_words == 0),
        is_link_spam=c._spam,
        is_generic=is_generic,
        has_action_intent=has_action_intent,
        is_substantive=(c._n_words > 0) & ~c._spam & (has_action_intent | ~is_generic),
    )


#: The columns :func:`comment_features` adds, in order (``overlap_tokens``, ``is_relevant`` only with posts).
_RULE_COLUMNS = (
    "has_mention",
    "is_empty",
    "n_words",
    "first_mention",
    "is_emoji_only",
    "is_mention_only",
    "is_link_spam",
    "is_generic",
    "has_action_intent",
    "is_substantive",
)


def comment_features(comments: ir.Table, posts: ir.Table | None = None) -> ir.Table:
    """Add rule features to every comment.

    Columns added (booleans are never null; a null/empty text is ``is_empty``):

    * ``n_words`` — words left after removing mentions, links and punctuation.
    * ``has_mention`` — the text @-mentions someone; ``first_mention`` — the first handle, lower-cased.
    * ``is_emoji_only`` — non-empty, no mention, no letter or digit at all ("❤️🔥", "!!!").
    * ``is_mention_only`` — @-mentions and nothing else but emoji/punctuation ("@anna 😂": tag-a-friend).
    * ``is_link_spam`` — matches :data:`LINK_SPAM_PATTERN` (links, "check my page", f4f, "dm for promo").
    * ``is_generic`` — 1–2 words, or only praise/filler vocabulary (:data:`GENERIC_PRAISE_PATTERN`).
    * ``has_action_intent`` — matches :data:`ACTION_INTENT_PATTERN`, not spam.
    * ``is_substantive`` — has words and is none of emoji-only, mention-only, link spam, generic
      (an action-intent comment is always substantive unless it is spam).
    * ``is_relevant`` (only with ``posts``) — shares at least one content token (:func:`content_tokens`)
      with the post's title + caption; ``overlap_tokens`` — how many.

    Every feature but the overlap depends on the text alone, so the rules (and the comment's content tokens) run
    once per distinct text and are joined back: comment streams repeat (generic praise, copy-paste spam, tags).
    """
    c = comments.mutate(_raw=comments.text.fill_null(""))
    d = _text_rules(c.select("_raw").distinct())
    keep = [*comments.columns, *_RULE_COLUMNS]
    if posts is None:
        return c.inner_join(d.drop("_words"), "_raw").select(*keep)
    # overlap = |content_tokens(comment) ∩ content_tokens(post)| = how many of the post's (distinct, stopword-free)
    # tokens are among the comment's words of ≥ 4 characters: the comment side needs no stopword filter and no
    # distinct
    d = d.mutate(_c_toks=d._words.split(" ").filter(lambda w: w.length() >= 4)).drop("_words")
    j = c.inner_join(d, "_raw")
    # the posts' content_tokens (title + caption) in steps: inlined into one expression, the stopword filter's list
    # (its DuckDB SQL repeats a distinct's argument three times) and every regex under it were compiled several
    # times over (the thread rows' SQL was 89 kB, 38 kB now; ~0.1 s less Ibis compile). ``_p_words`` stays a column
    # of the relation so that Ibis does not merge it back into the distinct.
    p = posts.select(
        _p_platform=posts.platform,
        _p_post_id=posts.post_id,
        _p_text=posts.title.fill_null("").concat(" ", posts.caption.fill_null("")).lower(),
    )
    p = p.mutate(_p_text=_drop_links(p._p_text))
    p = p.mutate(_p_words=_content_words(_words_from(_drop_mentions(p._p_text))))
    p = p.mutate(_p_toks=p._p_words.unique())
    j = j.left_join(p, [j.platform == p._p_platform, j.post_id == p._p_post_id])
    overlap = j._p_toks.intersect(j._c_toks).length().fill_null(0).cast("int64")
    # overlap > 0 ⇔ one of the comment's words is among the post's tokens: filtering the comment's few words (~3 at
    # m) instead of the post's many (~16) costs ~0.6× (DuckDB repeats the captured list for each element it tests);
    # without a post the list is null and nothing is kept: False, as the overlap's null → 0. Only ``is_relevant`` is
    # computed when ``overlap_tokens`` is not selected (the thread rows).
    relevant = j._c_toks.filter(lambda w: j._p_toks.contains(w)).length().fill_null(0) > 0
    return j.select(*keep, overlap_tokens=overlap, is_relevant=relevant)


def quality_rule(text: ir.StringValue, generic_words: Iterable[str]) -> ir.StringValue:
    """``mention_only`` | ``emoji_only`` | ``generic`` | ``substantive`` by the comment-quality weak-labelling rules.

    The engine form of :func:`tribescope.authenticity.rule_quality` (same definitions, first rule wins):

    * mention_only — at least one @mention (:data:`MENTION_PATTERN`) and no letter or digit outside the mentions;
    * emoji_only — no letter or digit at all and not blank;
    * generic — ≤ 3 words (runs of letters, digits and ``'`` once mentions are removed), or every word in
      ``generic_words``; blank text is generic;
    * substantive — the rest.

    :func:`quality_rules` computes the same on a table, each intermediate once (faster on large tables).
    """
    t = text.fill_null("")
    low = t.lower()
    has_mention = low.contains("@") & low.re_search(MENTION_PATTERN)
    no_mention = ibis.ifelse(has_mention, low.re_replace(MENTION_PATTERN, " "), low)
    words = no_mention.re_replace(r"[^\p{L}\p{N}']+", " ").re_replace(r"^ +| +$", "")
    return _quality_from(t, low, has_mention, no_mention, words, generic_words)


def _quality_from(
    t: ir.StringValue,
    low: ir.StringValue,
    has_mention: ir.BooleanValue,
    no_mention: ir.StringValue,
    words: ir.StringValue,
    generic_words: Iterable[str],
) -> ir.StringValue:
    # words are separated by single spaces: ≤ 3 words ⇔ ≤ 2 spaces (no list is built)
    few = (words.length() - words.replace(" ", "").length()) <= 2
    alt = "|".join(re.escape(w) for w in sorted(generic_words, key=lambda w: (-len(w), w)))
    all_generic = words.re_search(rf"^(?:{alt})(?: (?:{alt}))*$")
    blank = t.re_replace(r"^[\s\p{Z}]+|[\s\p{Z}]+$", "") == ""
    # (``words`` keeps every letter and digit of ``no_mention``: testing it spares a second mention regex)
    return ibis.cases(
        (has_mention & ~words.re_search(r"[\p{L}\p{N}]"), "mention_only"),
        (~low.re_search(r"[\p{L}\p{N}]") & ~blank, "emoji_only"),
        (few, "generic"),
        (all_generic, "generic"),
        else_="substantive",
    )


def quality_rules(t: ir.Table, key: str, text: str, generic_words: Iterable[str]) -> ir.Table:
    """``key, quality`` (:func:`quality_rule`) for each row of ``t``, with every intermediate computed once."""
    s = t.select(key, _t=t[text].fill_null(""))
    s = s.mutate(_low=s._t.lower())
    s = s.mutate(_m=s._low.contains("@") & s._low.re_search(MENTION_PATTERN))
    s = s.mutate(_nm=ibis.ifelse(s._m, s._low.re_replace(MENTION_PATTERN, " "), s._low))
    s = s.mutate(_w=s._nm.re_replace(r"[^\p{L}\p{N}']+", " ").re_replace(r"^ +| +$", ""))
    return s.select(key, quality=_quality_from(s._t, s._low, s._m, s._nm, s._w, generic_words))
