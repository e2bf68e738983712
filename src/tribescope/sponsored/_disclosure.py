"""Disclosed sponsorship: the platform's own paid-partnership flag and disclosure hashtags.

A post is *disclosed* when the platform flags it (``posts.is_paid_partnership``, the Instagram
"Paid partnership with …" header / YouTube "Includes paid promotion") or when its caption or hashtags
carry one of the advertising-disclosure hashtags regulators ask for (FTC "Disclosures 101" in the US,
CMA/ASA in the UK, the German Landesmedienanstalten's "Werbung"/"Anzeige", the Spanish "publicidad",
French "publicité"/"sponsorisé", Italian "pubblicità"/"sponsorizzato", Polish "reklama", …).
"""

from __future__ import annotations

import re

__all__ = ["DISCLOSURE_HASHTAGS", "commercial_signals", "disclosure_hashtags_in", "is_disclosed"]

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

_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)

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
_AFFILIATE = re.compile(
    r"\b(amzn\.to|rstyle\.me|liketk\.it|shopmy\.us|howl\.me|go\.magik\.ly|"
    r"utm_medium=(?:influencer|affiliate)|[?&](?:ref|aff|affiliate|afid)=)",
    re.IGNORECASE,
)


#: :func:`commercial_signals` as one pattern for the engine (DuckDB's RE2 and Python's ``re`` read it alike; no
#: look-around): a search of the original-case text finds a match exactly when :func:`commercial_signals` returns
#: a signal (``tests/test_sponsored.py`` checks them against each other). The first promo form's code must hold a
#: digit (at any of its three or more characters) or be written in capitals to its end.
_CODE_TOKEN = r"[A-Za-z0-9_-]"
COMMERCIAL_SIGNAL_PATTERN = "|".join(
    [
        r"(?i:\b(?:use|using|with|my|promo|discount|rabatt|codice|código|code)\s*code\s*:?\s*)[\"'“]?"
        rf"(?:\d{_CODE_TOKEN}{{2,}}|[A-Za-z0-9]\d{_CODE_TOKEN}+|[A-Za-z0-9]{_CODE_TOKEN}+\d|"
        rf"[A-Z0-9][A-Z0-9_-]{{2,}}(?:[^A-Za-z0-9_-]|$))",
        r"\b[Cc][Oo][Dd][Ee]\s*:?\s*[A-Z][A-Z0-9_-]*\d[A-Z0-9_-]*\b",
        r"\b[A-Z][A-Z0-9]{2,}\d{1,3}\s+(?:gets you|for \d{1,2}\s?%)",
        r"(?i:\b(?:amzn\.to|rstyle\.me|liketk\.it|shopmy\.us|howl\.me|go\.magik\.ly|"
        r"utm_medium=(?:influencer|affiliate)|[?&](?:ref|aff|affiliate|afid)=))",
    ]
)


def disclosure_hashtags_in(caption: str | None, hashtags: list[str] | None = None) -> list[str]:
    """Disclosure hashtags present in ``caption`` (``#word``) or the ``hashtags`` list, lower-cased, sorted."""
    found: set[str] = set()
    for h in hashtags or ():
        if h and h.lower() in DISCLOSURE_HASHTAGS:
            found.add(h.lower())
    for h in _HASHTAG.findall(caption or ""):
        if h.lower() in DISCLOSURE_HASHTAGS:
            found.add(h.lower())
    return sorted(found)


def commercial_signals(text: str | None) -> list[str]:
    """Undisclosed-commercial signals in a caption: ``promo code X`` and ``affiliate link`` mentions."""
    out: list[str] = []
    t = text or ""
    for pat in _PROMO:
        code = next(
            (
                m.group(1)
                for m in pat.finditer(t)
                if any(ch.isdigit() for ch in m.group(1)) or m.group(1).isupper()
            ),
            None,
        )
        if code:  # a code has a digit or is written in capitals ("use code for 20%" is not one)
            out.append(f"promo code {code}")
            break
    m2 = _AFFILIATE.search(t)
    if m2:
        out.append(f"affiliate link ({m2.group(1)})")
    return out


def is_disclosed(
    is_paid_partnership: bool | None, caption: str | None, hashtags: list[str] | None = None
) -> bool:
    """``True`` when the platform flag is set or a disclosure hashtag is present."""
    return bool(is_paid_partnership) or bool(disclosure_hashtags_in(caption, hashtags))
