"""`tribescope status` names the spec that made the stored scores by version and hash, as `tribescope score` titles
them and the report says it: an edited copy of the spec whose `version` was not bumped scored differently, and
status said "spec 1.3.0" for both."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("tribescope.score")

from tribescope.score import load_spec
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery, run_cli
except ImportError:
    from _score_fixtures import bakery, run_cli  # type: ignore[no-redef]

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")


def test_status_names_the_spec_by_version_and_hash(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    try:
        bakery(ws)
    finally:
        ws.close()
    default = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
    edited = tmp_path / "edited.toml"  # a weight changed, the version kept
    edited.write_text(default.replace("weight = 0.13\n", "weight = 0.2\n", 1), encoding="utf-8")
    mine, packaged = load_spec(edited), load_spec()
    assert mine.version == packaged.version and mine.hash != packaged.hash

    code, out, err = run_cli(str(path), "score", "--no-models", "--spec", str(edited))
    assert code == 0, out + err
    code, out, err = run_cli(str(path), "status")
    assert code == 0, out + err
    assert f"creator scores: 1 creator scored (spec {mine.version}, {mine.hash})" in out, out

    code, out, err = run_cli(str(path), "score", "--no-models")
    assert code == 0, out + err
    code, out, err = run_cli(str(path), "status")
    assert f"(spec {packaged.version}, {packaged.hash})" in out, out
    assert mine.hash not in out, out
