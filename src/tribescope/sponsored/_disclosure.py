"""Disclosed sponsorship: the platform's own paid-partnership flag and disclosure hashtags.

A post is *disclosed* when the platform flags it (``posts.is_paid_partnership``, the Instagram
"Paid partnership with …" header / YouTube "Includes paid promotion") or when its caption or hashtags
carry one of the advertising-disclosure hashtags regulators ask for (FTC "Disclosures 101" in the US,
CMA/ASA in the UK, the German Landesmedienanstalten's "Werbung"/"Anzeige", the Spanish "publicidad",
French "publicité"/"sponsorisé", Italian "pubblicità"/"sponsorizzato", Polish "reklama", …).
"""

from __future__ import annotations

import re

__all__ = [
    "COMMERCIAL_SIGNAL_PATTERN",
    "DISCLOSURE_FORMS",
    "DISCLOSURE_GUARDS",
    "DISCLOSURE_HASHTAGS",
    "DISCLOSURE_PATTERN",
    "HIDDEN_TAG_PLATFORMS",
    "commercial_signals",
    "disclosure_hashtags_in",
    "is_disclosed",
    "visible_hashtags",
]

#: Lower-cased disclosure hashtags (without '#'), by language. Editable; documented in docs/campaigns.md.
DISCLOSURE_HASHTAGS: frozenset[str] = frozenset(
    {
        # English
        # (ambiguous tags such as #sp = São Paulo, #pr = Puerto Rico, #pub are left out)
        "ad",
        "ads",
        "advert",
        "advertisement",
        "advertising",
        "sponsored",
        "sponsor",
        "spon",
        "paidpartnership",
        "paidpartner",
        "paidpost",
        "partner",
        "brandpartner",
        "gifted",
        "giftedby",
        "prproduct",
        "prsample",
        "affiliate",
        "affiliatelink",
        # German
        "werbung",
        "anzeige",
        "unbezahltewerbung",
        "bezahltepartnerschaft",
        "kooperation",
        "sponsoring",
        # Spanish / Portuguese
        "publicidad",
        "publi",
        "patrocinado",
        "colaboración",
        "colaboracion",
        "publicidade",
        "parceria",
        "patrocinio",
        "publicidadepaga",
        # French
        "publicité",
        "publicite",
        "sponsorisé",
        "sponsorise",
        "partenariat",
        "partenariatrémunéré",
        "collaborationcommerciale",
        # Italian
        "pubblicità",
        "pubblicita",
        "sponsorizzato",
        "sponsorizzata",
        "adv",
        "inserzioneapagamento",
        "supportedby",
        # Dutch / Nordic / Polish / others
        "advertentie",
        "gesponsord",
        "samenwerking",
        "reklame",
        "reklam",
        "annonse",
        "annons",
        "sponsrad",
        "samarbete",
        "samarbeid",
        "reklama",
        "współpraca",
        "wspolpraca",
        "spolupráce",
        "mainos",
        "kaupallinenyhteistyö",
        "διαφήμιση",
        "реклама",
        "広告",
        "pr案件",
        "광고",
        "협찬",
    }
)

#: the platforms whose ``posts.hashtags`` hold tags no viewer sees: YouTube's importer stores the uploader's
#: ``snippet.tags`` (search keywords, never shown) with the ``#tags`` of the title and description. A disclosure is
#: what the viewer sees, so on these platforms only the title and caption are read (their ``#tags`` are in the text).
HIDDEN_TAG_PLATFORMS: frozenset[str] = frozenset({"youtube"})

