"""Review findings on the niche commands and the eval / train help: unknown-creator messages, `similar`'s reason
wording, the creator's own accounts in their circle, ISO 8601 times in JSON `--out`, eval baselines."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests import _niche_world as W
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.niche import audience, inner_circle, similar
from tribescope.store import connect

IG = "instagram"


def _own_discord(ws) -> None:
    """``fa`` runs the Discord server ``srv``: its own Discord account ``d-fa`` (username "Fa") writes there, as do
    the members ``d1`` and ``d2`` (``d2`` replying to the creator)."""
    W.insert(
        ws,
        "accounts",
        [
            {"platform": "discord", "account_id": "d-fa", "username": "Fa"},
            {"platform": "discord", "account_id": "d1", "username": "dora"},
            {"platform": "discord", "account_id": "d2", "username": "dan"},
            {"platform": IG, "account_id": "m1", "username": "M1"},  # an account without posts
        ],
    )
    W.insert(
        ws,
        "community_links",
        [{"platform": "discord", "space_id": "srv", "creator_platform": IG, "creator_id": "fa"}],
    )
    msgs = [("q1", "d-fa", None, 0), ("q2", "d1", "q1", 1), ("q3", "d-fa", "q2", 8), ("q4", "d2", "q3", 15)]
    msgs += [(f"r{i}", "d-fa", None, 7 * i) for i in range(6)]  # the creator, active every week
    W.insert(
        ws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": mid,
                "space_id": "srv",
                "author_id": author,
                "reply_to": reply_to,
                "created_at": W.T0 + dt.timedelta(days=day),
                "text": "hello",
            }
            for mid, author, reply_to, day in msgs
        ],
    )


@pytest.fixture
def wsfile(tmp_path):
    path = tmp_path / "w.duckdb"
    ws = connect(path)
    W.build(ws)
    _own_discord(ws)
    ws.close()
    return str(path)


def _invoke(wsfile, *args):
    return CliRunner().invoke(app, ["--workspace", wsfile, *args])


# ---------------------------------------------------------------------------------------------- 1. unknown names
@pytest.mark.parametrize("args", [("similar", "nobody"), ("circle", "nobody"), ("overlap", "nobody", "fa")])
def test_unknown_creator_is_said_as_explain_says_it_without_the_path(wsfile, args):
    """`similar nobody` said "creator 'nobody' has no posts in workspace /path/w.duckdb": the creator does not exist,
    and the path says nothing the user did not type. Now explain's wording, no path."""
    r = _invoke(wsfile, *args)
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "no creator 'nobody' in this workspace" in text and "`tribescope score` lists them" in text
    assert "has no posts" not in text and "w.duckdb" not in text


def test_unknown_creator_suggests_close_handles(wsfile):
    text = " ".join(_invoke(wsfile, "circle", "@FAA").output.split())
    assert "no creator '@FAA' in this workspace" in text and "did you mean 'FA'?" in text
    text = " ".join(_invoke(wsfile, "similar", "tiktok:fa").output.split())
    assert "did you mean 'instagram:fa'?" in text


def test_known_account_without_posts_has_no_posts_without_the_path(wsfile):
    r = _invoke(wsfile, "similar", "m1")
    text = " ".join(r.output.split())
    assert (
        r.exit_code == 1 and "creator 'm1' has no posts in this workspace" in text and "w.duckdb" not in text
    )


# ------------------------------------------------------------------------------------------- 2. similar's reasons
def test_similar_reasons_show_shares_as_percentages_and_one_account_singular(ws):
    W.build(ws)
    by = {r["creator_id"]: r["reasons"] for r in similar(ws, (IG, "fc"), n=5).to_pylist()}
    # fc and ka share only x: "1 shared engaged account", 1 of fc's 3 → 33.3 %
    assert "1 shared engaged account (33.3% of the smaller audience)" in by["ka"]
    by = {r["creator_id"]: r["reasons"] for r in similar(ws, (IG, "fa"), n=5).to_pylist()}
    # fa: m1, m2 of 8 commenters return → 25.0 %; fb's 3 commenters comment once each; no replies anywhere
    assert "3 shared engaged accounts (100.0% of the smaller audience)" in by["fb"]
    assert "reply share 0.0% vs 0.0%" in by["fb"] and "returning share 25.0% vs 0.0%" in by["fb"]


