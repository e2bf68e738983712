"""A shipped model file that is not the one this code expects — another model's file, another version's, arrays
that do not fit together — is refused when it is loaded, with the project's error naming the file, instead of
scoring silently with the wrong weights or failing deep in scoring. No real data needed."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tribescope.authenticity import _accounts, _comments
from tribescope.authenticity._accounts import ModelError
from tribescope.niche._category import BLOCKS, CategoryModel, ModelMissing

_AUTH = resources.files("tribescope.authenticity").joinpath("models")
_NICHE = Path(str(resources.files("tribescope.niche").joinpath("models")))


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``models/`` folder the authenticity loaders read instead of the package's (caches emptied)."""
    (tmp_path / "models").mkdir()
    monkeypatch.setattr(_accounts.resources, "files", lambda pkg: tmp_path)
    monkeypatch.setattr(_comments.resources, "files", lambda pkg: tmp_path)
    monkeypatch.setattr(_comments, "_TEXT_CACHE", {})
    monkeypatch.setattr(_accounts, "_MODEL_CACHE", {})
    return tmp_path / "models"


def _doc(name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(_AUTH.joinpath(name).read_text())
    return out


def test_shipped_files_are_of_the_versions_this_code_reads() -> None:
    from tribescope.authenticity._train import ACCOUNT_MODEL_VERSION, TEXT_MODEL_VERSION

    assert _doc("fake_accounts.json")["version"] == ACCOUNT_MODEL_VERSION
    for name in ("spam", "attack"):
        doc = _doc(f"{name}.json")
        assert doc["name"] == doc["meta"]["name"] == name and doc["meta"]["version"] == TEXT_MODEL_VERSION


def test_the_attack_file_in_the_spam_files_place_is_refused(models_dir: Path) -> None:
    """``TextModel.loads`` ignored the file's own name: an ``attack.json`` copied over ``spam.json`` loaded as the
    spam model (22k attack weights, length power 0.5) and flagged insults as spam."""
    (models_dir / "spam.json").write_bytes(_AUTH.joinpath("attack.json").read_bytes())
    with pytest.raises(
        ModelError, match=r"models/spam.json: the file holds the attack model, not spam.*train comments"
    ):
        _comments.load_text_model("spam")


@pytest.mark.parametrize("version", ["1.0.0", "3.0.0", None])
def test_a_text_model_of_another_major_version_is_refused(models_dir: Path, version: str | None) -> None:
    doc = _doc("attack.json")
    if version is None:
        del doc["meta"]["version"]
    else:
        doc["meta"]["version"] = version
    (models_dir / "attack.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=r"models/attack.json: attack model version .* reads version 2\.x"):
        _comments.load_text_model("attack")


def test_a_text_model_of_another_minor_version_loads(models_dir: Path) -> None:
    doc = _doc("spam.json")
    doc["meta"]["version"] = "2.7.1"
    (models_dir / "spam.json").write_text(json.dumps(doc))
    assert _comments.load_text_model("spam").version == "2.7.1"


@pytest.mark.parametrize("version", ["1.0.0", "3.0.0", None])
def test_an_account_model_of_another_major_version_is_refused(models_dir: Path, version: str | None) -> None:
    """Only the feature names were checked: a file of another major version with the same names (whose features
    are computed otherwise, as the platform rule changed them in 2.0) loaded and scored silently."""
    doc = _doc("fake_accounts.json")
    if version is None:
        del doc["version"]
    else:
        doc["version"] = version
    (models_dir / "fake_accounts.json").write_text(json.dumps(doc))
    with pytest.raises(
        ModelError, match=r"models/fake_accounts.json: account model version .*train accounts"
    ):
        _accounts.load_account_model()


def test_an_account_model_fitted_here_round_trips_with_this_version() -> None:
    m = _accounts.AccountModel.from_json(_AUTH.joinpath("fake_accounts.json").read_text())
    bare = _accounts.AccountModel(m.features, m.intercept, m.steps, m.centers, m.threshold, {}, m.terms)
    again = _accounts.AccountModel.from_json(bare.to_json())
    assert again.meta["version"] == _accounts.ACCOUNT_MODEL_VERSION
    assert m.to_json() == _AUTH.joinpath("fake_accounts.json").read_text()  # the shipped file is unchanged


def _category_copy(tmp_path: Path) -> dict[str, np.ndarray]:
    shutil.copy(_NICHE / "category.json", tmp_path / "category.json")
    with np.load(_NICHE / "category.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_category_arrays_that_do_not_fit_are_refused_at_load(tmp_path: Path) -> None:
    """A vocabulary that does not match the weight matrix loaded, and the first score failed with numpy's
    ``matmul: dimension mismatch``."""
    arrays = _category_copy(tmp_path)
    arrays["image_vocab"], arrays["image_idf"] = arrays["image_vocab"][:-10], arrays["image_idf"][:-10]
    np.savez(tmp_path / "category.npz", **arrays)
    with pytest.raises(
        ModelMissing, match=r"not a complete niche-category model .*coef has shape .*train category"
    ):
        CategoryModel.load(tmp_path)


def test_category_classes_of_another_version_are_refused(tmp_path: Path) -> None:
    arrays = _category_copy(tmp_path)
    arrays["classes"] = np.array([*arrays["classes"][:-1], "gaming"])
    np.savez(tmp_path / "category.npz", **arrays)
    with pytest.raises(ModelMissing, match=r"\['gaming'\] are not categories"):
        CategoryModel.load(tmp_path)


def test_category_model_tokenised_otherwise_is_refused(tmp_path: Path) -> None:
    """The vocabulary holds the terms of the tokenisation it was trained with; one recorded otherwise (here image
    words alone, where this code makes word pairs too) would be looked up with other terms and silently miss."""
    arrays = _category_copy(tmp_path)
    np.savez(tmp_path / "category.npz", **arrays)
    meta = json.loads((tmp_path / "category.json").read_text())
    meta["features"]["image"]["vectorizer"]["ngram_range"] = "(1, 1)"
    (tmp_path / "category.json").write_text(json.dumps(meta))
    with pytest.raises(ModelMissing, match=r"records the image block tokenised otherwise.*train category"):
        CategoryModel.load(tmp_path)


def test_the_shipped_category_model_loads_whole() -> None:
    m = CategoryModel.load()
    assert m.coef.shape == (len(m.classes), sum(len(m.vectorizers[b].vocabulary_) for b in BLOCKS))
    assert (m.meta or {}).get("features")  # what the tokenisation check reads


def test_musae_per_resolution_rows_carry_the_modularity_the_docs_quote(tmp_path: Path) -> None:
    """docs/findings-real-data.md's Facebook / GitHub grid gives Q per resolution (seed-0 runs), but
    ``eval niches --out`` wrote only groups, NMI and ARI for them: the Q column could not be re-measured."""
    import csv
    import gzip

    from tribescope.niche import _musae

    rng = np.random.default_rng(0)
    edges = set()
    for block in range(4):  # four planted groups of 15 nodes, a few ties between them
        nodes = np.arange(block * 15, block * 15 + 15)
        for _ in range(60):
            a, b = rng.choice(nodes, 2, replace=False)
            edges.add((int(min(a, b)), int(max(a, b))))
    edges |= {(0, 20), (16, 35), (31, 50)}
    with gzip.open(tmp_path / "edges.csv.gz", "wt") as fh:
        fh.write("id_1,id_2\n" + "".join(f"{a},{b}\n" for a, b in sorted(edges)))
    with gzip.open(tmp_path / "target.csv.gz", "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "page_type"])
        w.writerows([i, f"t{i // 15}"] for i in range(60))
    out = _musae.evaluate_labels(
        tmp_path / "edges.csv.gz", tmp_path / "target.csv.gz", "id", "page_type", seeds=1
    )
    for row in out["by_resolution"]:
        assert set(row) == {"resolution", "groups", "modularity", "nmi", "ari"}
        assert -0.5 <= row["modularity"] <= 1.0
    assert out["chosen"]["ari"] > 0.5
