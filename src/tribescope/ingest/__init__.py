"""Importers: platform exports → canonical tables.

:func:`import_paths` detects each file's format from its content, streams its records, validates
them, and upserts them into the workspace in one transaction (a failure changes nothing).
Each format lives in its own module and registers itself in :data:`FORMATS`.
"""

from tribescope.ingest._run import FORMATS, FileReport, ImportReport, detect_format, import_paths, register
from tribescope.ingest.discord import DiscordChatExporter
from tribescope.ingest.instagram import InstagramGraphAPI, InstagramKim, InstagramWeb
from tribescope.ingest.patreon import Patreon
from tribescope.ingest.reddit import Reddit
from tribescope.ingest.tabular import Tabular
from tribescope.ingest.tiktok import TikTokResearch
from tribescope.ingest.youtube import YouTubeAPI

# Detection order: most specific first; the generic CSV reader last.
register(InstagramKim())
register(InstagramWeb())
register(InstagramGraphAPI())
register(Reddit())
register(DiscordChatExporter())
register(YouTubeAPI())
register(TikTokResearch())
register(Patreon())
register(Tabular())

__all__ = ["FORMATS", "FileReport", "ImportReport", "detect_format", "import_paths", "register"]
