"""Incremental re-scoring: per-creator results kept in the workspace, recomputed only where inputs changed.

Every per-creator stage of ``tribescope score`` (each metric family, the commenter graphs, sentiment, the
audience-authenticity and niche-category models) yields one row per ``(platform, creator_id)`` that depends only
on that creator's inputs. On a writable DuckDB workspace each stage's rows are stored in ``_score_cache_<stage>``
and reused while the creator's inputs and the code are unchanged. How a change is known:

* **creator fingerprint** (:func:`creator_fingerprints`, one DuckDB query, ≈ 1 CPU-s at 1M comments): a 64-bit
  hash per creator over every column (except ``snapshot_at``/``import_id``) of its posts, the comments under them,
  the ``accounts`` rows of the creator and of every comment author, its ``community_links`` and the
  ``community_messages`` of those spaces with their authors' ``accounts`` rows (a member whose handle becomes the
  creator's is one of the creator's own accounts: :func:`tribescope.metrics.own_account`). Any import, edit, ``forget`` or ``--pseudonymize`` that touches those rows
  changes it; row hashes are summed per creator, so it costs one scan, not a sort.
* **stage version**: a hash of the source and model files of the packages the score runs
  (:data:`CODE_PACKAGES`: metrics, features, graph, authenticity, niche, sponsored, score), plus what the stage reads
  from the spec (tiers) — editing the code, a model or a rule list (the disclosure hashtags) recomputes everything.
* **cross-creator inputs**: engagement pods are found over all creators; they are recomputed when any creator's
  fingerprint changed, and a creator whose pod memberships changed is recomputed in the authenticity stage.

Everything across creators (tier benchmarks, percentiles, labels) is recomputed from the cached rows on every
score, so an incremental score equals a full one (``tests/test_score_incremental.py``).
The fingerprints a score read are kept too (stage ``scored`` of the state, :meth:`ScoreRun.mark_scored`): ``status``,
the report and the dashboard's creator page compare them with those of now (:func:`changed_since_scored`), so a
change the counts of posts and comments do not show (a post's new likes, an edited comment) is said to be unscored.
Not tracked: a reply whose parent comment sits under *another* creator's post (no supported platform nests
replies that way); ``tribescope score --full`` recomputes everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import pyarrow as pa

from tribescope import schema

if TYPE_CHECKING:
    from concurrent.futures import Future

    import ibis.expr.types as ir

__all__ = [
    "SCORE_MEMORY",
    "Scope",
    "ScoreRun",
    "StageTiming",
    "canonical",
    "changed_since_scored",
    "code_version",
    "creator_fingerprints",
    "fingerprints_ahead",
    "per_creator_digest",
    "recomputed_text",
]

#: DuckDB memory limit while scoring (``enrich`` and ``score_creators``; work spills to the workspace's
#: temp directory beyond it). At synth m a score peaks near 1.1 GB, so the cap only bites on larger
#: workspaces (scale l: 11.8 GB uncapped; with a 3 GB cap 4.0 GB RSS, DuckDB itself at the cap and ~0.8 GB
#: of Python, libraries and untracked allocations on top — hence 2.5 GB, to stay under 4 GB; 2.2 GB since the
#: free text and ids are stored uncompressed (scale l peaks of 3.65–4.17 GB at 2.5 GB, 3.50 GB at 2.2 GB); 1.9 GB
#: since the seventeenth round (scale l: 3.25 / 3.35 GiB against 3.62 / 3.64 GiB at 2.2 GB in alternating runs, in
#: the same time, identical scores); 1.7 GB since the forty-seventh, when two of eleven first scores of scale l peaked
#: at 3,796 and 3,800 MiB at 1.9 GB, 15–19 MiB under 4 GB (= 3,815 MiB): 2,985 / 3,035 MiB at 1.7 GB against
#: 3,239 / 3,277 in alternating pairs, the score +1.6 / +5.0 s of ~60; docs/perf-rounds.md)).
SCORE_MEMORY = os.environ.get("TRIBESCOPE_SCORE_MEMORY", "1700MB")

P = ParamSpec("P")
R = TypeVar("R")

KEY = ("platform", "creator_id")
STATE = "_score_cache_state"
#: the stage name under which :data:`STATE` keeps each creator's raw fingerprint as the stored scores
#: (``creator_scores``) read it (:meth:`ScoreRun.mark_scored`, :func:`changed_since_scored`)
SCORED = "scored"
PREFIX = "_score_cache_"
_SKIP = ("snapshot_at", "import_id")
_CODE: dict[str, str] = {}


#: the packages whose code and files decide a creator's results: :func:`code_version` hashes them. ``sponsored`` holds
#: the disclosure hashtags, labels and promo-code patterns ``brand_deals`` reads (``metrics._brand``); until
#: 2026-12-06 it was not hashed, and an edit of those lists left the stored ``brand_deals`` rows of unchanged creators
#: as they were.
CODE_PACKAGES = ("metrics", "features", "graph", "authenticity", "niche", "sponsored", "score")


def code_version(root: Path | None = None) -> str:
    """md5 of the source and model files of :data:`CODE_PACKAGES` (of the installed package; ``root``: another copy of
    the package, computed afresh)."""
    if root is not None:
        return _code_hash(root)
    if "v" not in _CODE:
        _CODE["v"] = _code_hash(Path(__file__).resolve().parents[1])
    return _CODE["v"]


def _code_hash(root: Path) -> str:
    h = hashlib.md5()
    for sub in CODE_PACKAGES:
        for f in sorted((root / sub).rglob("*")):
            if f.is_file() and f.suffix in (".py", ".json", ".npz", ".txt", ".csv", ".toml"):
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _cols(table: str, alias: str) -> str:
    return ", ".join(f'{alias}."{c}"' for c in schema.TABLES[table].names if c not in _SKIP)


def creator_fingerprints(duck: Any, creator: tuple[str, str] | None = None) -> pa.Table:
    """``platform, creator_id, fp`` (UBIGINT) for every creator with posts (see the module docstring); ``creator``:
    ``(platform, creator_id)`` of the one creator whose fingerprint is wanted (its rows alone are read and hashed)."""
    # one creator: its posts, the comments under them and its linked spaces' messages (the same fingerprint)
    mine = "p.platform = $1 AND p.creator_id = $2" if creator else "TRUE"
    under = (
        "WHERE (c.platform, c.post_id) IN (SELECT p.platform, p.post_id FROM posts p WHERE p.platform = $1 AND "
        "p.creator_id = $2)"
        if creator
        else ""
    )
    linked = "WHERE l.creator_platform = $1 AND l.creator_id = $2" if creator else ""
    spaces = (
        "WHERE (m.platform, m.space_id) IN (SELECT l.platform, l.space_id FROM community_links l "
        + linked
        + ")"
        if creator
        else ""
    )
    # one creator: the accounts rows it reads alone (its own, its commenters', its spaces' members), not every one
    whose = (
        "WHERE (a.platform = $1 AND a.account_id = $2) OR (a.platform, a.account_id) IN (SELECT c.platform, c.author_id "
        f"FROM comments c {under}) OR (a.platform, a.account_id) IN (SELECT m.platform, m.author_id FROM "
        f"community_messages m {spaces})"
        if creator
        else ""
    )
    sql = f"""
    WITH ah AS (SELECT a.platform, a.account_id, hash({_cols("accounts", "a")}) AS h FROM accounts a {whose}),
    ch AS (
        SELECT c.platform, c.post_id, count(*) AS n, sum(hash({_cols("comments", "c")}))::HUGEINT AS hc,
               sum(coalesce(ah.h, 0))::HUGEINT AS ha
        FROM comments c LEFT JOIN ah ON ah.platform = c.platform AND ah.account_id = c.author_id
        {under}
        GROUP BY c.platform, c.post_id),
    ph AS (
        SELECT p.platform, p.creator_id, count(*) AS np, sum(hash({_cols("posts", "p")}))::HUGEINT AS hp,
               sum(coalesce(ch.n, 0))::HUGEINT AS nc, sum(coalesce(ch.hc, 0))::HUGEINT AS hc,
               sum(coalesce(ch.ha, 0))::HUGEINT AS ha
        FROM posts p LEFT JOIN ch ON ch.platform = p.platform AND ch.post_id = p.post_id
        WHERE p.creator_id IS NOT NULL AND {mine}
        GROUP BY p.platform, p.creator_id),
    mh AS (
        SELECT m.platform, m.space_id, count(*) AS n,
               sum(hash({_cols("community_messages", "m")}) + coalesce(ah.h, 0)::HUGEINT)::HUGEINT AS h
        FROM community_messages m LEFT JOIN ah ON ah.platform = m.platform AND ah.account_id = m.author_id
        {spaces}
        GROUP BY m.platform, m.space_id),
    lh AS (
        SELECT l.creator_platform AS platform, l.creator_id, sum(hash({_cols("community_links", "l")}))::HUGEINT AS hl,
               sum(coalesce(mh.n, 0))::HUGEINT AS nm, sum(coalesce(mh.h, 0))::HUGEINT AS hm
        FROM community_links l LEFT JOIN mh ON mh.platform = l.platform AND mh.space_id = l.space_id
        {linked}
        GROUP BY l.creator_platform, l.creator_id)
    SELECT ph.platform, ph.creator_id,
           hash(ph.np, ph.hp, ph.nc, ph.hc, ph.ha, ca.h, lh.hl, lh.nm, lh.hm) AS fp
    FROM ph
    LEFT JOIN ah ca ON ca.platform = ph.platform AND ca.account_id = ph.creator_id
    LEFT JOIN lh ON lh.platform = ph.platform AND lh.creator_id = ph.creator_id
    ORDER BY ph.platform, ph.creator_id
    """
    if creator:
        return duck.execute(sql, list(creator)).to_arrow_table()
    return duck.execute(sql).to_arrow_table()


def changed_since_scored(ws: Any, creator: tuple[str, str] | None = None) -> set[tuple[str, str]] | None:
    """The scored creators (``creator``: that one alone) whose data — any row their fingerprint reads: a post's or a
    comment's likes, views or text, a commenter's profile, a linked space's members or messages — is not what their
    stored score (``creator_scores``) was computed from: the fingerprints :meth:`ScoreRun.mark_scored` kept against
    those of now. A scored creator without posts now counts as changed. ``None`` when the workspace keeps no
    fingerprint of its scores (not DuckDB, or scored before they were kept): only the counts can tell then."""
    if ws.backend != "duckdb" or not ws.has_table(STATE):
        return None
    args: list[str] = [SCORED]
    where = ""
    if creator is not None:
        where, args = " AND platform = ? AND creator_id = ?", [SCORED, *creator]
    then = ws.duck.execute(
        f"SELECT platform, creator_id, fp FROM {STATE} WHERE stage = ?{where}", args
    ).fetchall()
    if not then:
        if creator is None:
            return None
        # this creator has no kept fingerprint: unknown, unless the workspace keeps those of its other scores
        kept = ws.duck.execute(f"SELECT count(*) FROM {STATE} WHERE stage = ?", [SCORED]).fetchone()[0]
        return set() if kept else None
    now = creator_fingerprints(ws.duck, creator)
    current = {k: str(f) for k, f in zip(_keys(now), now["fp"].to_pylist(), strict=True)}
    return {(p, c) for p, c, f in then if current.get((p, c)) != f}


def fingerprints_ahead(ws: Any) -> Future[pa.Table] | None:
    """:func:`creator_fingerprints` started on a cursor of the workspace's connection, on a background thread, for
    :meth:`ScoreRun.open` to take: ``tribescope score`` starts it as soon as the workspace is open, so the scan
    (~0.5 s) overlaps loading the scoring modules (ibis, pandas: ~1 s of Python). ``None`` where :meth:`ScoreRun.open`
    computes none (not a writable DuckDB workspace)."""
    if ws.backend != "duckdb" or ws.read_only:
        return None
    from concurrent.futures import ThreadPoolExecutor

    cur = ws.cursor()  # the workspace's per-connection settings (UTC, …), like every other connection of it
    pool = ThreadPoolExecutor(1, thread_name_prefix="tribescope-fingerprints")

    def run() -> pa.Table:
        try:
            return creator_fingerprints(cur.duck)
        finally:
            cur.close()

    fut = pool.submit(run)
    pool.shutdown(wait=False)
    return fut


def _keys(t: pa.Table) -> list[tuple[str, str]]:
    return list(zip(t["platform"].to_pylist(), t["creator_id"].to_pylist(), strict=True))


def key_table(keys: Iterable[tuple[str, str]]) -> pa.Table:
    ks = sorted(keys)
    return pa.table(
        {
            "platform": pa.array([k[0] for k in ks], pa.string()),
            "creator_id": pa.array([k[1] for k in ks], pa.string()),
        }
    )


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by([("platform", "ascending"), ("creator_id", "ascending")]) if t.num_rows else t


def _restrict(t: pa.Table, keys: set[tuple[str, str]], keep: bool) -> pa.Table:
    """Rows of ``t`` whose key is (``keep``) or is not (not ``keep``) in ``keys``."""
    if not t.num_rows:
        return t
    mask = pa.array([(k in keys) == keep for k in _keys(t)], pa.bool_())
    return t.filter(mask)


def creators_tables(
    kt: ir.Table,
    posts: ir.Table,
    comments: ir.Table,
    links: ir.Table | None,
    *,
    keep: Callable[[str, ir.Table], ir.Table] = lambda name, t: t,
) -> tuple[ir.Table, ir.Table, ir.Table | None]:
    """The posts of the creators in ``kt`` (``platform, creator_id``), the comments under those posts and the
    creators' community links. ``keep(name, table)`` may materialise the posts, then the comments (``"posts"``,
    ``"comments"``): an incremental scope keeps them as temporary tables, a group of creators as expressions."""
    ps = keep("posts", posts.semi_join(kt, list(KEY)))
    cs = keep("comments", comments.semi_join(ps.select("platform", "post_id"), ["platform", "post_id"]))
    if links is not None:
        lk = kt.rename(creator_platform="platform")
        links = links.semi_join(lk, ["creator_platform", "creator_id"])
    return ps, cs, links


@dataclass
class Scope:
    """The inputs of the creators to (re)compute: ``posts``/``comments`` restricted to them (``None`` = all)."""

    keys: set[tuple[str, str]]
    full: bool
    posts: ir.Table
    comments: ir.Table
    accounts: ir.Table
    all_comments: ir.Table
    links: ir.Table | None
    messages: ir.Table | None


@dataclass(frozen=True)
class StageTiming:
    """How long one stage of a score took (``tribescope score --timings``; :attr:`ScoreRun.timings`).

    ``seconds`` is the stage's wall time on its thread, ``started`` when it began (seconds after its run opened):
    stages on the two threads (``on``: ``"main"``, the score's own thread, which applies the models, or
    ``"metric lane"``, :class:`~tribescope.score._score.MetricLane`) overlap, so the seconds add up to more than the
    score took. A stage includes the shared inputs it built first (the first metric stage builds the thread rows the
    others read). ``creators``: how many it computed (0: every row read from the cache; 1 for a result across
    creators, such as the pods; ``None`` in a run that keeps no cache — Spark, a read-only workspace — where every
    stage is computed for every creator)."""

    stage: str
    on: str
    started: float
    seconds: float
    creators: int | None


def _timed_by_name(
    method: Callable[Concatenate[ScoreRun, str, P], R],
) -> Callable[Concatenate[ScoreRun, str, P], R]:
    """A :class:`ScoreRun` method whose first argument names a stage, timed as that stage (:meth:`ScoreRun._timed`)."""

    @functools.wraps(method)
    def timed(self: ScoreRun, name: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._timed(name):
            return method(self, name, *args, **kwargs)

    return timed


@dataclass
class ScoreRun:
    """One ``score`` run on a workspace: fingerprints computed once, per-stage caches read and written.

    ``cache=False`` (Spark, read-only, or ``write=False``) computes every creator and stores nothing.
    """

    ws: Any
    cache: bool = True
    full: bool = False
    fingerprints: pa.Table | None = None
    _state: dict[str, dict[tuple[str, str], str]] | None = None
    _scopes: dict[frozenset[tuple[str, str]], Scope] = field(default_factory=dict)
    _everyone: Scope | None = None
    _pending: dict[str, tuple[pa.Table, dict[tuple[str, str], str]]] = field(default_factory=dict)
    #: creators recomputed per stage in this run (1/0 for cross-creator results)
    recomputed: dict[str, int] = field(default_factory=dict)

    #: read stored rows of stages where no creator changed, without writing anything (read-only workspaces)
    read_only: bool = False
    #: guards ``_pending`` (shared with the views of :meth:`on`, whose stages run on other threads)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: each stage's time in this run, in the order the stages ended (shared with the views of :meth:`on`)
    timings: list[StageTiming] = field(default_factory=list)
    #: when the run was opened (:func:`time.perf_counter`): the origin of :attr:`StageTiming.started`
    opened: float = field(default_factory=time.perf_counter)

    @classmethod
    def open(
        cls, ws: Any, *, write: bool = True, full: bool = False, ahead: Future[pa.Table] | None = None
    ) -> ScoreRun:
        """``write``: keep the cache up to date (writable DuckDB only); else stored rows are used only for stages in
        which no creator changed (e.g. ``explain`` on a read-only workspace). ``ahead``: the fingerprints already
        started by :func:`fingerprints_ahead` on this workspace, with nothing written since."""
        duck = ws.backend == "duckdb"
        cache = write and duck and not ws.read_only
        run = cls(ws, cache=cache, full=full, read_only=duck and not cache and not full)
        if cache:
            # when this run will compute comment features, their one-time set-up (numba, the text models, ~1.6
            # CPU-s of mostly Python) starts on its thread now, while the fingerprints below run in DuckDB
            from tribescope.authenticity._comments import warm_up_text_features

            warm_up_text_features(ws)
        if (duck and not full) or cache:
            # what changed since the last score (when started ahead, the wait for it)
            with run._timed("fingerprints"):
                run.fingerprints = ahead.result() if ahead is not None else creator_fingerprints(ws.duck)
        return run

    def on(self, ws: Any) -> ScoreRun:
        """This run on another connection ``ws`` (:meth:`Workspace.cursor`), for stages computed on another thread:
        the same fingerprints, stored state, pending rows (written by this run's :meth:`commit`) and counts; its own
        scopes, whose temporary tables live on ``ws``."""
        if self.cache:
            self._load_state()  # loaded once, here: both threads then read the one dict
        return dataclasses.replace(self, ws=ws, _scopes={}, _everyone=None)

    # ------------------------------------------------------------------ state
    def _load_state(self) -> dict[str, dict[tuple[str, str], str]]:
        if self._state is None:
            self._state = {}
            if not self.full and self.ws.has_table(STATE):
                t = self.ws.duck.execute(
                    f"SELECT stage, platform, creator_id, fp FROM {STATE}"
                ).to_arrow_table()
                for s, p, c, f in zip(*(t[n].to_pylist() for n in t.column_names), strict=True):
                    self._state.setdefault(s, {})[(p, c)] = f
        return self._state

    def stage_fps(
        self, version: str, extra: dict[tuple[str, str], str] | None = None
    ) -> dict[tuple[str, str], str]:
        """Current fingerprint per creator for a stage of ``version`` (``extra``: per-creator cross inputs)."""
        assert self.fingerprints is not None
        fps = self.fingerprints
        out = {}
        for k, f in zip(_keys(fps), fps["fp"].to_pylist(), strict=True):
            s = f"{f}|{version}|{extra.get(k, '') if extra else ''}"
            out[k] = hashlib.md5(s.encode()).hexdigest()
        return out

    def dirty(self, stage: str, fps: dict[tuple[str, str], str]) -> tuple[set[tuple[str, str]], bool]:
        """Creators of ``stage`` to recompute, and whether the stored rows are usable at all."""
        old = self._load_state().get(stage)
        if old is None or not self.ws.has_table(PREFIX + stage):
            return set(fps), False
        return {k for k, f in fps.items() if old.get(k) != f}, True

    # ------------------------------------------------------------------ scopes
    def scope(self, keys: set[tuple[str, str]]) -> Scope:
        """Tables restricted to ``keys``' posts and the comments under them (all tables when ``keys`` is every
        creator, or when not caching)."""
        everyone = not self.cache or self.fingerprints is None or len(keys) >= self.fingerprints.num_rows
        fk = frozenset(keys)
        # a scope already built is returned before any catalog lookup (each costs a query: ~4–8 ms, ×7 per stage)
        if everyone and self._everyone is not None:
            return self._everyone
        if not everyone and fk in self._scopes:
            return self._scopes[fk]
        ws = self.ws
        links = ws.table("community_links") if ws.has_table("community_links") else None
        messages = ws.table("community_messages") if ws.has_table("community_messages") else None
        posts, comments, accounts = ws.table("posts"), ws.table("comments"), ws.table("accounts")
        if everyone:
            self._everyone = Scope(keys, True, posts, comments, accounts, comments, links, messages)
            return self._everyone
        con = ws.con
        tag = f"{len(self._scopes)}"
        kt = con.create_table(f"_ts_scope_keys{tag}", key_table(keys), temp=True, overwrite=True)
        ps, cs, links = creators_tables(
            kt,
            posts,
            comments,
            links,
            keep=lambda name, t: con.create_table(f"_ts_scope_{name}{tag}", t, temp=True, overwrite=True),
        )
        sc = Scope(keys, False, ps, cs, accounts, comments, links, messages)
        self._scopes[fk] = sc
        return sc

    def built_scopes(self) -> list[Scope]:
        """The scopes built since the last :meth:`commit`."""
        return [s for s in (self._everyone, *self._scopes.values()) if s is not None]

    # ------------------------------------------------------------------ stages
    @contextlib.contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        """Add ``name``'s :class:`StageTiming` to :attr:`timings` once the block ends (also when it fails)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            on = "metric lane" if threading.current_thread().name.startswith("tribescope-metrics") else "main"
            timing = StageTiming(
                name, on, start - self.opened, time.perf_counter() - start, self.recomputed.get(name)
            )
            self.timings.append(timing)  # one list.append: safe beside the other thread's

    @_timed_by_name
    def stage(
        self,
        name: str,
        version: str,
        compute: Callable[[Scope], pa.Table],
        *,
        extra: dict[tuple[str, str], str] | None = None,
    ) -> pa.Table:
        """The rows of ``name`` for every creator: cached rows of unchanged creators + ``compute(scope)`` for the
        others. The new rows and state are written by :meth:`commit`; the time it took is added to :attr:`timings`."""
        if not self.cache:
            if self.read_only and self.fingerprints is not None:
                fps = self.stage_fps(version, extra)
                dirty, usable = self.dirty(name, fps)
                if usable and not dirty and set(self._load_state().get(name, {})) == set(fps):
                    return self.ws.duck.execute(f'SELECT * FROM "{PREFIX + name}"').to_arrow_table()
            return canonical(compute(self.scope(set())))
        fps = self.stage_fps(version, extra)
        dirty, usable = self.dirty(name, fps)
        old = self.ws.duck.execute(f'SELECT * FROM "{PREFIX + name}"').to_arrow_table() if usable else None
        gone = set(self._load_state().get(name, {})) - set(fps) if usable else set()
        self.recomputed[name] = len(dirty)
        if not dirty and not gone and old is not None:
            return old
        # nothing stored and no creator to compute (a workspace without creators yet): computed whole, empty
        new = canonical(compute(self.scope(dirty))) if dirty or old is None else None
        if new is not None:
            new = _restrict(new, dirty, keep=True)
        if old is not None:
            keep = _restrict(old, dirty | gone, keep=False)
            if new is not None:
                new = new.select(keep.column_names).cast(keep.schema) if new.schema != keep.schema else new
                out = pa.concat_tables([keep, new])
            else:
                out = keep
        else:
            assert new is not None
            out = new
        out = _sorted(out)
        with self._lock:
            self._pending[name] = (out, fps)
        return out

    def commit(self) -> None:
        """Store the stages computed since the last commit (one transaction) and drop the scope tables."""
        if not self.cache:
            return
        ws = self.ws
        with self._lock:  # emptied in place: the dict is shared with the views of :meth:`on`
            pending = dict(self._pending)
            self._pending.clear()
        if pending:
            rows = [(s, p, c, f) for s, (_, fps) in pending.items() for (p, c), f in fps.items()]
            st = pa.table(
                {
                    "stage": pa.array([r[0] for r in rows], pa.string()),
                    "platform": pa.array([r[1] for r in rows], pa.string()),
                    "creator_id": pa.array([r[2] for r in rows], pa.string()),
                    "fp": pa.array([r[3] for r in rows], pa.string()),
                }
            )
            with ws.transaction():
                for s, (t, _) in pending.items():
                    ws.write_table(PREFIX + s, t)
                ws.duck.execute(
                    f"CREATE TABLE IF NOT EXISTS {STATE} (stage VARCHAR, platform VARCHAR, creator_id VARCHAR, fp VARCHAR)"
                )
                names = list(pending)
                ws.delete_rows(f"DELETE FROM {STATE} WHERE stage IN ({', '.join('?' * len(names))})", names)
                ws.duck.register("__ts_state", st)
                try:
                    ws.duck.execute(f"INSERT INTO {STATE} SELECT * FROM __ts_state")
                finally:
                    ws.duck.unregister("__ts_state")
            state = self._load_state()
            for s, (_, fps) in pending.items():
                state[s] = dict(fps)
        for i in range(len(self._scopes)):
            for t in ("keys", "posts", "comments"):
                ws.duck.execute(f'DROP TABLE IF EXISTS "_ts_scope_{t}{i}"')
        self._scopes.clear()
        self._everyone = None

    def mark_scored(self) -> None:
        """Keep the fingerprints this run read as those of the scores just stored (``creator_scores``), so that
        ``status``, the report and the dashboard can tell any change of a creator's data since (the counts of posts and
        comments miss a post's new likes, an edited comment, a commenter's profile): :func:`changed_since_scored`.
        Called once the scores are written: a failure before leaves the older fingerprints, which then tell a change.
        Only the rows of creators whose fingerprint changed are replaced: a score of unchanged data deletes nothing
        (its checkpoint then skips the vacuum: :meth:`Workspace.commit_vacuum`)."""
        if not self.cache or self.fingerprints is None:
            return
        ws = self.ws
        fps = self.fingerprints
        now = {k: str(f) for k, f in zip(_keys(fps), fps["fp"].to_pylist(), strict=True)}
        then: dict[tuple[str, str], str] = {}
        if ws.has_table(STATE):
            rows = ws.duck.execute(f"SELECT platform, creator_id, fp FROM {STATE} WHERE stage = ?", [SCORED])
            then = {(p, c): f for p, c, f in rows.fetchall()}
        gone = [k for k, f in then.items() if now.get(k) != f]
        new = [k for k, f in now.items() if then.get(k) != f]
        if not gone and not new:
            return
        drop = key_table(gone)
        add = key_table(new)
        add = add.append_column("fp", pa.array([now[k] for k in _keys(add)], pa.string()))
        with ws.transaction():
            ws.duck.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE} (stage VARCHAR, platform VARCHAR, creator_id VARCHAR, fp VARCHAR)"
            )
            ws.duck.register("__ts_gone", drop)
            ws.duck.register("__ts_scored", add)
            try:
                if gone:
                    ws.delete_rows(
                        f"DELETE FROM {STATE} WHERE stage = ? AND (platform, creator_id) IN "
                        "(SELECT platform, creator_id FROM __ts_gone)",
                        [SCORED],
                    )
                ws.duck.execute(
                    f"INSERT INTO {STATE} SELECT ?, platform, creator_id, fp FROM __ts_scored", [SCORED]
                )
            finally:
                ws.duck.unregister("__ts_gone")
                ws.duck.unregister("__ts_scored")

    # ------------------------------------------------------------------ global (cross-creator) results
    def global_fp(self) -> str:
        assert self.fingerprints is not None
        h = hashlib.md5()
        for k, f in zip(_keys(self.fingerprints), self.fingerprints["fp"].to_pylist(), strict=True):
            h.update(f"{k[0]}\x00{k[1]}\x00{f}\n".encode())
        return h.hexdigest()

    @_timed_by_name
    def global_result(self, name: str, version: str, compute: Callable[[], pa.Table]) -> pa.Table:
        """A cross-creator result (e.g. pods), recomputed when any creator's fingerprint changed; its time is added
        to :attr:`timings`."""
        if not self.cache:
            return compute()
        fp = hashlib.md5(f"{self.global_fp()}|{version}".encode()).hexdigest()
        old = self._load_state().get(name, {}).get(("", ""))
        if old == fp and self.ws.has_table(PREFIX + name):
            self.recomputed[name] = 0
            return self.ws.duck.execute(f'SELECT * FROM "{PREFIX + name}"').to_arrow_table()
        self.recomputed[name] = 1
        t = canonical(compute())
        with self._lock:
            self._pending[name] = (t, {("", ""): fp})
        return t