# ------------------------------------------------------------------------------- 3. the creator's own accounts
def test_creators_own_account_in_their_space_is_not_their_audience(ws):
    """The Discord account "Fa" in fa's own server is @FA, not a follower: left out of fa's audience and circle (the
    same handle, lower-cased, on the platform of a space linked to fa); its replies give d1 no reach."""
    W.build(ws)
    _own_discord(ws)
    members = set(audience(ws, [(IG, "fa")]).to_pyarrow().column("member_id").to_pylist())
    assert {"d1", "d2"} <= members and "d-fa" not in members
    circle = {r["member_id"]: r for r in inner_circle(ws, (IG, "fa")).to_pylist()}
    assert "d-fa" not in circle and circle["d1"]["replied_by"] == 0


def test_circle_command_leaves_out_the_creators_own_account(wsfile):
    r = _invoke(wsfile, "circle", "fa", "--all")
    assert r.exit_code == 0, r.output
    assert "d-fa" not in r.output and "dora" in r.output


# ------------------------------------------------------------------------------------ 4. ISO 8601 in JSON --out
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_circle_json_out_writes_iso_8601_times(wsfile, tmp_path, suffix):
    out = tmp_path / f"c{suffix}"
    r = _invoke(wsfile, "circle", "fa", "--out", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    # .json: one document, an array of records (as every command writes it); .jsonl: one record a line
    rows = json.loads(text) if suffix == ".json" else [json.loads(line) for line in text.splitlines()]
    assert rows
    for row in rows:
        for col in ("first_seen", "last_seen"):
            assert "T" in row[col] and " " not in row[col], row[col]
            assert dt.datetime.fromisoformat(row[col]).tzinfo is not None


def test_niches_and_overlap_json_out_hold_no_non_iso_times(wsfile, tmp_path):
    for args in (("niches",), ("overlap", "fa", "fb")):
        out = tmp_path / f"{args[0]}.json"
        r = _invoke(wsfile, *args, "--out", str(out))
        assert r.exit_code == 0, r.output
        rows = json.loads(out.read_text())
        assert isinstance(rows, list)  # an array of records, as every command's --out x.json
        for row in rows:
            for v in row.values():
                assert not (isinstance(v, str) and len(v) > 18 and v[4] == "-" and v[10] == " "), v


# ------------------------------------------------------------------------------------ 5. eval baselines, help
def test_train_category_help_says_what_the_docs_measure():
    r = CliRunner().invoke(app, ["train", "category", "--help"])
    text = " ".join(r.output.split())
    assert r.exit_code == 0 and "10 min" not in text and "65–80 s" in text


def test_eval_accounts_prints_positives_and_majority_baseline(monkeypatch):
    import tribescope.authenticity._train as tr

    rows = [
        {
            "dataset": "instafake",
            "part": "holdout",
            "threshold": 0.6,
            "n": 190,
            "positives": 32,
            "accuracy": 0.963,
        },
        {
            "dataset": "srf_instagram_fake_followers",
            "part": "holdout",
            "n": 205,
            "positives": 21,
            "accuracy": 0.922,
        },
        {"dataset": "gone", "part": "-", "error": "not found"},
    ]
    monkeypatch.setattr(tr, "evaluate_accounts", lambda model, data, limit=None: rows)
    r = CliRunner().invoke(app, ["eval", "accounts"])
    assert r.exit_code == 0, r.output
    assert "majority_baseline" in r.output and "positives" in r.output
    lines: dict[str, str] = {}
    for line in r.output.splitlines():
        if line.strip():
            lines.setdefault(line.split()[0], line)  # the held-out table, not the transfer table below it
    assert "0.832" in lines["instafake"] and " 32 " in lines["instafake"]  # 158 of 190 real
    assert "0.898" in lines["srf_instagram_fake_followers"]  # 184 of 205 real


def test_eval_comments_prints_positives_and_majority_baseline(monkeypatch):
    import tribescope.authenticity._train as tr

    rows = [
        {"model": "spam", "part": "Eminem", "n": 448, "positives": 245, "accuracy": 0.9},
        {"model": "attack", "part": "fold9", "n": 259, "positives": 136, "accuracy": 0.815},
    ]
    monkeypatch.setattr(tr, "evaluate_comments", lambda data, limit=None: rows)
    monkeypatch.setattr(
        tr,
        "evaluate_quality_sample",
        lambda: {"n": 60, "accuracy": 0.9, "generic_vs_substantive_accuracy": 0.9},
    )
    r = CliRunner().invoke(app, ["eval", "comments"])
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line for line in r.output.splitlines() if line.strip()}
    assert "0.547" in lines["spam"] and " 245 " in lines["spam"]
    assert "0.525" in lines["attack"] and " 136 " in lines["attack"]
