"""Entry point: the dashboard's Dash app (``python app.py``) and its WSGI server (``gunicorn app:server``).

The app is built by kpidash.web.app; this module stays beside pages/ and assets/, which Dash finds from it.
"""

from __future__ import annotations

import os

from dash import Dash

from kpidash.web import app as web_app
from kpidash.web import security


def create_app() -> Dash:
    return web_app.create_app(__name__)


app = create_app()
server = app.server  # for gunicorn: `gunicorn app:server`

if __name__ == "__main__":
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8050")),
        debug=security.debug_enabled(),
    )
