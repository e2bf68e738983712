"""`tribescope accounts` / `comments` read their CSV as `tribescope import` reads one: counts (-1 unknown, a negative
or fractional count an error), the delimiter (tab, semicolon with decimal commas), the header's names, and errors
naming the file's own line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from tribescope.cli import app


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, " ".join(r.output.split())


def _probs(out: Path) -> list[str]:
    return pd.read_csv(out, dtype=str, keep_default_na=False)["fake_probability"].tolist()


def test_minus_one_followers_is_unknown_and_other_negative_or_fractional_counts_are_errors(
    tmp_path: Path,
) -> None:
    """-1 (a scraper's hidden count; `import` stores it as unknown) was read as 0 followers: 0.30 instead of 0.004."""
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    src.write_text(
        "username,followers,following,posts,has_profile_pic\n"
        "anna_b,-1,300,50,true\nanna_b,,300,50,true\nanna_b,0,300,50,true\n"
    )
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 0, msg
    p = _probs(out)
    assert p[0] == p[1] != p[2]  # -1 as unknown (empty), not as 0
    for cell, why in (("-5", "expected a count of 0 or more, found -5"), ("2.5", "expected a whole number")):
        src.write_text(f"username,followers\na,10\nb,{cell}\n")
        out.unlink(missing_ok=True)
        code, msg = _run("accounts", str(src), "--out", str(out))
        assert code == 1 and not out.exists()
        assert f"a.csv: line 3, column followers: '{cell}' is not a count ({why}" in msg, msg


def test_tab_and_semicolon_files_are_read_as_import_reads_them(tmp_path: Path) -> None:
    """A TSV was one column: `comments` said "no `text` column", `accounts` "none of the profile columns"; a
    semicolon file's 1.234 (Excel with decimal commas: a thousand) would be 1.234 followers."""
    comma, tab, semi = tmp_path / "a.csv", tmp_path / "a.tsv", tmp_path / "b.csv"
    comma.write_text("username,followers,following,posts\nanna,1234,80,7\nbob,12300,5,40\n")
    tab.write_text("username\tfollowers\tfollowing\tposts\nanna\t1234\t80\t7\nbob\t12300\t5\t40\n")
    semi.write_text("username;followers;following;posts\nanna;1.234;80;7\nbob;12.300;5;40\n")
    res = []
    for src in (comma, tab, semi):
        out = tmp_path / f"o_{src.name}.csv"
        code, msg = _run("accounts", str(src), "--out", str(out))
        assert code == 0, msg
        o = pd.read_csv(out, dtype=str, keep_default_na=False)
        res.append((o["fake_probability"].tolist(), o["category"].tolist()))
    assert res[0][1] == ["real", "influencer"]  # bob's 12,300 followers > 5,000
    assert res == [res[0]] * 3, res
    ctab = tmp_path / "c.tsv"
    ctab.write_text(
        "comment_id\tauthor\ttext\n1\ta\tcheck my channel http://spam.com subscribe!!!\n2\tb\tgreat video\n"
    )
    out = tmp_path / "c.csv"
    code, msg = _run("comments", str(ctab), "--out", str(out))
    assert code == 0, msg
    assert pd.read_csv(out, dtype=str)["quality"].tolist() == ["spam", "generic"]


def test_comments_text_column_is_found_by_its_import_names(tmp_path: Path) -> None:
    """`Text` or `body` (which `import` reads as the comment's text) stopped `comments` with "no `text` column"."""
    texts = [
        "check my channel http://spam.com subscribe!!!",
        "You are an idiot and a liar, nobody believes you",
    ]
    got = []
    for head in ("text", "Text", "body"):
        src, out = tmp_path / f"{head}.csv", tmp_path / f"o_{head}.csv"
        pd.DataFrame({"Comment ID": ["1", "2"], head: texts}).to_csv(src, index=False)
        code, msg = _run("comments", str(src), "--out", str(out))
        assert code == 0, msg
        o = pd.read_csv(out, dtype=str)
        assert o[head].tolist() == texts  # the input's column as it was
        got.append(o[["spam_probability", "quality", "sentiment"]].values.tolist())
    assert got[0][0][1] == "spam" and got[0][1][1] == "attack"
    assert got == [got[0]] * 3
    src = tmp_path / "none.csv"
    src.write_text("comment_id,author\n1,a\n")
    code, msg = _run("comments", str(src), "--out", str(tmp_path / "o.csv"))
    assert code == 1 and "none.csv: no `text` column; the header has comment_id, author" in msg


def test_an_error_names_the_files_line_after_a_bio_over_two_lines_and_a_blank_line(tmp_path: Path) -> None:
    """The line was pandas' row + 2: a quoted bio over two lines (and a blank line) put it two lines early."""
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    src.write_text(
        'username,bio,followers,has_profile_pic\nanna,"line one\nline two",10,true\n\nbob,hi,zz,true\n'
    )
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 1 and "a.csv: line 5, column followers: 'zz' is not a count" in msg, msg
    src.write_text(
        'username,bio,followers,has_profile_pic\nanna,"line one\nline two",10,true\nbob,hi,3,yes!\n'
    )
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 1 and "a.csv: line 4, column has_profile_pic: 'yes!' is not a flag" in msg, msg


def test_a_row_with_extra_fields_a_folder_and_a_header_only_file_are_clear_errors(tmp_path: Path) -> None:
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    src.write_text("username,followers\nanna,10,5\n")
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 1 and "a.csv: line 2: expected 2 fields as in the header, found 3" in msg, msg
    code, msg = _run("comments", str(tmp_path), "--out", str(out))
    assert code == 1 and f"{tmp_path} is a folder; give a CSV file" in msg, msg
    src.write_text("username,followers\n")
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 1 and "a.csv: a header and no rows" in msg and not out.exists()


def test_a_parquet_file_is_scored_as_the_same_rows_in_csv(tmp_path: Path) -> None:
    """A Parquet file (which `import` reads) was parsed as CSV text: "not UTF-8" / "cannot read as CSV"."""
    df = pd.DataFrame(
        {
            "username": ["user8372612", "anna"],
            "followers": [3, 1200],
            "following": [2100, 300],
            "posts": [0.0, None],  # a count with a null: float64
            "has_profile_pic": [False, True],
        }
    )
    pq, csv = tmp_path / "a.parquet", tmp_path / "a.csv"
    df.to_parquet(pq)
    csv.write_text(
        "username,followers,following,posts,has_profile_pic\nuser8372612,3,2100,0,false\nanna,1200,300,,true\n"
    )
    got = []
    for src in (pq, csv):
        out = tmp_path / f"o_{src.suffix[1:]}.csv"
        code, msg = _run("accounts", str(src), "--out", str(out))
        assert code == 0, msg
        got.append(pd.read_csv(out, dtype=str, keep_default_na=False).to_dict("records"))
    assert got[0] == got[1] and [r["is_fake"] for r in got[0]] == ["true", "false"]
    assert got[0][0]["posts"] == "0"  # the count as a count, not 0.0
    cq = tmp_path / "c.parquet"
    pd.DataFrame({"text": ["check my channel http://spam.com subscribe!!!", None]}).to_parquet(cq)
    code, msg = _run("comments", str(cq), "--out", str(tmp_path / "c.csv"))
    assert code == 0, msg
    assert pd.read_csv(tmp_path / "c.csv", dtype=str)["quality"].tolist() == ["spam", "generic"]


def test_an_imported_profile_list_scores_as_tribescope_accounts_scores_the_same_file(tmp_path: Path) -> None:
    """`import` stored an empty bio / full_name / external_url cell as NULL ("unknown"), `tribescope accounts` reads
    it as known to be empty: bob_k (no picture, bio, name or link; 100 followers, following 900) was 0.92 fake by
    the command and 0.40 real once imported and scored."""
    import tribescope
    from tribescope.authenticity import score_accounts

    src, out = tmp_path / "accounts.csv", tmp_path / "o.csv"
    src.write_text(
        "platform,account_id,username,full_name,bio,followers,following,posts,has_profile_pic,is_private,external_url\n"
        "instagram,u2,anna.smith,Anna Smith,,300,400,40,true,false,\n"
        "instagram,u3,bob_k,,,100,900,5,false,false,\n"
    )
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 0, msg
    cli = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("username")
    ws = tribescope.connect(tmp_path / "w.duckdb")
    tribescope.import_paths(ws, [src])
    row = ws.table("accounts").filter(lambda t: t.account_id == "u3").to_pyarrow().to_pylist()[0]
    assert (row["bio"], row["full_name"], row["external_url"]) == ("", "", "")  # the file's facts, not gaps
    got = score_accounts(ws).to_pandas().set_index("username")
    ws.close()
    assert cli.loc["bob_k", "is_fake"] == "true" and bool(got.loc["bob_k", "is_fake"])
    for u in ("anna.smith", "bob_k"):
        assert abs(float(cli.loc[u, "fake_probability"]) - got.loc[u, "fake_probability"]) < 1e-4


def test_y_and_n_flags_are_read_as_import_reads_them(tmp_path: Path) -> None:
    """`import` reads a flag `Y` / `n` (docs/importing-csv.md); `tribescope accounts` refused the file ("'Y' is not
    a flag")."""
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    src.write_text(
        "username,followers,following,has_profile_pic,is_private\n"
        "bob_k,100,900,Y,n\nbob_k,100,900,true,false\nbob_k,100,900,N,y\nbob_k,100,900,no,yes\n"
    )
    code, msg = _run("accounts", str(src), "--out", str(out))
    assert code == 0, msg
    p = _probs(out)
    assert p[0] == p[1] != p[2] == p[3]


def test_the_docs_examples_of_text_in_other_scripts_are_what_the_rules_give() -> None:
    """docs/authenticity.md said the word-count rule "works in every script"; a Chinese or Japanese comment, written
    without spaces, is one or two "words" and so `generic` however specific it is (the page now says so)."""
    import pyarrow as pa

    from tribescope.authenticity import score_comments

    doc = (Path(__file__).parents[1] / "docs" / "authenticity.md").read_text()
    zh = "我昨天按照你的方法做了这个蛋糕但是烤箱温度要低一点不然会焦"
    ko = "이 레시피 어제 해봤는데 설탕을 줄이니까 더 맛있었어요 다음엔 뭘 만들까요"
    es = "me encanta este vídeo, lo probé ayer y funcionó"
    assert zh in doc and 'funcionó" → 0.0, substantive' in " ".join(doc.split())
    q = score_comments(pa.table({"text": [zh, ko, es]})).to_pydict()
    assert q["quality"] == ["generic", "substantive", "substantive"]
    assert q["sentiment"] == [0.0, 0.0, 0.0]


def test_a_parquet_output_carries_no_reader_bookkeeping(tmp_path: Path) -> None:
    """The input's line numbers (kept to name a bad cell's line) went into the output Parquet's pandas metadata: one
    number per row of the input."""
    import pyarrow.parquet as pq

    src, out = tmp_path / "c.csv", tmp_path / "o.parquet"
    src.write_text("comment_id,text\n1,great video\n2,check my channel http://spam.com subscribe!!!\n")
    code, msg = _run("comments", str(src), "--out", str(out))
    assert code == 0, msg
    meta = (pq.read_schema(out).metadata or {}).get(b"pandas", b"")
    assert b'"lines"' not in meta and b"european" not in meta
    assert pq.read_table(out).column("quality").to_pylist() == ["generic", "spam"]


def test_columns_the_model_does_not_read_are_named(tmp_path: Path) -> None:
    """`Fans` (a tool's name for followers) is no profile column: the verdict was given without the follower count
    and nothing said so (`import` names the columns it leaves out)."""
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    src.write_text("account_id,username,Fans,following,Profile.URL\n1,bob_k,100,900,https://x\n")
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    msg = " ".join(r.output.split())
    assert "note: column(s) 'Fans', 'Profile.URL' not read by the model" in msg, msg
    src.write_text("account_id,username,followers,following\n1,bob_k,100,900\n")
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0 and "not read" not in r.output


def test_json_input_as_out_json_writes_it_is_scored_and_errors_name_the_record(tmp_path: Path) -> None:
    """A JSON file (`--out x.json` writes one) was parsed as CSV: "none of the profile columns …; the header has
    {"username":"bob_k", followers:100 …" or "a header and no rows"."""
    csv, js, nd = tmp_path / "a.csv", tmp_path / "a.json", tmp_path / "a.jsonl"
    csv.write_text("username,followers,following,has_profile_pic\nbob_k,100,900,false\nanna,1000,90,true\n")
    js.write_text(
        '[{"username": "bob_k", "followers": 100, "following": 900, "has_profile_pic": false},'
        ' {"username": "anna", "followers": 1000.0, "following": 90, "has_profile_pic": true}]'
    )
    nd.write_text(
        '{"username": "bob_k", "followers": "100", "following": 900, "has_profile_pic": "false"}\n\n'
        '{"username": "anna", "followers": 1000, "following": 90, "has_profile_pic": true}\n'
    )
    got = []
    for src in (csv, js, nd):
        out = tmp_path / f"o_{src.suffix[1:]}.json"
        code, msg = _run("accounts", str(src), "--out", str(out))
        assert code == 0, msg
        got.append(pd.read_json(out)[["fake_probability", "is_fake", "category"]].values.tolist())
    assert got[0] == got[1] == got[2] and got[0][0][0] > got[0][1][0]
    out = (
        tmp_path / "again.csv"
    )  # a scored file scores again: its verdict columns are replaced, no note about them
    code, msg = _run("accounts", str(tmp_path / "o_json.json"), "--out", str(out))
    assert code == 0 and "not read" not in msg, msg
    nd.write_text('{"username": "a", "followers": 1}\n{"username": "b", "followers": "lots"}\n')
    code, msg = _run("accounts", str(nd), "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "a.jsonl: line 2, column followers: 'lots' is not a count" in msg, msg
    js.write_text('[{"username": "a"}, ["b"]]')
    code, msg = _run("accounts", str(js), "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "a.json: record 2: expected a JSON object per record" in msg, msg
    cj = tmp_path / "c.json"
    cj.write_text(
        '[{"comment_id": 1, "text": "check my channel http://spam.com subscribe!!!"}, {"text": null}]'
    )
    code, msg = _run("comments", str(cj), "--out", str(tmp_path / "c.csv"))
    assert code == 0, msg
    assert pd.read_csv(tmp_path / "c.csv", dtype=str)["quality"].tolist() == ["spam", "generic"]


def test_a_null_bio_in_json_is_unknown_and_an_empty_one_known_as_import_stores_them(tmp_path: Path) -> None:
    js, out = tmp_path / "a.json", tmp_path / "o.csv"
    row = '"username": "bob_k", "followers": 100, "following": 900, "has_profile_pic": false, "full_name": "Bob K"'
    js.write_text(f'[{{{row}, "bio": ""}}, {{{row}, "bio": null}}, {{{row}}}]')
    code, msg = _run("accounts", str(js), "--out", str(out))
    assert code == 0, msg
    p = _probs(out)
    assert p[0] != p[1] == p[2]  # "" known to be empty; null and absent unknown
