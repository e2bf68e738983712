"""The score spec: components, transforms, weights, tiers, benchmark, confidence and label rules."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tribescope.errors import TribescopeError

__all__ = ["FIRST_COLUMNS", "Component", "LabelRule", "Spec", "SpecError", "load_spec"]

#: The columns every score table starts with, in this order (``creator_scores``, ``tribescope score --out``; the
#: dashboard and the campaign planner read them by these names).
FIRST_COLUMNS = (
    "platform",
    "creator_id",
    "handle",
    "followers",
    "tier",
    "label",
    "community_score",
    "confidence",
)

_TRANSFORMS = {"logistic", "log_logistic", "ratio_logistic", "percentile"}
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(-?[0-9.eE+_-]+)\s*$")


class SpecError(TribescopeError):
    """The score spec file is malformed."""


@dataclass(frozen=True)
class Component:
    name: str
    family: str
    metric: str
    transform: dict[str, Any]
    weight: float
    direction: str = "higher"
    optional: bool = False
    min_support: tuple[str, float] | None = None
    rationale: str = ""


@dataclass(frozen=True)
class LabelRule:
    label: str
    any: tuple[tuple[str, str, float], ...] = ()
    all: tuple[tuple[str, str, float], ...] = ()
    at_least: int = 1
    rationale: str = ""


@dataclass(frozen=True)
class Spec:
    version: str
    name: str
    tiers: tuple[tuple[str, int], ...]
    benchmark: dict[str, Any]
    confidence: dict[str, float]
    components: tuple[Component, ...]
    labels: tuple[LabelRule, ...]
    #: column → (support column, minimum): a label condition on the column holds only when the support column
    #: reaches the minimum (``[label_evidence]``: one profiled commenter in 55 is no audience)
    label_evidence: dict[str, tuple[str, float]] = field(default_factory=dict)
    path: str = "<default>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def benchmark_er(self, followers: float | None) -> tuple[str, float] | None:
        """(range, median ER) of the published benchmark row for ``followers``."""
        if followers is None:
            return None
        rows = sorted(self.benchmark.get("rows", []), key=lambda r: r["min_followers"])
        hit = None
        for r in rows:
            if followers >= r["min_followers"]:
                hit = r
        return (hit["range"], float(hit["median_er"])) if hit else None


def _cond(text: str, where: str) -> tuple[str, str, float]:
    m = _COND.match(text)
    if not m:
        raise SpecError(f"{where}: condition {text!r} is not 'column op number' (op: < <= > >= ==)")
    return m.group(1), m.group(2), float(m.group(3).replace("_", ""))


def _parse(raw: dict[str, Any], path: str) -> Spec:
    def need(d: dict[str, Any], key: str, where: str) -> Any:
        if key not in d:
            raise SpecError(f"{path}: {where} is missing '{key}'")
        return d[key]

    tiers = tuple(
        sorted(((str(k), int(v)) for k, v in need(raw, "tiers", "the file").items()), key=lambda t: t[1])
    )
    if not tiers or tiers[0][1] != 0:
        raise SpecError(f"{path}: [tiers] must start at 0 followers")
    comps = []
    seen = set()
    for i, c in enumerate(need(raw, "component", "the file")):
        where = f"[[component]] #{i + 1}"
        name = need(c, "name", where)
        if name in seen:
            raise SpecError(f"{path}: component {name!r} is defined twice")
        seen.add(name)
        tr = dict(need(c, "transform", where))
        kind = tr.get("kind")
        if kind not in _TRANSFORMS:
            raise SpecError(
                f"{path}: component {name!r}: transform kind {kind!r} is not one of {sorted(_TRANSFORMS)}"
            )
        if kind != "percentile" and float(tr.get("scale", 1.0)) <= 0:
            raise SpecError(f"{path}: component {name!r}: transform scale must be > 0")
        w = float(need(c, "weight", where))
        if w < 0:
            raise SpecError(f"{path}: component {name!r}: weight must be >= 0")
        direction = c.get("direction", "higher")
        if direction not in ("higher", "lower"):
            raise SpecError(f"{path}: component {name!r}: direction must be 'higher' or 'lower'")
        ms = c.get("min_support")
        comps.append(
            Component(
                name=name,
                family=c.get("family", ""),
                metric=need(c, "metric", where),
                transform=tr,
                weight=w,
                direction=direction,
                optional=bool(c.get("optional", False)),
                min_support=(str(ms[0]), float(ms[1])) if ms else None,
                rationale=c.get("rationale", ""),
            )
        )
    labels = []
    for i, r in enumerate(need(raw, "label", "the file")):
        where = f"{path}: [[label]] #{i + 1}"
        labels.append(
            LabelRule(
                label=need(r, "label", where),
                any=tuple(_cond(x, where) for x in r.get("any", [])),
                all=tuple(_cond(x, where) for x in r.get("all", [])),
                at_least=int(r.get("at_least", 1)),
                rationale=r.get("rationale", ""),
            )
        )
    return Spec(
        version=str(need(raw, "version", "the file")),
        name=str(raw.get("name", "")),
        tiers=tiers,
        benchmark=dict(raw.get("benchmark", {})),
        confidence=dict(need(raw, "confidence", "the file")),
        components=tuple(comps),
        labels=tuple(labels),
        label_evidence=_label_evidence(raw.get("label_evidence", {}), path),
        path=path,
        raw=raw,
    )


def _label_evidence(raw: Any, path: str) -> dict[str, tuple[str, float]]:
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: [label_evidence] must be a table of column = [support column, minimum]")
    out = {}
    for col, v in raw.items():
        if not (
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int | float)
        ):
            raise SpecError(f"{path}: label_evidence.{col} must be [support column, minimum], not {v!r}")
        out[str(col)] = (v[0], float(v[1]))
    return out


def load_spec(spec: str | os.PathLike[str] | Spec | None = None) -> Spec:
    """Load a spec file (``None`` = the packaged default ``tribescope/score/spec.toml``)."""
    if isinstance(spec, Spec):
        return spec
    if spec is None:
        text = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
        path = "tribescope/score/spec.toml"
    else:
        p = Path(spec)
        if not p.is_file():
            raise SpecError(f"score spec {p} does not exist; copy tribescope/score/spec.toml and edit it")
        text, path = p.read_text("utf-8"), str(p)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path} is not valid TOML: {exc}") from exc
    return _parse(raw, path)
