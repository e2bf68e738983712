"""The e-mailed report (and `status`, `explain`) over odd workspaces: nothing imported, creators imported after the
score, hostile text in handles, comments and links; each says what the dashboard says of the same workspace."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest

pytest.importorskip("tribescope.score")

CREATORS = (  # creator id, handle, followers
    ("evil1", "<script>alert(1)</script>", 50_000),
    ("quote2", 'o\'brien "the" </title><img src=x onerror=alert(2)>', 20_000),
    ("emoji3", "🔥cook🍳ing👩‍🍳", 8_000),
    ("rtl4", "مرحبا\u202eabc", 12_000),
)
LATE = ("late5", "a&b&amp;c", 15_000)  # imported after the score


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _exports(
    folder: Path, creators: tuple[tuple[str, str, int], ...], *, fans: bool = True, fan_name: str = "fan_{}"
) -> list[Path]:
    """accounts (the creators and 30 fans), 4 posts per creator (the first two sponsored, the first with a
    ``javascript:`` link) and 10 comments under each post, some of them replies between fans."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = [["instagram", cid, h, n, 100] for cid, h, n in creators]
    accounts += (
        [["instagram", f"fan{i}", fan_name.format(i), 300 + i, 200] for i in range(30)] if fans else []
    )
    posts, comments = [], []
    for cid, _, _ in creators:
        for j in range(4):
            pid = f"{cid}_p{j}"
            sponsored = j < 2
            posts.append(
                [
                    "instagram",
                    pid,
                    cid,
                    f"2026-0{j + 1}-10T10:00:00Z",
                    "Use code SAVE10 #ad </script><script>alert(3)</script>" if sponsored else "a caption 🙂",
                    500 + 10 * j,
                    " java\tscript:alert(4)" if j == 0 else f"https://www.instagram.com/p/{pid}/",
                ]
            )
            for k in range(10):
                cm = f"{pid}_c{k}"
                parent = f"{pid}_c{k - 1}" if k % 3 == 2 else ""
                comments.append(
                    [
                        "instagram",
                        cm,
                        pid,
                        f"fan{(k * 7 + j) % 30}",
                        f"2026-0{j + 1}-11T10:{k:02d}:00Z",
                        f"I tried this recipe and my family loved it,\n\nthe sauce was great {k}",
                        parent,
                    ]
                )
    return [
        _write(
            folder / "accounts.csv",
            ["platform", "account_id", "username", "followers", "following"],
            accounts,
        ),
        _write(
            folder / "posts.csv",
            ["platform", "post_id", "creator_id", "created_at", "caption", "likes", "url"],
            posts,
        ),
        _write(
            folder / "comments.csv",
            ["platform", "comment_id", "post_id", "author_id", "created_at", "text", "parent_comment_id"],
            comments,
        ),
    ]


def _visible(page: str) -> str:
    """The report's text as a reader sees it (no scripts, styles or chart specs)."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def _report(ws: object) -> str:
    from tribescope.report import render_report

    return render_report(ws, top=5, evidence=5)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def late_ws(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Four creators scored, then a fifth imported (not scored yet)."""
    from tribescope.ingest import import_paths
    from tribescope.score import score_creators
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("late")
    ws = connect(tmp / "ws.duckdb")
    import_paths(ws, _exports(tmp / "a", CREATORS))
    score_creators(ws)
    import_paths(ws, _exports(tmp / "b", (LATE,), fans=False))
    yield ws
    ws.close()


@pytest.mark.parametrize("scored", [False, True])
def test_a_report_without_creators_says_to_import_not_to_score(tmp_path: Path, scored: bool) -> None:
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    ws = connect(tmp_path / "ws.duckdb")
    import_paths(ws, _exports(tmp_path / "x", CREATORS)[:1])  # the accounts only: no posts, no creator
    if scored:
        from tribescope.score import score_creators

        score_creators(ws)
    page = _report(ws)
    text = _visible(page)
    assert "No creators in this workspace yet — run tribescope import EXPORTS" in text
    assert "Scores not computed yet" not in text  # scoring an empty workspace changes nothing
    assert 'id="chart-board"' not in page  # no empty chart
    assert 'id="leaderboard"' not in page  # no table of no rows
    ws.close()


def test_the_report_says_which_creators_were_imported_after_the_score(late_ws: object) -> None:
    page = _report(late_ws)
    text = _visible(page)
    assert (
        "1 creator imported since the last score is listed without a score, after the scored ones — run "
        "tribescope score, then tribescope report again, to score it." in text
    )
    # the chart has no place for it, and says so as the dashboard does
    assert "1 of the 5 matching creators is not drawn: not scored yet; it is in the table." in text


def test_the_report_chart_draws_the_creators_its_table_lists(late_ws: object, monkeypatch) -> None:
    """The table lists the first ``MAX_ROWS``; the chart draws those, and its note says how many of how many."""
    from tribescope.report import _html

    monkeypatch.setattr(_html, "MAX_ROWS", 2)
    page = _report(late_ws)
    spec = re.search(r'<script type="application/json" id="spec-board">(.*?)</script>', page, re.S)
    assert spec is not None
    assert spec.group(1).count('"handle"') == 2 + 1  # two dots, and the tooltip's field
    text = _visible(page)
    assert "The chart shows the first 2 of the 5 matching creators in this order." in text
    assert "Top 2 of 5 creators." in text  # the table lists as many (it listed 100 whatever MAX_ROWS said)
    assert page.count('<td class="name">') == 2


