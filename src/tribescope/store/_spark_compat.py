"""Spark SQL compiled to compute what DuckDB computes: string functions whose Spark meaning differs.

The metrics are Ibis expressions run on both engines, and the pyspark backend must give DuckDB's results
(``tests/test_spark_backend.py``, ``tests/test_spark_compat.py``). Ibis compiles a few string operations to Spark
functions that differ from DuckDB's on some inputs; :func:`compiler` is Ibis' PySpark compiler with those fixed
(set on each pyspark workspace's backend: :func:`install`), so that they do not:

* **Regular expressions.** DuckDB runs RE2, Spark Java's ``java.util.regex``; the same pattern string means other
  things to the two (:func:`java_regex`): on Java 17 ``\\b`` is a boundary between *Unicode* letters and the rest,
  RE2's between ASCII word characters and the rest ("dm me for promoção" holds ``promo\\b`` for RE2, not for Java);
  Java's ``\\s`` also holds the vertical tab; Java's ``$`` also matches before a final line break and ``.`` stops at
  ``\\r``, ``\\u2028`` …; Java's ``(?i)`` folds ASCII letters only. Every regex operation with a literal pattern
  (``re_search``, ``re_replace``, ``re_extract``, ``re_split``) is compiled for Spark with the pattern rewritten to
  RE2's meaning, and a ``re_replace`` replacement from RE2's ``\\1`` to Java's ``$1``.
* **``lower()`` / ``upper()``.** Java lower-cases ``İ`` to ``i`` + a combining dot (two characters, and the dot is
  no letter: "İyi" became the two words "i yi"), a word-final ``Σ`` to ``ς``, and ``I`` to a dotless ``ı`` on a JVM
  whose default locale is Turkish; DuckDB (utf8proc's simple case mapping) gives ``i``, ``σ`` and ``i``. Spark
  lower-cases ``translate(s, 'IİΣ', 'iiσ')``, which is DuckDB's result for every string. Java upper-cases ``ß`` to
  ``SS`` and ``i`` to ``İ`` under a Turkish locale, DuckDB to ``ẞ`` and ``I``: Spark upper-cases ``translate(s, 'ßi',
  'ẞI')``. Not covered: the ~100 other characters Java's full case mapping expands (``ŉ``, ``ﬁ``, Greek with a
  subscript iota), which DuckDB leaves as they are (VADER's all-caps test is the only ``upper()`` the metrics run).
* **``strip``/``lstrip``/``rstrip``** (ibis 12 compiles ``TRIM(' \\t\\n\\r\\v\\f' FROM s)``, and Spark SQL reads
  ``\\v`` / ``\\f`` as the letters v and f: ibis-project/ibis#11894) become regex replacements over whitespace.
* **String literals**: a vertical tab, form feed or bell is written ``\\u000B`` / ``\\u000C`` / ``\\u0007`` (sqlglot
  writes ``\\v`` …, which Spark SQL reads as letters).
* **Float literals** as ``DOUBLE`` (:func:`_fix_float_literals`): Spark SQL reads ``13.0`` as a decimal, and a whole
  number over it was a decimal division rounded to 6 decimals.
* **Timestamps** come back from Spark as UTC wall time without a zone (Ibis reads Spark's ``TIMESTAMP`` as a
  timestamp without one; the session is in UTC), DuckDB's with it: a result's timestamps are marked UTC
  (:func:`_results_in_utc`), so ``to_pyarrow()``, ``to_pandas()`` and ``execute()`` give DuckDB's types and every
  command writes ``2026-01-01T04:55:46+00:00`` on both engines (``circle --out`` wrote ``2026-01-01T04:55:46``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["compiler", "install", "java_regex", "java_replacement"]

#: RE2's ASCII word characters (``\\w``, and the two sides of ``\\b``)
_WORD = "[0-9A-Za-z_]"
#: RE2's ``\\s``: tab, newline, form feed, carriage return, space (Java's adds the vertical tab)
_SPACE = r"\t\n\f\r "
_OUTSIDE = {
    "b": f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))",
    "B": f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}


def java_regex(pattern: str) -> str:
    """``pattern`` (RE2 syntax, as DuckDB reads it) written so that Java's regex engine matches exactly the same
    strings at the same places: ``\\b``/``\\B`` as lookarounds over ASCII word characters, ``\\s``/``\\S`` as RE2's
    five blanks, ``$`` as ``\\z`` (end of text), ``.`` as "anything but ``\\n``", ``(?i`` as ``(?iu`` (Unicode case
    folding), and inside a character class ``[`` and ``&&`` as literals (Java reads a nested class and an
    intersection). Everything else means the same to both (``\\d``, ``\\w``, ``\\p{L}``, quantifiers, groups)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    # index in ``pattern`` of the class's first character (after ``[`` and an optional ``^``)
    class_start = -1
    dotall = False  # ``(?s)``: ``.`` matches ``\n`` too, in both
    groups: list[bool] = []  # the enclosing groups' ``dotall``, restored at their ``)``
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":  # \Q…\E: literal text, the same in both
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(pattern[i:end])
                i = end
                continue
            if in_class:
                if nxt == "s":
                    out.append(_SPACE)
                elif nxt == "S":
                    out.append(f"[^{_SPACE}]")  # a nested class: Java's union
                else:
                    out.append(pattern[i : i + 2])
            elif nxt in _OUTSIDE:
                out.append(_OUTSIDE[nxt])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and i > class_start:
                in_class = False
                out.append(ch)
            elif ch == "[" and pattern.startswith("[:", i):  # a POSIX class ([:alpha:]) is RE2's only nesting
                end = pattern.find(":]", i + 2)
                if end < 0:
                    raise ValueError(f"unterminated POSIX class in {pattern!r}")
                out.append(_posix(pattern[i : end + 2], pattern))
                i = end + 2
                continue
            elif ch == "[":
                out.append(r"\[")
            elif ch == "&" and i + 1 < n and pattern[i + 1] == "&":
                out.append(r"&\&")
                i += 2
                continue
            else:
                out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            class_start = i  # a "]" right here is a literal, in both
            continue
        if ch == "(":
            if (
                not pattern.startswith("(?", i)
                or pattern.startswith("(?:", i)
                or pattern[i + 2 : i + 3] in "P<=!"
            ):
                groups.append(dotall)  # a group: its flags end at its ")"
                out.append(ch)
                i += 1
                continue
            j = i + 2
            while j < n and (pattern[j].isalpha() or pattern[j] == "-"):
                j += 1
            flags = pattern[i + 2 : j]
            on, _, off = flags.partition("-")
            if set(flags) - set("is-"):  # m or U would change ^ $ or greediness: not rewritten here
                raise ValueError(f"regex flags {flags!r} are not supported on Spark: {pattern!r}")
            scoped = "s" in on or ("s" not in off and dotall)
            if "i" in on:
                on += "u"  # Unicode case folding, as RE2's
            out.append(f"(?{on}{'-' + off if off else ''}")
            if j < n and pattern[j] == ":":  # (?flags:…): for the group only
                groups.append(dotall)
                dotall = scoped
                i = j
                continue
            if j >= n or pattern[j] != ")":
                raise ValueError(f"unterminated regex flags in {pattern!r}")
            out.append(")")  # (?flags): for the rest of the enclosing group
            dotall = scoped
            i = j + 1
            continue
        if ch == ")":
            dotall = groups.pop() if groups else dotall
            out.append(ch)
        elif ch == "$":
            out.append(r"\z")
        elif ch == "." and not dotall:
            out.append(r"[^\n]")
        else:
            out.append(ch)
        i += 1
    if in_class:
        raise ValueError(f"unterminated character class in {pattern!r}")
    return "".join(out)


_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "space": r"\t\n\x0B\f\r ",
    "punct": r"!-/:-@\[-`{-~",
    "xdigit": "0-9A-Fa-f",
}


def _posix(cls: str, pattern: str) -> str:
    name = cls[2:-2]
    if name.startswith("^") or name not in _POSIX:
        raise ValueError(f"POSIX class {cls} is not supported on Spark: {pattern!r}")
    return _POSIX[name]


def java_replacement(replacement: str) -> str:
    """An RE2 replacement (``\\1`` a group, ``\\\\`` a backslash; ``$`` literal) as Java writes it (``$1``,
    ``\\\\``, ``\\$``)."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement):
            nxt = replacement[i + 1]
            out.append(f"${nxt}" if nxt.isdigit() else "\\\\" if nxt == "\\" else nxt)
            i += 2
            continue
        out.append("\\$" if ch == "$" else "\\\\" if ch == "\\" else ch)
        i += 1
    return "".join(out)


_COMPILER: Any = None


def compiler() -> Any:
    """The PySpark compiler of tribescope's workspaces: a subclass of Ibis' with the fixes of the module doc, so that
    other Ibis PySpark backends of the same process keep Ibis' own meaning."""
    global _COMPILER
    if _COMPILER is None:
        from ibis.backends.sql.compilers.pyspark import PySparkCompiler

        # the fixes are set after the class is made: its __init_subclass__ writes the visitors of Ibis' simple
        # operations (lower, upper, the regex functions) afresh
        cls = type("TribescopePySparkCompiler", (PySparkCompiler,), {})
        _fix_regex(cls)
        _fix_case(cls)
        _fix_strip(cls)
        _fix_float_literals(cls)
        _COMPILER = cls()
    return _COMPILER


def install(backend: Any) -> None:
    """Compile ``backend``'s expressions (an Ibis PySpark backend) with :func:`compiler`. sqlglot's Spark dialect
    writes the three control characters as ``\\uXXXX`` from then on, for every user of it (what Spark reads)."""
    _fix_literals()
    backend.compiler = compiler()
    _results_in_utc(backend)


def _results_in_utc(backend: Any) -> None:
    """Mark the timestamps of ``backend``'s results UTC (``execute``, ``to_pyarrow``, ``to_pyarrow_batches``; on this
    backend only). The workspace's timestamps are instants in UTC and its Spark session's time zone is UTC, so the
    wall time Spark returns is the UTC time; only the zone was missing."""
    import pandas as pd
    import pyarrow as pa

    def arrow(v: Any) -> Any:
        if isinstance(v, pa.Table | pa.RecordBatch):
            cols = [arrow(c) for c in v.columns]
            return type(v).from_arrays(cols, schema=pa.schema(_utc_field(f) for f in v.schema))
        if isinstance(v, pa.Array | pa.ChunkedArray | pa.Scalar) and _naive(v.type):
            return v.cast(pa.timestamp(v.type.unit, "UTC"))
        return v

    def frame(v: Any) -> Any:
        if isinstance(v, pd.DataFrame):
            naive = [c for c in v.columns if _naive_series(v[c])]
            return v.assign(**{c: v[c].dt.tz_localize("UTC") for c in naive}) if naive else v
        if isinstance(v, pd.Series):
            return v.dt.tz_localize("UTC") if _naive_series(v) else v
        if isinstance(v, pd.Timestamp) and v.tzinfo is None:
            return v.tz_localize("UTC")
        return v

    execute, to_pyarrow, to_batches = backend.execute, backend.to_pyarrow, backend.to_pyarrow_batches

    def execute_utc(expr: Any, /, **kw: Any) -> Any:
        return frame(execute(expr, **kw))

    def to_pyarrow_utc(expr: Any, /, **kw: Any) -> Any:
        return arrow(to_pyarrow(expr, **kw))

    def to_batches_utc(expr: Any, /, **kw: Any) -> Any:
        reader = to_batches(expr, **kw)
        schema = pa.schema(_utc_field(f) for f in reader.schema)
        if schema.equals(reader.schema):
            return reader
        return pa.RecordBatchReader.from_batches(schema, (arrow(b) for b in reader))

    backend.execute, backend.to_pyarrow, backend.to_pyarrow_batches = (
        execute_utc,
        to_pyarrow_utc,
        to_batches_utc,
    )


def _naive(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_timestamp(t) and t.tz is None)


def _naive_series(s: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_datetime64_dtype(s.dtype)) and not isinstance(s.dtype, pd.DatetimeTZDtype)


def _utc_field(f: Any) -> Any:
    import pyarrow as pa

    return f.with_type(pa.timestamp(f.type.unit, "UTC")) if _naive(f.type) else f


def _literal_str(node: Any) -> str | None:
    import ibis.expr.operations as ops

    if isinstance(node, ops.Literal) and isinstance(node.value, str):
        return str(node.value)
    return None


def _fix_regex(compiler: Any) -> None:
    import sqlglot.expressions as sge

    def wrap(name: str) -> None:
        base = getattr(compiler, name)

        def visit(self: Any, op: Any, **kw: Any) -> Any:
            pattern = _literal_str(op.pattern)
            if pattern is not None:
                kw["pattern"] = sge.convert(java_regex(pattern))
            if "replacement" in kw:
                replacement = _literal_str(op.replacement)
                if replacement is not None:
                    kw["replacement"] = sge.convert(java_replacement(replacement))
            return base(self, op, **kw)

        setattr(compiler, name, visit)

    for name in ("visit_RegexSearch", "visit_RegexReplace", "visit_RegexExtract", "visit_RegexSplit"):
        wrap(name)


def _fix_case(compiler: Any) -> None:
    import sqlglot.expressions as sge

    def lower(self: Any, op: Any, *, arg: Any) -> Any:
        return self.f.lower(self.f.translate(arg, sge.convert("IİΣ"), sge.convert("iiσ")))

    def upper(self: Any, op: Any, *, arg: Any) -> Any:
        return self.f.upper(self.f.translate(arg, sge.convert("ßi"), sge.convert("ẞI")))

    compiler.visit_Lowercase = lower
    compiler.visit_Uppercase = upper


def _fix_strip(compiler: Any) -> None:
    """``strip``/``lstrip``/``rstrip`` as a regex over whitespace, like DuckDB's (Java's ``\\s`` is the six characters
    of Python's ``string.whitespace``, DuckDB's set). Remove when ibis compiles these correctly
    (``tests/test_spark_backend.py`` checks the output)."""
    import sqlglot.expressions as sge

    def _regex(pattern: str) -> Any:
        def visit(self: Any, op: Any, *, arg: Any) -> Any:
            return self.f.regexp_replace(arg, sge.convert(pattern), sge.convert(""))

        return visit

    compiler.visit_Strip = _regex(r"^\s+|\s+$")
    compiler.visit_LStrip = _regex(r"^\s+")
    compiler.visit_RStrip = _regex(r"\s+$")


def _fix_float_literals(compiler: Any) -> None:
    """A floating-point literal as a ``DOUBLE``: Spark SQL reads ``13.0`` as ``DECIMAL(3,1)``, and an integer over it
    (or over ``GREATEST(n, 0.0)``) is a decimal division rounded to 6 decimals — ``inner_circle``'s weeks-old decay
    ``0.5 ^ (age / 13.0)`` took ``3 / 13`` as 0.230769 (love 4e-8 off DuckDB's, members tied on DuckDB ordered apart);
    DuckDB divides in double."""
    import sqlglot.expressions as sge

    base = compiler.visit_NonNullLiteral

    def visit(self: Any, op: Any, *, value: Any, dtype: Any) -> Any:
        result = base(self, op, value=value, dtype=dtype)
        if dtype.is_floating() and not isinstance(result, sge.Cast):
            return sge.Cast(this=result, to=self.type_mapper.from_ibis(dtype))
        return result

    compiler.visit_NonNullLiteral = visit


def _fix_literals() -> None:
    """A string literal's vertical tab, form feed and bell as ``\\uXXXX`` for Spark SQL: sqlglot writes ``\\v``,
    ``\\f`` and ``\\a``, which Spark SQL reads as the letters v, f and a (a blank class holding a vertical tab matched
    the letter v: ``tests/test_spark_h39_parity.py``)."""
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    dialect = PySparkCompiler.dialect
    escapes = {"\a": "\\u0007", "\v": "\\u000B", "\f": "\\u000C"}
    if all(dialect.ESCAPED_SEQUENCES.get(k) == v for k, v in escapes.items()):
        return
    dialect.ESCAPED_SEQUENCES = {**dialect.ESCAPED_SEQUENCES, **escapes}
