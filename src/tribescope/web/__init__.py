"""Dashboard and REST API (FastAPI), a thin shell over the library API.

``create_app(workspace_path, token=None, read_only=True)`` returns the ASGI app; ``tribescope serve``
runs it with uvicorn. Charts are Vega-Lite specs rendered by the vendored vega / vega-lite /
vega-embed files in ``static/vendor`` (nothing is fetched at run time).
"""

from tribescope.web._app import create_app
from tribescope.web._security import UnsafeBind, check_bind, is_loopback

__all__ = ["UnsafeBind", "check_bind", "create_app", "is_loopback"]
