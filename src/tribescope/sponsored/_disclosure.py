"""Disclosed sponsorship: the platform's own paid-partnership flag and disclosure hashtags.

A post is *disclosed* when the platform flags it (``posts.is_paid_partnership``, the Instagram
"Paid partnership with …" header / YouTube "Includes paid promotion") or when its caption or hashtags
carry one of the advertising-disclosure hashtags regulators ask for (FTC "Disclosures 101" in the US,
CMA/ASA in the UK, the German Landesmedienanstalten's "Werbung"/"Anzeige", the Spanish "publicidad",
French "publicité"/"sponsorisé", Italian "pubblicità"/"sponsorizzato", Polish "reklama", …).
"""

from __future__ import annotations

import re

__all__ = ["DISCLOSURE_HASHTAGS", "disclosure_hashtags_in", "is_disclosed"]

#: Lower-cased disclosure hashtags (without '#'), by language. Editable; documented in docs/campaigns.md.
DISCLOSURE_HASHTAGS: frozenset[str] = frozenset(
    {
        # English
        # (ambiguous tags such as #sp = São Paulo, #pr = Puerto Rico, #pub, #partner are left out)
        "ad", "ads", "advert", "advertisement", "advertising", "sponsored", "sponsor", "spon",
        "paidpartnership", "paidpartner", "paidpost", "brandpartner", "gifted", "giftedby", "prproduct",
        "prsample", "affiliate", "affiliatelink",
        # German
        "werbung", "anzeige", "unbezahltewerbung", "bezahltepartnerschaft", "kooperation", "sponsoring",
        # Spanish / Portuguese
        "publicidad", "publi", "patrocinado", "colaboración", "colaboracion", "publicidade", "parceria",
        "patrocinio", "publicidadepaga",
        # French
        "publicité", "publicite", "sponsorisé", "sponsorise", "partenariat", "partenariatrémunéré",
        "collaborationcommerciale",
        # Italian
        "pubblicità", "pubblicita", "sponsorizzato", "sponsorizzata", "adv", "inserzioneapagamento",
        "supportedby",
        # Dutch / Nordic / Polish / others
        "advertentie", "gesponsord", "samenwerking", "reklame", "reklam", "annonse", "annons",
        "sponsrad", "samarbete", "samarbeid", "reklama", "współpraca", "wspolpraca", "spolupráce",
        "mainos", "kaupallinenyhteistyö", "διαφήμιση", "реклама", "広告", "pr案件", "광고", "협찬",
    }
)

_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)


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


def is_disclosed(
    is_paid_partnership: bool | None, caption: str | None, hashtags: list[str] | None = None
) -> bool:
    """``True`` when the platform flag is set or a disclosure hashtag is present."""
    return bool(is_paid_partnership) or bool(disclosure_hashtags_in(caption, hashtags))
