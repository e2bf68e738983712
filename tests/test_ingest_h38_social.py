"""instaloader download folders import as instaloader writes them: its caption, geotag, media, profile id and resume
files beside the JSON it saved are recognised and read as nothing (they used to need ``--skip-bad``)."""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths

SAMPLES = Path(__file__).parent / "format_samples"
POST = "2024-03-01_12-00-00_UTC"


def _download(root: Path) -> Path:
    """An instaloader ``--comments --geotags --stories`` download of kiln.club, as instaloader names its files."""
    d = root / "kiln.club"
    d.mkdir()
    for f in (SAMPLES / "instaloader_post").iterdir():
        shutil.copy(f, d / f.name)
    shutil.copy(SAMPLES / "instaloader_kiln.club_1234567890.json.xz", d / "kiln.club_1234567890.json.xz")
    (d / f"{POST}.txt").write_text("Open studio night #pottery\n", encoding="utf-8")  # save_caption
    (d / f"{POST}_old_01.txt").write_text("Open studio night\n", encoding="utf-8")  # a replaced caption
    (d / f"{POST}_location.txt").write_text(  # save_location (--geotags)
        "Kiln Club\nhttps://maps.google.com/maps?q=52.5,13.4&ll=52.5,13.4\n", encoding="utf-8"
    )
    (d / f"{POST}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00")  # download_pic of the video
    (d / f"{POST}_2.webp").write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 ")  # a carousel item
    (d / "id").write_text("1234567890\n")  # save_profile_id
    resume = {  # FrozenNodeIterator of an interrupted download (--resume-prefix, default "iterator")
        "query_hash": None,
        "query_variables": {"id": "1234567890", "first": 12},
        "query_referer": None,
        "context_username": None,
        "total_index": 12,
        "best_before": 1712000000.0,
        "remaining_data": {"edges": [], "page_info": {"has_next_page": True, "end_cursor": "QVFE"}},
        "first_node": {"id": "3312345678901234567"},
        "doc_id": "7950326061742207",
    }
    (d / "iterator_2ac1d4.json.xz").write_bytes(lzma.compress(json.dumps(resume).encode()))
    story = {  # --stories: save_metadata_json of a StoryItem, and its video
        "node": {
            "__typename": "GraphStoryVideo",
            "id": "3300000000000000001",
            "owner": {"id": "1234567890", "username": "kiln.club"},
            "taken_at_timestamp": 1709380000,
            "expiring_at_timestamp": 1709466400,
            "is_video": True,
        },
        "instaloader": {"version": "4.14.1", "node_type": "StoryItem"},
    }
    (d / "2024-03-02_11-46-40_UTC.json.xz").write_bytes(lzma.compress(json.dumps(story).encode()))
    (d / "2024-03-02_11-46-40_UTC.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    return d


def test_instaloader_folder_imports_without_skip_bad_and_its_companions_add_nothing(ws, tmp_path):
    d = _download(tmp_path)
    r = import_paths(ws, [d])
    got = {Path(f.path).name: (f.format, f.records, f.rejected) for f in r.files}
    companion = ("instaloader-companion", 0, 0)
    assert got == {
        f"{POST}.json.xz": ("instagram-graphql", 1, 0),
        f"{POST}.mp4": companion,
        f"{POST}.txt": companion,
        f"{POST}_2.webp": companion,
        f"{POST}_comments.json": ("instagram-graphql", 2, 0),
        f"{POST}_location.txt": companion,
        f"{POST}_old_01.txt": companion,
        "id": companion,
        "iterator_2ac1d4.json.xz": companion,
        "2024-03-02_11-46-40_UTC.json.xz": companion,  # a story: not a post
        "2024-03-02_11-46-40_UTC.mp4": companion,
        "kiln.club_1234567890.json.xz": ("instagram-graphql", 1, 0),
    }
    # what the post, its comments and the profile say, and nothing from the companions
    assert ws.duck.execute("SELECT post_id, caption FROM posts").fetchall() == [
        ("3312345678901234567", "Open studio night #pottery")
    ]
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone() == (4,)
    assert ws.duck.execute("SELECT followers FROM accounts WHERE account_id = 'kiln.club'").fetchone() == (
        4213,
    )
    assert ws.duck.execute("SELECT count(*) FROM rejects").fetchone() == (0,)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"Open studio night #pottery\n"),  # no instaloader post of that name beside it
        (f"{POST}_draft.txt", b"draft\n"),  # a name instaloader does not write
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("id", b"not an id\n"),
        ("id", b"999\n"),  # no profile of that id beside it
    ],
)
def test_a_file_instaloader_did_not_write_is_still_not_recognised(ws, tmp_path, name, content):
    d = _download(tmp_path)
    if name == "id":
        (d / "id").unlink()
    (d / name).write_bytes(content)
    with pytest.raises(ImportFailed, match=rf"{name}, start of file: format not recognised"):
        import_paths(ws, [d])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)


