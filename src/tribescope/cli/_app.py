"""The Typer application and the options every command shares."""

from __future__ import annotations

import inspect
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tribescope._bidi import isolate_bidi
from tribescope.errors import TribescopeError
from tribescope.store import DEFAULT_WORKSPACE, Workspace, connect
from tribescope.store._workspace import check_writable, checkpoint, parse_spark_conf

#: ``tribescope --help``: the commands by panel, in the order a user meets them (the main job first)
HELP_PANELS: dict[str, tuple[str, ...]] = {
    "Start here": ("import", "score", "explain", "report", "serve", "status"),
    "Audience and niches": ("accounts", "comments", "pods", "niches", "similar", "overlap", "circle"),
    "Brands and campaigns": ("posts", "ambassadors", "plan", "brand", "campaign"),
    "Data, privacy and models": ("formats", "export", "forget", "synth", "eval", "train"),
}


class _PanelGroup(typer.core.TyperGroup):
    """The top-level group: its commands listed by :data:`HELP_PANELS` (a command missing there comes last, in the
    default panel), each shown under its panel."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _unwrap_help(self)
        for panel, names in HELP_PANELS.items():
            for name in names:
                if name in self.commands:
                    self.commands[name].rich_help_panel = panel  # type: ignore[attr-defined]

    def list_commands(self, ctx: Any) -> list[str]:
        order = {name: i for i, name in enumerate(n for names in HELP_PANELS.values() for n in names)}
        return sorted(self.commands, key=lambda name: order.get(name, len(order)))


def _unwrap_help(group: Any) -> None:
    """Each command's help (its docstring, sub-commands' too) with the line breaks of its paragraphs dropped: Typer
    prints a docstring's lines as they are wrapped in the source ("… goes to" / "OUT/truth/, …" however wide the
    terminal); Rich wraps the paragraph to the terminal instead. Blank lines still part paragraphs."""
    for cmd in getattr(group, "commands", {}).values():
        if cmd.help:
            paragraphs = inspect.cleandoc(cmd.help).split("\n\n")
            cmd.help = "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)
        _unwrap_help(cmd)


app = typer.Typer(
    name="tribescope",
    help="Tell creators who lead real communities from those who only broadcast.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_PanelGroup,
)
#: the width of the output when it is not a terminal (a pipe, a file) and ``COLUMNS`` does not set one: wide enough
#: that a table row stays one line, as ``grep``, ``cut`` and a spreadsheet import expect
PIPE_WIDTH = 10_000


class CliConsole(Console):
    """Rich's console as every command prints: as wide as its content when not writing to a terminal, and silent
    rather than ended when its reader is gone (``| head``), so that the command still writes its ``--out`` files."""

    @property
    def size(self) -> ConsoleDimensions:
        """Rich's size, but :data:`PIPE_WIDTH` wide for a pipe or a file (Rich takes 80 columns, or the terminal's
        of stdin) unless a width was given or ``COLUMNS`` sets one."""
        size = super().size
        if self._width is None and not self.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    def on_broken_pipe(self) -> None:
        """The reader closed the pipe: print nothing more (the rest goes to the null device) and carry on; Rich
        would exit at once, before the command wrote its files. The command ends with its own status."""
        self.quiet = True
        try:
            fd = self.file.fileno()
        except (AttributeError, OSError, ValueError):  # no file descriptor (a test's buffer)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


class PlainTable(Table):
    """A Rich table whose title and text cells are the data's text, never Rich markup: its cells are file names,
    handles and reasons quoting a bad value (a rejected ``[/b]`` made ``status --rejects`` a MarkupError traceback; a
    file named ``[red]acc.csv`` was listed as "acc.csv"). Cells that are renderables (a styled :class:`Text`) stay."""

    def __init__(self, *headers: Any, title: str | Text | None = None, **kwargs: Any) -> None:
        super().__init__(
            *headers, title=Text(isolate_bidi(title)) if isinstance(title, str) else title, **kwargs
        )

    def add_row(self, *renderables: Any, style: Any = None, end_section: bool = False) -> None:
        """Text cells kept to themselves (:func:`~tribescope._bidi.isolate_bidi`): a handle with a right-to-left
        override reversed the rest of its row."""
        super().add_row(
            *(Text(isolate_bidi(r)) if isinstance(r, str) else r for r in renderables),
            style=style,
            end_section=end_section,
        )


console = CliConsole(highlight=False)
err = CliConsole(stderr=True, highlight=False)


@dataclass
class State:
    workspace: str = DEFAULT_WORKSPACE
    backend: str = "duckdb"
    master: str | None = None
    remote: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()
    #: every workspace a command opened, weakly (closed again by :meth:`close_all` unless it is gone already)
    opened: list[weakref.ref[Workspace]] = field(default_factory=list)
    #: DuckDB files the command created (removed again by :meth:`remove_created` when it fails)
    created: list[Path] = field(default_factory=list)

    def open(self, *, read_only: bool = False, create: bool = False) -> Workspace:
        """The command's workspace; ``create``: make a missing one (the commands that bring data in), else a missing
        DuckDB file is an error naming it rather than an empty workspace left behind."""
        path = Path(self.workspace)
        new = create and self.backend == "duckdb" and not path.exists()
        if self.backend == "duckdb" and not read_only:  # refused before the work, not at its commit
            check_writable(path)
        ws = connect(
            self.workspace,
            backend=self.backend,
            read_only=read_only,
            create=create,
            master=self.master,
            remote=self.remote,
            spark_conf=self.spark_conf,
        )
        self.opened.append(weakref.ref(ws))
        if ws.backend == "duckdb" and not read_only:
            # a workspace the command let go (``score`` does) is closed when it is collected: DuckDB's checkpoint
            # then, which leaves the journal beside the file without a word when the disk is full
            weakref.finalize(ws, _closing_checkpoint, ws.duck, ws.path)
        if new:
            self.created.append(path)
        return ws

    def remove_created(self) -> None:
        """Delete the workspaces this command created (after :meth:`close_all`): a command that failed leaves no
        empty workspace behind, which later commands would take for an import that found nothing."""
        created, self.created = self.created, []
        for p in created:
            for f in (p, p.with_name(p.name + ".wal")):
                f.unlink(missing_ok=True)

    def close_all(self) -> None:
        """Close every workspace the command opened (closing twice is harmless): a DuckDB file is checkpointed
        here, before the process exits, whether or not the command closed it (``tribescope score`` leaves it to
        this) and whether or not its objects would be collected at shutdown (see :func:`tribescope.cli.main`)."""
        opened, self.opened = self.opened, []
        for ref in reversed(opened):
            ws = ref()
            if ws is not None:
                _say_checkpoint(ws.path, ws.checkpoint())
                ws.close()


def _closing_checkpoint(duck: Any, path: Path) -> None:
    _say_checkpoint(path, checkpoint(duck, path))


def _say_checkpoint(path: Path, full: str | None) -> None:
    """The closing checkpoint failed for want of space (:meth:`Workspace.checkpoint`): what the command stored is
    safe in the journal, but say so, and keep it (DuckDB's close left the ``.wal`` beside the file without a word)."""
    if full is None:
        return
    wal = path.with_name(path.name + ".wal")
    err.print(
        f"[yellow]warning:[/] what the command stored is committed, in the workspace's journal {escape(str(wal))}, "
        f"but it could not be written into {escape(str(path))}: the disk is full or a file-size limit was reached "
        f"({escape(full)}). Keep the journal beside the workspace: the next command that opens it for writing "
        "writes it in; free some space first",
        highlight=False,
        soft_wrap=True,
    )


state = State()


@app.callback()
def _global(
    workspace: Annotated[
        str,
        typer.Option(
            "--workspace",
            "-w",
            envvar="TRIBESCOPE_WORKSPACE",
            help="DuckDB workspace file (duckdb) or Parquet directory (pyspark).",
        ),
    ] = DEFAULT_WORKSPACE,
    backend: Annotated[
        str, typer.Option("--backend", envvar="TRIBESCOPE_BACKEND", help="duckdb (default) or pyspark.")
    ] = "duckdb",
    master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            "--master",
            envvar="TRIBESCOPE_SPARK_MASTER",
            help="pyspark: Spark master URL — local[4], spark://host:7077, yarn, k8s://… (default local[2]).",
        ),
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option(
            "--spark-remote",
            envvar="TRIBESCOPE_SPARK_REMOTE",
            help="pyspark: Spark Connect address sc://host:15002 (instead of --spark-master).",
        ),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            "--spark-conf",
            envvar="TRIBESCOPE_SPARK_CONF",
            help="pyspark: a Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=4g.",
        ),
    ] = None,
) -> None:
    # "~/brand.duckdb" from an env file or a quoted argument, which no shell expanded, is the home folder's
    state.workspace = os.path.expanduser(os.fspath(workspace))
    state.created = []  # this command's own (a process may run several: tests, the web server's jobs)
    state.backend = backend
    state.master = master
    state.remote = remote
    try:
        state.spark_conf = parse_spark_conf(spark_conf or [])
    except TribescopeError as exc:
        raise fail(exc, code=2) from None


