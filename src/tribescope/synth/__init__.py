"""Synthetic social data with planted truth, written in the platforms' real export formats.

``generate(out, scale, seed)`` writes YouTube Data API, Instagram web GraphQL, TikTok Research API,
DiscordChatExporter and Pushshift files plus ``community_links.csv``, the planted truth in
``truth/`` and a brand campaign (plan, Shopify orders export, link clicks) in ``campaigns/``.
See :mod:`tribescope.synth._world` for the population model and its sources.
"""

from tribescope.synth._generate import SynthSummary, generate
from tribescope.synth._world import SCALES, hypeauditor_er

__all__ = ["SCALES", "SynthSummary", "generate", "hypeauditor_er"]
