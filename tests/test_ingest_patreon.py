"""Patreon importer: API v2 campaigns / posts / members, post comments (web JSON:API), the members CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope import schema
from tribescope.errors import ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest._readers import Source
from tribescope.ingest.patreon import Patreon, html_text

try:  # tests/ may or may not be a package
    from ._parser_props import mutated, parse_all
    from ._score_fixtures import bakery
except ImportError:
    from _parser_props import mutated, parse_all  # type: ignore[no-redef]
    from _score_fixtures import bakery  # type: ignore[no-redef]

UTC = dt.UTC
PT = Path(__file__).parent / "fixtures" / "patreon"
CAMPAIGN, POSTS, MEMBERS, COMMENTS, CSV = (
    PT / "campaign.json",
    PT / "posts.ndjson",
    PT / "members.json",
    PT / "comments_70000001.json",
    PT / "members.csv",
)
CID = "4412345"
KIM, ALICE, BOB, CAROL, DAN, ERIN = "51000001", "52000001", "52000002", "52000003", "52000004", "52000005"
LINK = {"link_creator": "instagram:cre"}
#: personal data the fixtures hold and the workspace must never: e-mails, Discord handle, postal data, phone,
#: the creator's private note, the CSV's free-text details, a social connection's id
PRIVATE = (
    "@example.",
    "alice#1234",
    "Purl Street",
    "Cable Road",
    "62701",
    "LS1 4AP",
    "555 0100",
    "496 0000",
    "Rhinebeck",
    "Size M please",
    "770000000000000001",
    "Springfield",
)


def _msgs(ws):
    return {r["message_id"]: r for r in ws.table("community_messages").to_pyarrow().to_pylist()}


def _accounts(ws):
    return {r["account_id"]: r for r in ws.table("accounts").to_pyarrow().to_pylist()}


def _links(ws):
    return [
        (r["platform"], r["space_id"], r["space_name"], r["members"], r["creator_platform"], r["creator_id"])
        for r in ws.table("community_links").to_pyarrow().to_pylist()
    ]


def _counts(ws):
    c = ws.counts()
    return {k: c[k] for k in ("accounts", "community_messages", "community_links", "rejects")}


def _everything(ws) -> str:
    """Every value of every table of the workspace, as one text."""
    return "\n".join(str(ws.table(t).to_pyarrow().to_pylist()) for t in schema.TABLES)


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(CSV, newline="") as f:
        header = next(csv.reader(f))
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _csv_row(**cells: str) -> list[str]:
    with open(CSV, newline="") as f:
        header = next(csv.reader(f))
    return [cells.get(h.replace(" ", "_").lower(), "") for h in header]


# ---------------------------------------------------------------------------- every shape, exact rows


def test_campaign_is_a_space_linked_only_through_link_creator(ws):
    r = import_paths(ws, [CAMPAIGN])
    assert (r.files[0].format, r.files[0].records) == ("patreon", 1)
    assert ws.counts()["community_links"] == 0 and ws.counts()["community_messages"] == 0
    assert {
        k: (a["platform"], a["username"], a["full_name"], a["created_at"]) for k, a in _accounts(ws).items()
    } == {KIM: ("patreon", "cozyknits", "Kim Knits", dt.datetime(2020, 11, 20, 9, 30, tzinfo=UTC))}
    import_paths(ws, [CAMPAIGN], options=LINK)
    assert _links(ws) == [("patreon", CID, "cozyknits", 120, "instagram", "cre")]


def test_posts_pages_exact_rows(ws):
    r = import_paths(ws, [POSTS])
    assert (r.files[0].format, r.files[0].records, r.rejected) == ("patreon", 3, 0)
    m = _msgs(ws)
    assert set(m) == {"70000001", "70000002", "70000003"}
    assert {
        k: (
            v["space_id"],
            v["thread_id"],
            v["reply_to"],
            v["channel"],
            v["author_id"],
            v["author_name"],
            v["reactions"],
        )
        for k, v in m.items()
    } == {
        "70000001": (CID, "70000001", None, "Spring shawl pattern", KIM, "cozyknits", None),
        # no campaign relationship: the page's links.next (…/campaigns/4412345/posts?…) names it
        "70000002": (CID, "70000002", None, "Q&A thread", KIM, "cozyknits", None),
        "70000003": (CID, "70000003", None, "Yarn giveaway", None, None, None),
    }
    assert m["70000001"]["text"] == (
        "Spring shawl pattern\n\nThe Spring shawl pattern is out & free for patrons.\n\nChart below."
    )
    assert m["70000003"]["text"] == "Yarn giveaway"  # content null: the title alone
    assert m["70000001"]["created_at"] == dt.datetime(2024, 4, 2, 14, 30, tzinfo=UTC)  # +02:00 → UTC
    assert all(v["platform"] == "patreon" and v["space_name"] == "cozyknits" for v in m.values())
    assert all(v["snapshot_at"] is None for v in m.values())
    assert set(_accounts(ws)) == {KIM}


def test_blank_post_title_is_no_channel_as_for_its_comments(ws, tmp_path):
    # A post titled with blanks only was stored with channel '' while the comments under it (whose channel is
    # the title of the post the page includes) got null: one thread, two channels.
    page = json.loads(POSTS.read_text().splitlines()[1])
    page["data"][0]["attributes"]["title"] = "  "
    doc = json.loads(COMMENTS.read_text())
    for x in doc["included"]:
        if x["type"] == "post":
            x["attributes"]["title"] = "  "
    f = tmp_path / "posts.ndjson"
    f.write_text(json.dumps(page) + "\n" + json.dumps(doc) + "\n")
    import_paths(ws, [f])
    m = _msgs(ws)
    assert (m["70000003"]["channel"], m["70000003"]["text"]) == (None, None)
    assert {v["channel"] for v in m.values()} == {None}


def test_members_api_exact_rows_without_email(ws):
    r = import_paths(ws, [MEMBERS], options=LINK)
    assert (r.files[0].records, r.rejected) == (4, 0)
    assert {
        k: (a["platform"], a["username"], a["full_name"], a["created_at"]) for k, a in _accounts(ws).items()
    } == {
        ALICE: ("patreon", "alice", "Alice Ames", dt.datetime(2019, 6, 1, 12, 0, tzinfo=UTC)),
        CAROL: ("patreon", None, "Carol Chen", dt.datetime(2022, 2, 14, 12, 45, tzinfo=UTC)),  # -05:00 → UTC
        ERIN: ("patreon", None, "Erin Eve", None),
        DAN: ("patreon", None, "Dan Doe", None),
    }
    # the members' campaign is linked; a members page gives no count (patron_count does)
    assert _links(ws) == [("patreon", CID, "cozyknits", None, "instagram", "cre")]
    assert ws.counts()["community_messages"] == 0
    text = _everything(ws)
    assert not [p for p in PRIVATE if p in text]


def test_comments_exact_rows(ws):
    r = import_paths(ws, [COMMENTS])
    assert (r.files[0].records, r.rejected) == (5, 0)
    m = _msgs(ws)
    assert {
        k: (v["thread_id"], v["reply_to"], v["author_id"], v["author_name"], v["reactions"])
        for k, v in m.items()
    } == {
        "comment:310000001": ("70000001", None, ALICE, "alice", 4),
        "comment:310000002": ("70000001", "comment:310000001", BOB, "bobknits", 2),
        "comment:310000003": ("70000001", "comment:310000001", KIM, "cozyknits", 1),
        "comment:310000004": ("70000001", None, None, None, 0),  # deleted: no text, no author
        "comment:310000005": ("70000001", "comment:310000002", ALICE, "alice", 0),
    }
    assert all(
        (v["space_id"], v["space_name"], v["channel"]) == (CID, "Cozy Knits", "Spring shawl pattern")
        for v in m.values()
    )
    assert m["comment:310000004"]["text"] is None
    assert m["comment:310000002"]["text"] == "@alice which yarn weight did you use?"
    assert m["comment:310000003"]["created_at"] == dt.datetime(2024, 4, 2, 17, 45, tzinfo=UTC)
    acc = _accounts(ws)
    assert {k: (a["username"], a["full_name"]) for k, a in acc.items()} == {
        ALICE: ("alice", "Alice Ames"),
        BOB: ("bobknits", "Bob Brown"),
        KIM: ("cozyknits", "Kim Knits"),
    }  # the deleted comment's author is not an account of this file


def test_members_csv_exact_rows_and_active_patron_count(ws, tmp_path):
    r = import_paths(ws, [CSV])
    assert (r.files[0].format, r.files[0].records, r.rejected) == ("patreon", 5, 0)
    assert {k: (a["platform"], a["username"], a["full_name"]) for k, a in _accounts(ws).items()} == {
        ALICE: ("patreon", None, "Alice Ames"),
        BOB: ("patreon", None, "Brown, Bob"),
        CAROL: ("patreon", None, "Carol Chen"),
        DAN: ("patreon", None, "Dan Doe"),
        ERIN: ("patreon", None, "Erin Eve"),
    }
    assert ws.counts()["community_links"] == 0  # no link: no space row
    # active, paying patrons: Alice and Bob (Carol declined, Erin former, Dan a free member)
    import_paths(ws, [CSV], options={**LINK, "space_id": CID})
    assert _links(ws) == [("patreon", CID, None, 2, "instagram", "cre")]
    named = tmp_path / "patreon-members-campaign-4412346.csv"
    named.write_bytes(CSV.read_bytes().replace(b"\n", b"\r\n"))  # Windows line ends, as Excel saves it
    import_paths(ws, [named], options=LINK)
    assert sorted(_links(ws)) == [
        ("patreon", CID, None, 2, "instagram", "cre"),
        ("patreon", "4412346", None, 2, "instagram", "cre"),
    ]
    assert not [p for p in PRIVATE if p in _everything(ws)]


def test_members_csv_without_a_campaign_cannot_be_linked(ws):
    before = _counts(ws)
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [CSV], options=LINK)
    msg = str(e.value)
    assert "members.csv, header" in msg and "space_id" in msg and "campaign-ID" in msg
    assert _counts(ws) == before


def test_no_personal_data_anywhere_in_the_workspace(ws, tmp_path):
    bad = _write_csv(
        tmp_path / "bad.csv",
        [
            _csv_row(name="Zoe Zed", email="zoe@example.com", street="1 Zed Lane", user_id="not-a-number"),
            _csv_row(name="Yan Yu", email="yan@example.com", phone="+1 555 0199", user_id="52000009")[:-3],
        ],
    )
    r = import_paths(ws, [PT, bad], options={**LINK, "space_id": CID}, skip_bad=True)
    assert r.rejected == 2
    text = _everything(ws)
    assert not [p for p in [*PRIVATE, "Zed Lane", "555 0199"] if p in text]
    assert ws.counts()["accounts"] == 6


# ---------------------------------------------------------------------------- detection


def test_detection_from_content(tmp_path):
    for f in (CAMPAIGN, POSTS, MEMBERS, COMMENTS, CSV):
        assert detect_format(Source(f)).name == "patreon", f
    pages = tmp_path / "pages.dat"  # a JSON array of pages, gzip-compressed, no telling name
    lines = POSTS.read_text().splitlines()
    pages.write_bytes(gzip.compress(("[" + ",\n".join(lines) + "]").encode()))
    assert detect_format(Source(pages)).name == "patreon"
    big = tmp_path / "members_big.json"  # one page larger than the detection probe
    doc = json.loads(MEMBERS.read_text())
    doc["data"] = doc["data"] * 800
    big.write_text(json.dumps(doc, indent=4))
    assert big.stat().st_size > 256 * 1024
    assert detect_format(Source(big)).name == "patreon"
    empty = tmp_path / "last_page.json"
    empty.write_text(
        json.dumps({"data": [], "meta": {"pagination": {"cursors": {"next": None}, "total": 0}}})
    )
    assert detect_format(Source(empty)).name == "patreon"
    generic = tmp_path / "accounts.csv"  # the generic reader keeps its files
    generic.write_text("account_id,username,name\n1,alice,Alice\n")
    assert detect_format(Source(generic)).name == "csv"


def test_array_of_pages_reads_as_ndjson(ws, tmp_path):
    pages = tmp_path / "pages.json.gz"
    lines = POSTS.read_text().splitlines()
    pages.write_bytes(gzip.compress(("[\n" + ",\n".join(lines) + "\n]").encode()))
    r = import_paths(ws, [pages])
    assert (r.files[0].records, r.rejected) == (3, 0)
    assert set(_msgs(ws)) == {"70000001", "70000002", "70000003"}


def test_html_text():
    assert (
        html_text("<p>a &amp; b</p><p>c<br>d</p><ul><li>x</li><li>y</li></ul>") == "a & b\n\nc\nd\n\nx\n\ny"
    )
    assert html_text("") is None and html_text(None) is None


# ---------------------------------------------------------------------------- idempotence, errors, --skip-bad


def test_reimport_is_idempotent(ws):
    import_paths(ws, [PT], options={**LINK, "space_id": CID})
    before = ws.counts()
    assert all(f.skipped for f in import_paths(ws, [PT], options={**LINK, "space_id": CID}).files)
    r = import_paths(ws, [PT], options={**LINK, "space_id": CID}, force=True)
    assert sum(r.rows().values()) == 0
    assert ws.counts() | {"imports": 0} == before | {"imports": 0}


def test_bad_post_names_file_record_and_field(ws, tmp_path):
    lines = POSTS.read_text().splitlines()
    page = json.loads(lines[0])
    page["data"][0]["attributes"]["published_at"] = "last Tuesday"
    f = tmp_path / "posts.ndjson"
    f.write_text(json.dumps(page) + "\n" + lines[1] + "\n")
    before = _counts(ws)
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "posts.ndjson, line 1, data[0], field 'attributes.published_at'" in msg
    assert "expected a timestamp" in msg and "'last Tuesday'" in msg
    assert _counts(ws) == before
    r = import_paths(ws, [f], skip_bad=True)
    assert (r.files[0].records, r.rejected) == (3, 1)
    assert set(_msgs(ws)) == {"70000002", "70000003"}
    (rej,) = ws.table("rejects").to_pyarrow().to_pylist()
    assert (rej["location"], rej["field"]) == ("line 1, data[0]", "attributes.published_at")
    assert json.loads(rej["raw"])["id"] == "70000001"


def test_unreadable_lines_are_quarantined_without_their_text(ws, tmp_path):
    lines = POSTS.read_text().splitlines()
    f = tmp_path / "posts.ndjson"
    f.write_text(
        lines[0] + "\n" + '{"data": [{"type": "member", "email": "zoe@example.com"' + "\n" + '["a page?"]\n'
    )
    r = import_paths(ws, [f], skip_bad=True)
    assert (r.files[0].records, r.rejected) == (4, 2)
    assert set(_msgs(ws)) == {"70000001", "70000002"}
    rej = {x["location"]: x for x in ws.table("rejects").to_pyarrow().to_pylist()}
    assert set(rej) == {"line 2", "line 3 record 1"}
    assert "not valid JSON" in rej["line 2"]["reason"] and "withheld" in rej["line 2"]["raw"]
    assert "expected a Patreon API response object, found str" in rej["line 3 record 1"]["reason"]
    assert "@example" not in _everything(ws)


def test_post_without_a_campaign_is_refused_not_guessed(ws, tmp_path):
    page = json.loads(POSTS.read_text().splitlines()[0])
    del page["links"]  # no page URL, and post 70000002 has no campaign relationship
    f = tmp_path / "posts.json"
    f.write_text(json.dumps(page, indent=1))
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "posts.json, document, data[1], field 'relationships.campaign'" in msg
    assert "include=campaign" in msg and "space_id" in msg
    import_paths(ws, [f], options={"space_id": CID})  # declared: imported
    assert _msgs(ws)["70000002"]["space_id"] == CID


def test_comment_without_its_post_campaign_is_refused(ws, tmp_path):
    doc = json.loads(COMMENTS.read_text())
    doc["included"] = [x for x in doc["included"] if x["type"] != "post"]
    f = tmp_path / "comments.json"
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(
        ImportFailed, match=r"comments.json, document, data\[0\], field 'relationships.post'.*"
    ):
        import_paths(ws, [f])
    g = tmp_path / "comments-campaign-4412345.json"  # the campaign declared by the file name
    g.write_text(json.dumps(doc, indent=1))
    r = import_paths(ws, [g])
    assert r.rejected == 0 and {m["space_id"] for m in _msgs(ws).values()} == {CID}


def test_bad_members_skip_bad_quarantines_without_email(ws, tmp_path):
    doc = json.loads(MEMBERS.read_text())
    del doc["data"][1]["relationships"]["user"]
    doc["data"][2]["type"] = "pledge"
    doc["data"][3] = doc["included"][0]  # an address where a member belongs
    f = tmp_path / "members.json"
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(
        ImportFailed, match=r"members.json, document, data\[1\], field 'relationships.user'.*include=user"
    ):
        import_paths(ws, [f])
    r = import_paths(ws, [f], skip_bad=True)
    assert (r.files[0].records, r.rejected) == (4, 3)
    assert set(_accounts(ws)) == {ALICE}
    rej = {x["location"]: x for x in ws.table("rejects").to_pyarrow().to_pylist()}
    assert {k: v["field"] for k, v in rej.items()} == {
        "document, data[1]": "relationships.user",
        "document, data[2]": "type",
        "document, data[3]": "type",
    }
    assert (
        "expected one of campaign, post, member, comment, found 'pledge'"
        in rej["document, data[2]"]["reason"]
    )
    carol = json.loads(rej["document, data[1]"]["raw"])
    assert carol["attributes"] == {
        "full_name": "Carol Chen",
        "is_follower": False,
        "patron_status": "declined_patron",
        "pledge_relationship_start": "2024-02-11T21:40:00.000+00:00",
    }  # no e-mail, no payment data
    assert json.loads(rej["document, data[3]"]["raw"]) == {"type": "address", "id": "880001"}
    assert not [p for p in PRIVATE if p in _everything(ws)]


def test_bad_csv_rows_are_rejected_alone(ws, tmp_path):
    f = _write_csv(
        tmp_path / "members.csv",
        [
            _csv_row(name="Ann", patron_status="Active patron", user_id="52000011"),
            _csv_row(name="Ben", patron_status="Active patron", user_id="5200-0012", email="ben@example.com"),
            _csv_row(name="Cat", patron_status="Active patron", user_id=""),
            _csv_row(name="Dee", patron_status="Active patron", user_id="52000014")[:5],
        ],
    )
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    assert (
        "members.csv, line 3, field 'User ID': expected Patreon's numeric user id, found '5200-0012'"
        in str(e.value)
    )
    r = import_paths(ws, [f], skip_bad=True, options={**LINK, "space_id": CID})
    assert (r.files[0].records, r.rejected) == (4, 3)
    assert set(_accounts(ws)) == {"52000011"}
    assert _links(ws) == [("patreon", CID, None, 1, "instagram", "cre")]  # only the good rows count
    rej = {x["location"]: (x["field"], x["raw"]) for x in ws.table("rejects").to_pyarrow().to_pylist()}
    assert rej["line 3"][0] == "User ID" and "@example" not in rej["line 3"][1]
    assert rej["line 4"][0] == "User ID"
    assert rej["line 5"][0] is None and "withheld" in rej["line 5"][1]


def test_not_a_members_export_header(ws, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Name,Email\nAnn,ann@example.com\n")
    with pytest.raises(ImportFailed, match=r"x.csv, header.*Patron Status, User ID"):
        import_paths(ws, [f], format="patreon")


def test_api_error_response_is_named(ws, tmp_path):
    f = tmp_path / "members.json"
    f.write_text(
        json.dumps(
            {
                "errors": [
                    {
                        "code": 1,
                        "code_name": "Unauthorized",
                        "detail": "The server could not verify that you are authorized to access the URL requested.",
                        "id": "b1d2c3",
                        "status": "401",
                        "title": "Unauthorized",
                    }
                ]
            },
            indent=1,
        )
    )
    assert detect_format(Source(f)).name == "patreon"
    with pytest.raises(
        ImportFailed, match=r"members.json, document: the Patreon API returned an error \(401 Unauthorized"
    ):
        import_paths(ws, [f])


# ---------------------------------------------------------------------------- the community metric


def test_link_creator_counts_the_patreon_community_for_the_creator(ws):
    """The bakery's creator ``cre`` (instagram) links the Patreon campaign: the offplatform metric counts its patrons,
    the posts and comments in it, the members talking to each other, and alice, who comments on both."""
    from tribescope import metrics as M

    bakery(ws)
    import_paths(ws, [CAMPAIGN, POSTS, COMMENTS], options=LINK)
    # the name of the last file that gives one (the comments page includes the campaign's web-API name)
    assert _links(ws) == [("patreon", CID, "Cozy Knits", 120, "instagram", "cre")]
    th = M.threads(ws.table("comments"), ws.table("posts"), ws.table("accounts"))
    rows = (
        M.offplatform(ws.table("community_links"), ws.table("community_messages"), th)
        .to_pyarrow()
        .to_pylist()
    )
    assert len(rows) == 1
    r = rows[0]
    assert (r["platform"], r["creator_id"]) == ("instagram", "cre")
    assert (r["community_spaces"], r["community_members"]) == (1, 120)
    assert r["community_messages"] == 8  # 3 posts + 5 comments
    assert r["community_active_members"] == 3  # the creator, alice, bob (the deleted comment has no author)
    assert r["community_reply_share"] == pytest.approx(3 / 8)
    assert r["community_overlap_share"] == pytest.approx(1 / 6)  # alice, of the bakery's 6 commenters


# ---------------------------------------------------------------------------- property tests


@st.composite
def messy_response(draw):
    docs = [
        COMMENTS.read_text(),
        MEMBERS.read_text(),
        CAMPAIGN.read_text(),
        POSTS.read_text().splitlines()[0],
    ]
    base = json.loads(draw(st.sampled_from(docs)))
    doc = draw(mutated(base, edits=4, replace_root=False))
    raw = json.dumps(doc, indent=draw(st.sampled_from([None, 1]))).encode()
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


cell = st.one_of(
    st.text(max_size=10),
    st.integers(-5, 10**12).map(str),
    st.sampled_from(["", "Active patron", "Former patron", "Yes", "No", "\x00", '"', "\n", "52000001"]),
)


@st.composite
def messy_csv(draw):
    rows = draw(st.lists(st.lists(cell, min_size=28, max_size=31), max_size=5))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(next(csv.reader(io.StringIO(CSV.read_text()))))
    w.writerows(rows)
    return buf.getvalue().encode()


@settings(max_examples=120, deadline=None)
@given(raw=st.one_of(messy_response(), messy_csv()), link=st.booleans())
def test_parser_raises_only_field_or_source_errors(tmp_path_factory, raw, link):
    f = tmp_path_factory.mktemp("pt") / "x-campaign-4412345.dat"
    f.write_bytes(raw)
    parse_all(Patreon(), f, LINK if link else None)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(messy_response(), messy_csv()))
def test_import_fails_only_with_import_failed_and_never_keeps_email(ws, tmp_path_factory, raw):
    f = tmp_path_factory.mktemp("pt") / "x.dat"
    f.write_bytes(raw)
    before = _counts(ws)
    try:
        import_paths(ws, [f], force=True, format="patreon", options={"space_id": CID})
    except ImportFailed as exc:
        assert "x.dat" in str(exc)
        assert _counts(ws) == before
    import_paths(ws, [f], force=True, skip_bad=True, format="patreon", options={"space_id": CID})
    assert "@example." not in _everything(ws)


def test_cli_links_a_members_csv_with_space_id(tmp_path):
    """`import --link-creator P:ID --space-id CAMPAIGN` links an export that does not name its campaign."""
    from typer.testing import CliRunner

    from tribescope.cli import app
    from tribescope.store import connect

    w = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    r = runner.invoke(app, ["-w", w, "import", str(CSV), "--link-creator", "instagram:cre"])
    assert r.exit_code == 1 and "--space-id" in r.output
    r = runner.invoke(
        app, ["-w", w, "import", str(CSV), "--link-creator", "instagram:cre", "--space-id", CID]
    )
    assert r.exit_code == 0, r.output
    ws = connect(w, read_only=True)
    try:
        assert _links(ws) == [("patreon", CID, None, 2, "instagram", "cre")]
    finally:
        ws.close()
