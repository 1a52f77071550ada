"""The team's web app: the radar, the evidence and the gates in a browser.

``assay serve`` runs :func:`create_app` under uvicorn. Every page is a thin route
over the workspace's services (the same ones the CLI calls): HTML for people by
default, the CLI's ``--json`` document with ``Accept: application/json``. Who acts
is proven per request by a session cookie (``POST /login``) or an API token
(``Authorization: Bearer``); every write passes the same permission checks and lands
on the same audit trail as from the command line.
"""

from __future__ import annotations

from assay.web.app import create_app

__all__ = ["create_app"]