def test_a_caption_beside_json_that_is_not_instaloaders_is_still_not_recognised(ws, tmp_path):
    (tmp_path / "report.json").write_text('{"node": {"id": 1}}')  # not instaloader's: no "instaloader" block
    (tmp_path / "report.txt").write_text("some text\n")
    with pytest.raises(ImportFailed, match=r"report\.(json|txt), start of file: format not recognised"):
        import_paths(ws, [tmp_path])


def test_a_damaged_post_json_is_not_hidden_by_its_companions(ws, tmp_path):
    d = _download(tmp_path)
    (d / f"{POST}.json.xz").write_bytes(b"\xfd7zXZ\x00damaged")
    with pytest.raises(ImportFailed, match=rf"{POST}\.(json\.xz|mp4|txt)"):
        import_paths(ws, [d])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)


# ---------------------------------------------------------------------------- Instagram "Download your information"
ARCHIVE = SAMPLES / "instagram_archive"


def test_instagram_archive_gives_the_owners_account_and_posts(ws):
    """The unzipped JSON archive imports as it is: the owner's profile, follower count over both followers files
    (3 + 2), following count, both posts and the reel with their captions and dates; Meta's byte-escaped text decoded; nothing
    from the comments the owner wrote; no likes or comment counts invented."""
    r = import_paths(ws, [ARCHIVE])
    got = {Path(f.path).name: (f.format, f.records) for f in r.files}
    assert got == {
        "followers_1.json": ("instagram-archive", 1),
        "followers_2.json": ("instagram-archive", 0),  # counted by followers_1.json
        "following.json": ("instagram-archive", 1),
        "431299998_3234567890123456_3_n.mp4": ("instagram-archive", 0),
        "personal_information.json": ("instagram-archive", 1),
        "post_comments_1.json": ("instagram-archive", 0),  # comments the owner wrote: not comments received
        "posts_1.json": ("instagram-archive", 2),
        "reels.json": ("instagram-archive", 1),
    }
    assert ws.duck.execute(
        "SELECT platform, account_id, username, full_name, bio, external_url, followers, following, posts "
        "FROM accounts"
    ).fetchall() == [
        (
            "instagram",
            "kiln.club",
            "kiln.club",
            "Kiln Club Café",
            "Community pottery studio • classes every week \U0001f3fa",
            "https://kiln.example",
            5,
            2,
            None,
        )
    ]
    posts = ws.duck.execute(
        "SELECT post_id, creator_id, epoch(created_at)::BIGINT, media_type, caption, likes, comments_count, hashtags, "
        "mentions FROM posts ORDER BY created_at"
    ).fetchall()
    assert posts == [
        (
            "archive:media/posts/202403/431234567_1234567890123456_1_n.jpg",
            "kiln.club",
            1709294400,
            "image",
            "Open studio night, café glazes #pottery @glaze.nerd",
            None,
            None,
            ["pottery"],
            ["glaze.nerd"],
        ),
        (
            "archive:media/posts/202403/431299999_2234567890123456_2_n.jpg",
            "kiln.club",
            1709900000,
            "carousel",
            "Kiln opening day \U0001f525 #raku",
            None,
            None,
            ["raku"],
            [],
        ),
        (
            "archive:media/reels/202403/431299998_3234567890123456_3_n.mp4",
            "kiln.club",
            1710000000,
            "video",
            "Trimming a bowl on the wheel \u2728 #wheelthrowing",
            None,
            None,
            ["wheelthrowing"],
            [],
        ),
    ]
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone() == (0,)
    # a second import of the same archive changes nothing
    assert sum(import_paths(ws, [ARCHIVE], force=True).rows().values()) == 0


