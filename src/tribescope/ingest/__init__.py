"""Importers: platform exports → canonical tables.

:func:`import_paths` detects each file's format from its content, streams its records, validates
them, and upserts them into the workspace in one transaction (a failure changes nothing).
Each format lives in its own module and registers itself in :data:`FORMATS`.
"""

from tribescope.ingest._run import FORMATS, FileReport, ImportReport, detect_format, import_paths, register
from tribescope.ingest.discord import DiscordChatExporter
from tribescope.ingest.instagram import InstagramGraphAPI, InstagramKim, InstagramWeb, InstaloaderCompanion
from tribescope.ingest.instagram_archive import InstagramArchive
from tribescope.ingest.patreon import Patreon
from tribescope.ingest.reddit import Reddit
from tribescope.ingest.tabular import Tabular, TribescopeExportTables
from tribescope.ingest.tiktok import TikTokResearch
from tribescope.ingest.tiktok_archive import TikTokArchive
from tribescope.ingest.youtube import YouTubeAPI

# Detection order: most specific first; the generic CSV reader last. instaloader's caption, media and id files
# first: they are told by their name and the instaloader JSON beside them, before any content sniffer looks at them.
register(InstaloaderCompanion())
register(InstagramKim())
register(InstagramWeb())
register(InstagramGraphAPI())
register(Reddit())
register(DiscordChatExporter())
register(YouTubeAPI())
register(TikTokResearch())
register(TikTokArchive())
register(Patreon())
# any JSON file inside an Instagram archive folder is the archive's: after every format that reads a file itself
register(InstagramArchive())
# a tribescope Parquet export's log and derived tables, before the generic reader takes them for data
register(TribescopeExportTables())
register(Tabular())

__all__ = ["FORMATS", "FileReport", "ImportReport", "detect_format", "import_paths", "register"]