#: words that disclose when they stand as a label — in brackets ("[Anzeige]", "(ad)", "【PR】") or opening a line
#: before a separator or the line's end ("Werbung | Danke", "ANZEIGE:", "Ad –", "広告｜") — whatever the case.
#: Not the ambiguous words alone in running text ("ad", "partner", "pub"): only as a label or a hashtag.
DISCLOSURE_LABELS: tuple[str, ...] = (
    "ad",
    "ads",
    "advert",
    "advertisement",
    "advertising",
    "sponsored",
    "paid partnership",
    "paid promotion",
    "werbung",
    "anzeige",
    "unbezahlte werbung",
    "bezahlte partnerschaft",
    "publicidad",
    "publi",
    "publicidade",
    "patrocinado",
    "publicité",
    "publicite",
    "sponsorisé",
    "partenariat rémunéré",
    "pubblicità",
    "pubblicita",
    "sponsorizzato",
    "adv",
    "advertentie",
    "gesponsord",
    "reklame",
    "reklam",
    "reklama",
    "annonse",
    "annons",
    "sponsrad",
    "mainos",
    "kaupallinen yhteistyö",
    "διαφήμιση",
    "реклама",
    "広告",
    "pr",
    "pr案件",
    "광고",
    "협찬",
)
#: labels too common as a line's first word to count there ("PR: new deadlift record"): in brackets only
_BRACKET_ONLY = frozenset({"pr"})
#: phrases that disclose wherever they stand: Instagram's header as exports copy it into the caption ("Paid
#: partnership with @x"), "This video is sponsored by …" (not "not sponsored by": the verb or noun before it must
#: say it is), and their German, Spanish, French and Italian forms; each with the words one of which every text it
#: matches holds as written (its guard, :data:`DISCLOSURE_GUARDS`)
_PHRASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("paidpartnership", r"(?:^|\n)[ \t]*(?:in{S}+)?paid{S}+partnership{S}+with", ("partnership",)),
    ("paidpartnership", r"{B}in{S}+paid{S}+partnership{S}+with", ("partnership",)),
    ("sponsored", r"(?:^|\n)[ \t]*sponsored{S}+by{E}", ("sponsored",)),
    (
        "sponsored",
        r"{B}(?:is|are|was|were|been|video|episode|post|stream){S}+sponsored{S}+by{E}",
        ("sponsored",),
    ),
    ("bezahltepartnerschaft", r"{B}(?:in{S}+)?bezahlter?{S}+partnerschaft{S}+mit{E}", ("partnerschaft",)),
    ("gesponsert", r"{B}(?:gesponsert|unterstützt){S}+(?:von|durch){E}", ("gesponsert", "unterstützt")),
    ("patrocinado", r"{B}patrocinad[oa]{S}+por{E}", ("patrocinad",)),
    ("sponsorisé", r"{B}sponsoris[ée]e?{S}+par{E}", ("sponsoris",)),
    ("sponsorizzato", r"{B}sponsorizzat[oa]{S}+da{E}", ("sponsorizzat",)),
)
_BRACKETS = ("[(【［（", "])】］）")
#: a blank as both engines read it: Python's ``\s`` is Unicode (no-break spaces too), DuckDB's RE2 ``\s`` ASCII only,
#: so the forms spell the blanks out (the characters themselves, which both read in a class; Spark SQL gets the
#: vertical tab and form feed as ``\u000B`` / ``\u000C``: ``store._workspace._fix_spark_literals``)
_S = "[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
#: what may follow a label opening a line; ``{Z}`` the end of the text as the engine spells it (see :data:`_EOT`)
_SEPARATOR = rf"[ \t]*(?:[|｜:：•]|[-–—/](?:{_S}|{{Z}})|\n|{{Z}})"
#: the end of the text: Java's ``$`` (the pyspark backend's regex engine) also matches before a final ``\r``,
#: ``\r\n``, ``\u0085``, ``\u2028`` or ``\u2029`` ("Werbung\r" at the end would be a label); ``\z`` is the end alone in
#: RE2 and Java, Python's spelling is ``\Z``
_EOT = {"engine": r"\z", "python": r"\Z"}