def test_archive_file_without_its_profile_says_how_to_import_it(ws, tmp_path):
    posts = ARCHIVE / "your_instagram_activity" / "content" / "posts_1.json"
    (tmp_path / "posts_1.json").write_bytes(posts.read_bytes())
    with pytest.raises(
        ImportFailed, match=r"posts_1\.json, file: .*does not name its account.*personal_information"
    ):
        import_paths(ws, [tmp_path / "posts_1.json"])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)


def test_a_damaged_archive_file_is_not_passed_over(ws, tmp_path):
    d = tmp_path / "archive"
    shutil.copytree(ARCHIVE, d)
    (d / "your_instagram_activity" / "content" / "posts_1.json").write_text('[{"media": [{"uri"')
    with pytest.raises(ImportFailed, match=r"posts_1\.json"):
        import_paths(ws, [d])


def test_json_outside_an_archive_is_still_not_recognised(ws, tmp_path):
    (tmp_path / "liked_posts.json").write_text('{"likes_media_likes": []}')
    with pytest.raises(ImportFailed, match=r"liked_posts\.json, start of file: format not recognised"):
        import_paths(ws, [tmp_path])


# ---------------------------------------------------------------------------- TikTok "Download your data"
TIKTOK = SAMPLES / "tiktok_archive" / "user_data_tiktok.json"


def _tiktok_rows(ws):
    acc = ws.duck.execute(
        "SELECT platform, account_id, username, full_name, bio, followers, following FROM accounts"
    ).fetchall()
    posts = ws.duck.execute(
        "SELECT post_id, creator_id, epoch(created_at)::BIGINT, media_type, caption, likes, views, comments_count, url "
        "FROM posts ORDER BY created_at"
    ).fetchall()
    return acc, posts


def test_tiktok_archive_gives_the_owners_account_and_videos(ws):
    """3 followers and 2 followees counted from the lists; the 2 videos with their dates and likes ("41" → 41);
    nothing from the comments the owner wrote; no caption, views or comment count invented."""
    r = import_paths(ws, [TIKTOK.parent])
    assert [(f.format, f.records, f.rejected) for f in r.files] == [("tiktok-archive", 3, 0)]
    acc, posts = _tiktok_rows(ws)
    assert acc == [
        ("tiktok", "kiln.club", "Kiln.Club", None, "Community pottery studio \u2022 wheel classes", 3, 2)
    ]
    assert posts == [
        (
            "archive:kiln.club:2024-03-01 12:00:00",
            "kiln.club",
            1709294400,
            "video",
            None,
            41,
            None,
            None,
            None,
        ),
        (
            "archive:kiln.club:2024-03-08 17:30:00",
            "kiln.club",
            1709919000,
            "video",
            None,
            16,
            None,
            None,
            None,
        ),
    ]
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone() == (0,)
    assert sum(import_paths(ws, [TIKTOK], force=True).rows().values()) == 0


