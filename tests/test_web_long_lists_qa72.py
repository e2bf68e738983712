"""Long lists on the dashboard's niches and campaigns pages: the pages read the first ``MAX_PAGE_SIZE`` rows (the CSV
links hold every row); a table that lists fewer rows than there are says so, and the niche table lists the creators
its chart draws (it stopped at 300 while the chart drew 500, under "N creators")."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_client
except ImportError:
    from _web_fixtures import pipeline_client  # type: ignore[no-redef]

from tribescope.web import _data

client = pipeline_client  # the module's `client` fixture: a TestClient over the synth xs pipeline workspace


def _table_rows(html: str, table_id: str) -> int:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return body.count("<tr>") - 1  # the header row


def _note_after(html: str, table_id: str) -> str:
    after = html.split(f'id="{table_id}"', 1)[1].split("</table></div>", 1)[1]
    m = re.match(r'\s*<p class="note more-rows">(.*?)</p>', after, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else ""


def test_tables_cut_at_the_rows_read_say_how_many_of_how_many(client, monkeypatch):
    full_niche = client.get("/api/niches/creators").json()["total"]
    full_campaign = client.get("/api/campaigns").json()["total"]
    assert full_niche == 40 and full_campaign == 8  # synth xs, seed 1
    monkeypatch.setattr(_data, "MAX_PAGE_SIZE", 5)  # the pages read this many rows of each list
    niches = client.get("/niches").text
    assert _table_rows(niches, "niche-creators") == 5
    assert (
        _note_after(niches, "niche-creators")
        == "The table lists the first 5 of the 40 rows; the CSV holds every row."
    )
    assert '<a class="csv" href="/api/niches/creators.csv">CSV</a> holds every row' in niches
    campaigns = client.get("/campaigns").text
    assert _table_rows(campaigns, "campaign-creators") == 5
    assert (
        _note_after(campaigns, "campaign-creators")
        == "The table lists the first 5 of the 8 rows; the CSV holds every row."
    )
    # a table that lists every row says nothing more
    assert _note_after(campaigns, "campaign-labels") == ""


def test_a_table_listing_every_row_has_no_count_note(client):
    niches = client.get("/niches").text
    assert _table_rows(niches, "niche-creators") == 40
    assert "more-rows" not in niches


def test_the_niche_table_lists_the_creators_its_chart_draws(client, monkeypatch):
    real = _data.niche_creators

    def many(ws, page=1, page_size=50, export=False):  # 350 creators in the groups, as a large workspace has
        sec = real(ws, 1, _data.MAX_PAGE_SIZE)
        rows = [{**r, "creator_id": f"{r['creator_id']}-{i}"} for i in range(9) for r in sec.data.rows][:350]
        return _data.Section(dataclasses.replace(sec.data, total=350, rows=rows[:page_size]))

    monkeypatch.setattr(_data, "niche_creators", many)
    niches = client.get("/niches").text
    spec = json.loads(niches.split('id="spec-niches">', 1)[1].split("</script>", 1)[0])
    assert len(spec["data"]["values"]) == 350  # the chart draws every creator read
    assert _table_rows(niches, "niche-creators") == 350  # it stopped at 300
    assert "350 creators" in niches
    assert "more-rows" not in niches.split('id="niche-creators"', 1)[1]