def _alternation(words: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", _S + "+") for w in sorted(words, key=lambda w: (-len(w), w)))


def _disclosure_forms(engine: str) -> list[str]:
    """The disclosure forms of lower-cased text, each with one capture group: the hashtag form, the label forms,
    the phrases — word boundaries and the text's end spelt for the engine (``"engine"``: DuckDB's RE2 and Spark's
    Java read it alike; RE2 has no Unicode ``\\w``) or for Python (``"python"``)."""
    eot = _EOT[engine]
    boundary, end = {
        "engine": (r"(?:^|[^\p{L}\p{N}_])", rf"(?:[^\p{{L}}\p{{N}}_]|{eot})"),
        "python": (r"(?:^|\W)", rf"(?:\W|{eot})"),
    }[engine]
    labels = _alternation(DISCLOSURE_LABELS)
    lead = _alternation(tuple(w for w in DISCLOSURE_LABELS if w not in _BRACKET_ONLY))
    return [
        rf"[#＃]({_alternation(DISCLOSURE_HASHTAGS)}){end}",
        rf"[{re.escape(_BRACKETS[0])}][ \t]*({labels})[ \t]*[{re.escape(_BRACKETS[1])}]",
        rf"(?:^|\n)[ \t]*({lead}){_SEPARATOR.format(Z=eot)}",
        *("(" + f.format(B=boundary, E=end, S=_S) + ")" for _, f, _ in _PHRASES),
    ]


#: a disclosure in the lower-cased title/caption, for the engine (DuckDB's RE2, Spark's Java regex): a disclosure
#: hashtag (``#`` or the full-width ``＃``, a whole tag), a label in brackets or opening a line, or a disclosing
#: phrase. The same forms as :func:`disclosure_hashtags_in` (``tests/test_sponsored_h38_disclosure.py`` checks them
#: against each other; ``tests/test_spark_h39_parity.py`` the two engines).
#: Its forms one by one (:data:`DISCLOSURE_FORMS`) are what the engine searches (``tribescope.metrics.sponsored_posts``):
#: RE2 runs the joined pattern's Unicode boundary classes with its slow matcher (its DFA outgrows DuckDB's budget), so
#: over the 8,453 titles and captions of the issue-size YouTube exports (1.5M characters) the joined pattern took
#: 1.4–1.7 s and the twelve forms searched separately 0.1 s, with the same posts matched.
DISCLOSURE_FORMS = tuple(_disclosure_forms("engine"))
DISCLOSURE_PATTERN = "|".join(DISCLOSURE_FORMS)
#: per form of :data:`DISCLOSURE_FORMS` (lower-cased text), strings one of which every text the form matches contains:
#: the hashtag form's number signs, the bracket form's opening brackets, each phrase's own words; none for the labels
#: opening a line. The engine searches a form only in the texts holding one (``tribescope.metrics.sponsored_posts``: a
#: substring test costs a fraction of a regex search, and a phrase is rare): the same posts matched.
DISCLOSURE_GUARDS: tuple[tuple[str, ...], ...] = (
    ("#", "＃"),
    tuple(_BRACKETS[0]),
    (),
    *(g for _, _, g in _PHRASES),
)
_DISCLOSURE_FORMS = tuple(re.compile(f) for f in _disclosure_forms("python"))
#: the trained model's ``disclosure_hashtag`` feature reads caption ``#tags`` (and the hashtags list) against
#: :data:`DISCLOSURE_HASHTAGS` as it was trained (Kim et al. captions): the label, phrase and full-width forms above
#: are the rule's, not the model's inputs, so they grow without moving them (a tag added to the list does move them)
_MODEL_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)