def test_tiktok_archive_2025_names_and_counts_of_the_profile(ws, tmp_path):
    """The 2025 archives rename "Activity" → "Your Activity" and "Profile Information" → "Profile Info"; a
    ProfileMap that gives followerCount / followingCount is the count (the lists may be cut)."""
    doc = json.loads(TIKTOK.read_text(encoding="utf-8"))
    doc["Your Activity"] = doc.pop("Activity")
    pmap = doc.pop("Profile")["Profile Information"]["ProfileMap"]
    doc["Profile And Settings"] = {
        "Profile Info": {
            "ProfileMap": pmap | {"displayName": "Kiln Club", "followerCount": 1204, "followingCount": 88}
        }
    }
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    assert [x.format for x in import_paths(ws, [f]).files] == ["tiktok-archive"]
    acc, posts = _tiktok_rows(ws)
    assert acc == [
        (
            "tiktok",
            "kiln.club",
            "Kiln.Club",
            "Kiln Club",
            "Community pottery studio \u2022 wheel classes",
            1204,
            88,
        )
    ]
    assert [p[5] for p in posts] == [41, 16]


def test_tiktok_archive_larger_than_detection_reads(ws, tmp_path):
    """The watch history comes first and is most of a real archive: detection (256 KB) sees only its start."""
    doc = json.loads(TIKTOK.read_text(encoding="utf-8"))
    history = [
        {
            "Date": "2024-03-02 21:00:00",
            "Link": f"https://www.tiktokv.com/share/video/{7330000000000000000 + i}/",
        }
        for i in range(6000)
    ]
    rest = {k: v for k, v in doc["Activity"].items() if k != "Video Browsing History"}
    doc["Activity"] = {"Video Browsing History": {"VideoList": history}, **rest}
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    assert f.stat().st_size > 256 * 1024
    assert [x.format for x in import_paths(ws, [f]).files] == ["tiktok-archive"]
    assert _tiktok_rows(ws)[0][0][5:] == (3, 2)


def test_tiktok_archive_without_its_profile_says_so_and_changes_nothing(ws, tmp_path):
    doc = json.loads(TIKTOK.read_text(encoding="utf-8"))
    del doc["Profile"]["Profile Information"]["ProfileMap"]["userName"]
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"does not name its account \(ProfileMap\.userName\)"):
        import_paths(ws, [f])
    assert ws.duck.execute("SELECT count(*) FROM posts").fetchone() == (0,)


def test_a_damaged_followers_part_fails_the_count_and_names_the_file(ws, tmp_path):
    d = tmp_path / "archive"
    shutil.copytree(ARCHIVE, d)
    (d / "connections" / "followers_and_following" / "followers_2.json").write_text(
        '[{"title": "", "string_li'
    )
    with pytest.raises(ImportFailed, match=r"followers_1\.json, file: followers_2\.json is not valid JSON"):
        import_paths(ws, [d])
    assert ws.duck.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


def test_instaloader_post_with_date_and_caption_keys_keeps_its_time_and_caption(ws, tmp_path):
    """instaloader's Post reads the time from ``date`` and the caption from ``caption`` when the node has no
    ``taken_at_timestamp`` / ``edge_media_to_caption`` (``Post.date_utc``, ``Post.caption``); its saved JSON of such
    a node used to import with no time and no caption."""
    node = {
        "__typename": "GraphImage",
        "id": "2012345678901234567",
        "shortcode": "Bx1kiln",
        "owner": {"id": "1234567890", "username": "kiln.club"},
        "date": 1709294400,
        "caption": "Open studio #pottery with @glaze.nerd",
        "edge_media_preview_like": {"count": 3},
    }
    doc = {"node": node, "instaloader": {"version": "4.14.1", "node_type": "Post"}}
    (tmp_path / f"{POST}.json.xz").write_bytes(lzma.compress(json.dumps(doc).encode()))
    import_paths(ws, [tmp_path])
    assert ws.duck.execute(
        "SELECT post_id, epoch(created_at)::BIGINT, caption, hashtags, mentions, likes FROM posts"
    ).fetchall() == [
        (
            "2012345678901234567",
            1709294400,
            "Open studio #pottery with @glaze.nerd",
            ["pottery"],
            ["glaze.nerd"],
            3,
        )
    ]
