"""The benchmark's reporting: with ``--repeat`` the figures quoted are those of the median run."""

from __future__ import annotations

from benchmarks.__main__ import _median_run


def test_median_run_is_the_run_with_the_median_ratio_and_lists_every_run():
    runs = [
        {"total_s": 40.0, "raw_text_scan_s": 4.0, "ratio": 10.0, "text": {"x": 1}},
        {"total_s": 30.0, "raw_text_scan_s": 4.0, "ratio": 7.5, "text": {"x": 2}},
        {"total_s": 36.0, "raw_text_scan_s": 3.0, "ratio": 12.0, "text": {"x": 3}},
    ]
    mid = _median_run(runs, "ratio")
    assert (mid["total_s"], mid["ratio"]) == (40.0, 10.0)
    assert [r["ratio"] for r in mid["runs"]] == [10.0, 7.5, 12.0]
    assert all(set(r) == {"total_s", "raw_text_scan_s", "ratio"} for r in mid["runs"])
    # an even count quotes the lower middle run; one run is reported as it is
    assert _median_run(runs[:2], "ratio")["ratio"] == 7.5
    assert _median_run(runs[:1], "ratio") == runs[0]


def test_median_run_also_gives_the_median_of_another_route_measured_in_the_same_runs():
    runs = [
        {"total_s": 40.0, "ratio": 10.0, "one": 9.0},
        {"total_s": 30.0, "ratio": 7.5, "one": 8.0},
        {"total_s": 36.0, "ratio": 12.0, "one": 4.0},
    ]
    mid = _median_run(runs, "ratio", ("one",))
    assert (mid["ratio"], mid["one"]) == (10.0, 9.0)  # the quoted run is the first route's median run
    assert mid["one_median"] == 8.0  # the second route's own median, from another run
    assert [r["one"] for r in mid["runs"]] == [9.0, 8.0, 4.0]


def test_youtube_only_cut_keeps_the_first_pages_up_to_the_comment_count(tmp_path):
    """The notebook comparison at the issue's size: `commentThreads` is cut after the first page that brings the
    comments (top-level ones and the replies the page carries) to the count; every other file is the original."""
    import json

    from benchmarks.__main__ import youtube_only

    yt = tmp_path / "synth" / "youtube"
    yt.mkdir(parents=True)

    def page(threads: int, replies: int) -> str:
        item = {"snippet": {}, "replies": {"comments": [{"id": str(k)} for k in range(replies)]}}
        return json.dumps({"kind": "youtube#commentThreadListResponse", "items": [item] * threads})

    pages = [page(2, 1), page(1, 0), page(3, 2), page(5, 0)]  # 4, 1, 9 and 5 comments
    (yt / "commentThreads.jsonl").write_text("\n".join(pages) + "\n")
    (yt / "videos.jsonl").write_text('{"items": []}\n')
    out = youtube_only(tmp_path / "synth", tmp_path / "cut", comments=10)
    assert (out / "commentThreads.jsonl").read_text().splitlines() == pages[:3]  # 4 + 1 + 9 = 14 >= 10
    assert (out / "videos.jsonl").resolve() == (yt / "videos.jsonl").resolve()
    (yt / "videos.jsonl").write_text("changed\n")
    assert youtube_only(tmp_path / "synth", tmp_path / "cut", comments=1) == out  # written once, kept
    assert len((out / "commentThreads.jsonl").read_text().splitlines()) == 3


def test_cpu_floor_is_the_work_spread_over_every_core():
    from benchmarks.__main__ import cores, cpu_floor

    assert cpu_floor(13.0, 2) == 6.5
    assert cpu_floor(42.0, 1) == 42.0
    assert cores() >= 1 and cpu_floor(8.0) == 8.0 / cores()


def test_score_stages_come_longest_first_with_the_comments_each_ran_through_per_second(tmp_path):
    from benchmarks.__main__ import score_stages

    t = tmp_path / "t.csv"
    t.write_text(
        "stage,thread,started_s,seconds,creators\n"
        "fingerprints,main,0.01,0.2,\n"
        "conversation,metric lane,0.5,1.6,361\n"
        "pods,main,0.3,0.4,1\n"
        "offplatform,metric lane,2.5,0.0,361\n"
    )
    got = score_stages(t, 190_000)
    assert list(got) == ["conversation", "pods", "fingerprints", "offplatform"]
    assert got["conversation"] == {"thread": "metric lane", "seconds": 1.6, "comments_per_s": 118750}
    assert got["pods"]["comments_per_s"] == 475000 and got["pods"]["thread"] == "main"
    assert got["offplatform"]["comments_per_s"] is None  # no time measured: no rate