#: a discount code ("use code LUMERA15", "code: ABC10", "PETAL13 gets you a discount") or an affiliate link:
#: a material connection the FTC Endorsement Guides require to be disclosed (16 CFR 255.5)
_PROMO = (
    re.compile(
        r"\b(?:use|using|with|my|promo|discount|rabatt|codice|código|code)\s*code\s*:?\s*[\"'“]?"
        r"([A-Z0-9][A-Za-z0-9_-]{2,})",
        re.IGNORECASE,
    ),
    re.compile(r"\b[Cc][Oo][Dd][Ee]\s*:?\s*([A-Z][A-Z0-9_-]*\d[A-Z0-9_-]*)\b"),
    re.compile(r"\b([A-Z][A-Z0-9]{2,}\d{1,3})\s+(?:gets you|for \d{1,2}\s?%)"),
)
#: the code word in other languages ("code promo LUMERA15", "con el código ANNA10", "codice sconto ANNA10",
#: "Gutscheincode ANNA10", "cupom ANNA10", "kortingscode ANNA10"): the code is two letters or more then a digit
#: ("código postal 28001", "code 404" are not codes), after a blank or a colon ("Kodak2000" holds none). Accented
#: letters are written in both cases: Java's ``(?i)`` (the pyspark backend) folds ASCII letters only ("CÓDIGO").
_INTL_PROMO = (
    r"(?i:\b(?:code|c[oóÓ]digo|cup[oóÓ]n|cupom|codice|gutscheincode|rabattcode|kortingscode|rabattkod|rabatkode|"
    r"kode|kod|koodi|alennuskoodi)(?:\s+(?:promo(?:cional)?|promozionale|sconto|de\s+(?:descuento|desconto|"
    r"r[éÉ]duction|reduction|promo(?:ci[óÓ]n|cion)?)|rabatt|discount|alennus))?(?:\s*:\s*|\s+))[\"'“«]?"
    r"([A-Za-z]{2,}[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)"
)
_INTL_PROMO = _INTL_PROMO.replace(r"\s", _S)  # blanks as both engines read them (see _S)
_PROMO_ALL = (*_PROMO, re.compile(_INTL_PROMO))
_AFFILIATE = re.compile(
    r"\b(amzn\.to|rstyle\.me|liketk\.it|shopmy\.us|howl\.me|go\.magik\.ly|"
    r"utm_medium=(?:influencer|affiliate)|[?&](?:ref|aff|affiliate|afid)=)",
    re.IGNORECASE,
)


#: :func:`commercial_signals` as one pattern for the engine (DuckDB's RE2, Spark's Java regex and Python's ``re``
#: read it alike: no look-around, blanks spelt out as :data:`_S`, accented letters in both cases): a search of the
#: original-case text finds a match exactly when :func:`commercial_signals` returns a signal
#: (``tests/test_sponsored.py`` checks them against each other). The first promo form's code must hold a
#: digit (at any of its three or more characters) or be written in capitals to its end.
_CODE_TOKEN = r"[A-Za-z0-9_-]"
#: the English code forms; Python's ``\s`` is Unicode, RE2's lacks the vertical tab, Java's holds it: blanks spelt out
_ENGINE_PROMO = "|".join(
    [
        r"(?i:\b(?:use|using|with|my|promo|discount|rabatt|codice|c[óÓ]digo|code)\s*code\s*:?\s*)[\"'“]?"
        rf"(?:\d{_CODE_TOKEN}{{2,}}|[A-Za-z0-9]\d{_CODE_TOKEN}+|[A-Za-z0-9]{_CODE_TOKEN}+\d|"
        rf"[A-Z0-9][A-Z0-9_-]{{2,}}(?:[^A-Za-z0-9_-]|$))",
        r"\b[Cc][Oo][Dd][Ee]\s*:?\s*[A-Z][A-Z0-9_-]*\d[A-Z0-9_-]*\b",
        r"\b[A-Z][A-Z0-9]{2,}\d{1,3}\s+(?:gets you|for \d{1,2}\s?%)",
    ]
).replace(r"\s", _S)
COMMERCIAL_SIGNAL_PATTERN = "|".join(
    [
        _ENGINE_PROMO,
        _INTL_PROMO,
        r"(?i:\b(?:amzn\.to|rstyle\.me|liketk\.it|shopmy\.us|howl\.me|go\.magik\.ly|"
        r"utm_medium=(?:influencer|affiliate)|[?&](?:ref|aff|affiliate|afid)=))",
    ]
)


#: what the engine's ``strip()`` (Ibis: ``TRIM(x, ' \t\n\r\v\f')``) takes off a hashtags-list element
_TRIM = " \t\n\r\v\f"