#: stages of a score whose ``creators`` is no count of creators (1 or 0: a result across creators, recomputed or not)
_ACROSS_CREATORS = ("pods",)


def recomputed_text(stages: Iterable[StageTiming], scored: int) -> str:
    """What an incremental score recomputed (``tribescope score`` and the dashboard's re-score say it), from its
    :attr:`ScoreRun.timings` and the creators it scored: "the metrics of 3 of 150 creators were recomputed …" when it
    read the others' from the cache ("" when it computed every creator, or kept no cache: Spark, a read-only
    workspace)."""
    counts = [s.creators for s in stages if s.creators is not None and s.stage not in _ACROSS_CREATORS]
    if not counts or not scored:
        return ""
    n = max(counts)
    if n >= scored:
        return ""
    if n == 0:
        return (
            "no creator's data changed since the last score: every creator's metrics were read from the workspace's "
            "cache and the scores ranked again (`score --full` recomputes every creator)"
        )
    return (
        f"the metrics of {n:,} of {scored:,} creators were recomputed (their data changed since the last score); the "
        "others' were read from the workspace's cache and every score ranked again (`score --full` recomputes every "
        "creator)"
    )


def per_creator_digest(rows: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """``{(platform, creator_id): md5 of its sorted values}`` from ``(platform, creator_id, value)`` rows."""
    acc: dict[tuple[str, str], list[str]] = {}
    for p, c, v in rows:
        acc.setdefault((p, c), []).append(v)
    return {k: hashlib.md5("\x00".join(sorted(v)).encode()).hexdigest() for k, v in acc.items()}


def canonical(t: pa.Table) -> pa.Table:
    """``t`` with the Arrow types a DuckDB round trip gives (what the cache returns), so a stage's rows have the
    same types whether they were just computed or read from the cache."""
    import duckdb

    con = getattr(_ROUNDTRIP, "con", None)
    if con is None:  # one per thread: stages run on two threads (``ScoreRun.on``)
        con = _ROUNDTRIP.con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET threads = 1")
    con.register("__ts_rt", t)
    try:
        return con.execute("SELECT * FROM __ts_rt").to_arrow_table()
    finally:
        con.unregister("__ts_rt")


_ROUNDTRIP = threading.local()