def test_an_imported_link_that_is_not_http_is_no_link_in_the_evidence(late_ws: object) -> None:
    """A post's ``url`` is imported as it is: ``javascript:…`` was the href of the sponsored post's link in the
    evidence (the report's and the dashboard's), run by a click wherever the page's CSP is not applied."""
    page = _report(late_ws)
    assert "alert(4)" not in page
    assert re.findall(r'href="(?:\s|&#9;)*java', page, re.I) == []
    # the post is still listed, by its id; the posts with a web address keep their link
    assert "<td>evil1_p0</td>" in page
    assert '<a href="https://www.instagram.com/p/evil1_p1/" rel="noopener noreferrer">evil1_p1</a>' in page


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://www.tiktok.com/@a/video/1", "https://www.tiktok.com/@a/video/1"),
        ("HTTP://example.com/x", "HTTP://example.com/x"),
        ("javascript:alert(1)", None),
        ("\tJava\nScript:alert(1)", None),
        ("data:text/html,<script>x</script>", None),
        ("//evil.example/x", None),
        ("vbscript:msgbox", None),
        (None, None),
    ],
)
def test_web_url_keeps_only_web_addresses(url: str | None, link: str | None) -> None:
    from tribescope.web._render import web_url

    assert web_url(url) == link


@pytest.fixture(scope="module")
def stale_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four creators scored; then a fifth imported and 40 more comments under the first creator's post."""
    from tribescope.ingest import import_paths
    from tribescope.score import score_creators
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("stale")
    path = tmp / "ws.duckdb"
    ws = connect(path)
    try:
        import_paths(ws, _exports(tmp / "a", CREATORS))
        score_creators(ws)
        more = [
            ["instagram", f"more{k}", "evil1_p0", f"fan{k % 30}", "2026-01-12T10:00:00Z", "nice", ""]
            for k in range(40)
        ]
        b = tmp / "b"
        import_paths(ws, _exports(b, (LATE,), fans=False)[1:])
        cols = ["platform", "comment_id", "post_id", "author_id", "created_at", "text", "parent_comment_id"]
        import_paths(ws, [_write(tmp / "more.csv", cols, more)])
    finally:
        ws.close()
    return str(path)


def test_status_says_the_scores_are_older_than_the_data(stale_path: str) -> None:
    from tests._score_fixtures import run_cli

    from tribescope.score import load_spec

    sp = load_spec()  # the spec by version and hash, as the report says it
    code, out, err = run_cli(stale_path, "status")
    assert code == 0, out + err
    assert (
        f"creator scores: 4 creators scored (spec {sp.version}, {sp.hash}); since then 1 creator was imported (not scored yet) and the "
        "posts or comments of 1 scored creator changed — run `tribescope score`" in out
    ), out


def test_score_changes_counts_nothing_right_after_a_score(late_ws: object, tmp_path: Path) -> None:
    from tribescope.web._data import score_changes

    got = score_changes(late_ws)  # type: ignore[arg-type]
    assert (got.unscored, got.changed) == (1, 0)  # the late creator; the scored ones are as they were scored
    assert got.text() == "1 creator was imported (not scored yet)"


def test_the_report_command_says_when_the_scores_are_older_than_the_data(
    stale_path: str, tmp_path: Path
) -> None:
    from tests._score_fixtures import run_cli

    code, out, err = run_cli(
        stale_path, "report", "-o", str(tmp_path / "r.html"), "--top", "1", "--evidence", "0"
    )
    assert code == 0, out + err
    assert (
        "since the last score, 1 creator was imported (not scored yet) and the posts or comments of 1" in err
    ), err


def test_the_report_command_of_a_workspace_without_creators_says_to_import(tmp_path: Path) -> None:
    from tests._score_fixtures import run_cli

    from tribescope.ingest import import_paths
    from tribescope.store import connect

    ws = connect(tmp_path / "ws.duckdb")
    import_paths(ws, _exports(tmp_path / "x", CREATORS)[:1])  # accounts only
    ws.close()
    code, out, err = run_cli(str(tmp_path / "ws.duckdb"), "report", "-o", str(tmp_path / "r.html"))
    assert code == 0, out + err
    assert (
        "no creators in this workspace yet (no posts imported)" in err and "no scores in this" not in err
    ), err


def test_explain_prints_a_comment_with_line_breaks_on_its_line_of_the_evidence(stale_path: str) -> None:
    """A comment's line break started a line at the left margin, read as the next item of the evidence."""
    from tests._score_fixtures import run_cli

    code, out, err = run_cli(stale_path, "explain", "emoji3")
    assert code == 0, out + err
    block = out[out.index("Followers talking to each other") : out.index("Returning commenters")]
    lines = block.splitlines()[1:]
    assert lines and all(line.startswith("  ") for line in lines), block
    assert "I tried this recipe and my family loved it, the sauce was great" in block


def test_the_report_says_when_scored_creators_changed_since_the_score(stale_path: str) -> None:
    from tribescope.store import connect

    ws = connect(stale_path, read_only=True)
    try:
        text = _visible(_report(ws))
    finally:
        ws.close()
    assert (
        "The posts or comments of 1 scored creator changed since the last score: its score is the stored one — run "
        "tribescope score, then tribescope report again." in text
    ), text[:3000]
    assert "1 creator imported since the last score is listed without a score" in text


def test_a_report_right_after_the_score_has_no_change_note(late_ws: object) -> None:
    assert "changed since the last score" not in _visible(_report(late_ws))
