"""Niches: topics, niche categories, audience overlap, niche groups and their leaders, inner circles, lookalikes.

Public API (each returns Arrow tables or small result objects; the CLI and API are thin shells over these):

* :func:`topics`, :func:`post_topics` — TF-IDF + NMF topics with readable top terms.
* :func:`predict_niche_category` — creator niche category (fashion, travel, …) from text, with confidence.
* :func:`overlap`, :func:`overlap_list`, :func:`pairwise_overlap`, :func:`audience_sketches` — engaged-audience overlap.
* :func:`niche_groups` — Leiden niche groups (with a resolution sweep), leaders, bridges.
* :func:`inner_circle` — Orbit-model levels of one creator's members.
* :func:`similar` — lookalike creators with reasons.
"""

from tribescope.niche._audience import (
    CreatorNotFound,
    NicheError,
    activity,
    audience,
    audience_sketches,
    estimate_jaccard,
    overlap,
    overlap_list,
    pairwise_overlap,
    resolve_creators,
)
from tribescope.niche._category import (
    CATEGORIES,
    CategoryModel,
    load_category_model,
    predict_niche_category,
)
from tribescope.niche._circle import LEVELS, inner_circle
from tribescope.niche._groups import CreatorGraph, NicheGroups, creator_graph, niche_groups
from tribescope.niche._similar import community_profile, similar
from tribescope.niche._text import creator_documents, post_documents
from tribescope.niche._topics import TopicModel, fit_topics, post_topics, topics

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "CategoryModel",
    "CreatorGraph",
    "CreatorNotFound",
    "NicheError",
    "NicheGroups",
    "TopicModel",
    "activity",
    "audience",
    "audience_sketches",
    "community_profile",
    "creator_documents",
    "creator_graph",
    "estimate_jaccard",
    "fit_topics",
    "inner_circle",
    "load_category_model",
    "niche_groups",
    "overlap",
    "overlap_list",
    "pairwise_overlap",
    "post_documents",
    "post_topics",
    "predict_niche_category",
    "resolve_creators",
    "similar",
    "topics",
]