def group(name: str, help_: str) -> typer.Typer:
    """A command group shared by several topics (``eval``, ``train``): created once, then reused."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help=help_, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub


eval_app = group(
    "eval",
    "Measure models and algorithms on labelled real data (the shipped models as they are; `eval niches` refits the"
    " niche classifier on its training part, as `train category` does, to measure it on the held-out creators).",
)
train_app = group("train", "Rebuild the shipped models from the shared data (deterministic).")


#: ``--data`` of the commands that read the Kim et al. posts (:func:`shared_data` when not given)
KimData = Annotated[
    Path | None,
    typer.Option(
        help="Folder holding instagram_influencer_posts_kim/ (default: $TRIBESCOPE_SHARED_DATA, else "
        "shared/data beside the repository, else ../shared/data)."
    ),
]


def shared_data(data: Path | None) -> Path:
    """``--data``, else where every ``eval``/``train`` command looks for the labelled data sets:
    ``$TRIBESCOPE_SHARED_DATA``, else ``shared/data`` beside the repository, else ``../shared/data``
    (:func:`tribescope.authenticity._data.data_root`), whatever the current folder."""
    from tribescope.authenticity._data import data_root

    return data_root(data)


#: where ``tribescope score`` stores the scores the report, the dashboard and ``plan`` read
SCORES_TABLE = "creator_scores"


def has_scores(ws: Workspace) -> bool:
    """Whether ``tribescope score`` has stored scores in ``ws`` (as the report and the dashboard tell)."""
    return ws.has_table(SCORES_TABLE)


def fail(exc: BaseException, code: int = 1) -> typer.Exit:
    """Print a tribescope error for a person (no traceback) and return the exit to raise. The message is text, not
    console markup: a spec's ``[tiers]``, a file name or a handle with brackets is printed as it is."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, soft_wrap=True)
    return typer.Exit(code)


__all__ = [
    "PIPE_WIDTH",
    "SCORES_TABLE",
    "CliConsole",
    "KimData",
    "TribescopeError",
    "app",
    "console",
    "err",
    "eval_app",
    "fail",
    "group",
    "has_scores",
    "shared_data",
    "state",
    "train_app",
]
