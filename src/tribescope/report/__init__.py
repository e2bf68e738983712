"""Self-contained static HTML report (``tribescope report --out report.html``) for e-mail.

The same charts as the dashboard, with vega / vega-lite / vega-embed and the page script inlined,
so the file opens offline and fetches nothing.
"""

from tribescope.report._html import render_report, write_report

__all__ = ["render_report", "write_report"]
