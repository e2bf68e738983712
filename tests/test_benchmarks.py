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
