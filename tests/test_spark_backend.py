"""The PySpark backend opens the same canonical tables from Parquet."""

from __future__ import annotations

import shutil

import pytest

from tribescope.ingest import import_paths
from tribescope.store import connect

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark_available():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed")


def test_pyspark_reads_exported_workspace(spark_available, ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("account_id,username,followers\n1,ann,100\n2,ben,2500\n")
    import_paths(ws, [f], options={"platform": "instagram"})
    out = ws.export_parquet(tmp_path / "pq")
    sw = connect(out, backend="pyspark")
    t = sw.table("accounts")
    assert set(t.columns) >= {"platform", "account_id", "followers"}
    total = t.aggregate(n=t.count(), f=t.followers.sum()).to_pyarrow().to_pylist()[0]
    assert (total["n"], total["f"]) == (2, 2600)
    assert sw.counts()["accounts"] == 2