def _tag_key(h: str) -> str:
    """A hashtags-list element as the lists compare: blanks and a leading '#' / '＃' dropped, lower-cased."""
    return h.strip(_TRIM).lstrip("#＃").strip(_TRIM).lower()


def visible_hashtags(platform: str | None, hashtags: list[str] | None) -> list[str] | None:
    """``hashtags`` as a viewer sees them: ``None`` on :data:`HIDDEN_TAG_PLATFORMS` (YouTube's list holds the
    uploader's hidden ``snippet.tags``; the visible ``#tags`` are in the title and description)."""
    return None if platform in HIDDEN_TAG_PLATFORMS else hashtags


def disclosure_hashtags_in(
    caption: str | None, hashtags: list[str] | None = None, *, platform: str | None = None
) -> list[str]:
    """The disclosures a viewer sees in ``caption`` (the title and caption text) or the ``hashtags`` list,
    lower-cased, sorted: disclosure hashtags (``#ad``, ``＃広告``; list elements with or without '#'), labels in
    brackets or opening a line (``[Anzeige]``, ``Werbung | …``; without blanks: ``paidpartnership``) and
    disclosing phrases (``Paid partnership with @x`` → ``paidpartnership``, ``This video is sponsored by`` →
    ``sponsored``). ``platform`` drops the list on :data:`HIDDEN_TAG_PLATFORMS` (:func:`visible_hashtags`).
    One definition with the engine's :data:`DISCLOSURE_PATTERN` (the score's ``sponsored_share``)."""
    found: set[str] = set()
    for h in visible_hashtags(platform, hashtags) or ():
        if h and _tag_key(h) in DISCLOSURE_HASHTAGS:
            found.add(_tag_key(h))
    text = (caption or "").lower()
    for i, form in enumerate(_DISCLOSURE_FORMS):
        for m in form.finditer(text):
            # a phrase by its key ("paidpartnership"), a tag or label without blanks ("bezahltepartnerschaft")
            found.add(_PHRASES[i - 3][0] if i >= 3 else "".join(m.group(1).split()))
    return sorted(found)


def _model_disclosure_hashtag(caption: str | None, hashtags: list[str] | None) -> bool:
    """The model's ``disclosure_hashtag`` feature as it was trained (caption ``#tags`` and the list, as-is)."""
    return any(h and h.lower() in DISCLOSURE_HASHTAGS for h in hashtags or ()) or any(
        h.lower() in DISCLOSURE_HASHTAGS for h in _MODEL_HASHTAG.findall(caption or "")
    )


def _code(pats: tuple[re.Pattern[str], ...], t: str) -> str | None:
    for pat in pats:
        code = next(
            (
                m.group(1)
                for m in pat.finditer(t)
                if any(ch.isdigit() for ch in m.group(1)) or m.group(1).isupper()
            ),
            None,
        )
        if code:  # a code has a digit or is written in capitals ("use code for 20%" is not one)
            return code
    return None


def commercial_signals(text: str | None) -> list[str]:
    """Undisclosed-commercial signals in a caption: ``promo code X`` (English and the other languages' code words)
    and ``affiliate link`` mentions."""
    out: list[str] = []
    t = text or ""
    code = _code(_PROMO_ALL, t)
    if code:
        out.append(f"promo code {code}")
    m2 = _AFFILIATE.search(t)
    if m2:
        out.append(f"affiliate link ({m2.group(1)})")
    return out


def _model_commercial_signal(text: str | None) -> bool:
    """The model's ``commercial_signal`` feature as it was trained (the English code forms, affiliate links)."""
    t = text or ""
    return _code(_PROMO, t) is not None or _AFFILIATE.search(t) is not None


def is_disclosed(
    is_paid_partnership: bool | None,
    caption: str | None,
    hashtags: list[str] | None = None,
    *,
    platform: str | None = None,
) -> bool:
    """``True`` when the platform flag is set or a disclosure is present (:func:`disclosure_hashtags_in`)."""
    return bool(is_paid_partnership) or bool(disclosure_hashtags_in(caption, hashtags, platform=platform))
