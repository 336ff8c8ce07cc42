"""The HTTP server: ``jknrules serve`` (FastAPI on uvicorn), for systems that are not Python.

    >>> from jknrules.serve.app import create_app
    >>> from jknrules.serve.config import ServeConfig
    >>> app = create_app(ServeConfig())          # an ASGI app; uvicorn serves it

Needs the ``serve`` extra (``pip install 'jknrules[serve]'``: fastapi, uvicorn,
prometheus-client, fastapi-offline; jinja2, python-multipart and itsdangerous for the
pages);
importing this package without them raises :class:`ModuleNotFoundError` saying so. The
interface the pages build on is described at the top of :mod:`jknrules.serve.app`.
"""

from __future__ import annotations

from jknrules.extras import require

#: The packages of the ``serve`` extra (``pyproject.toml``), checked before anything else
#: (the last three for the pages).
EXTRA: tuple[str, ...] = ("fastapi", "uvicorn", "prometheus_client", "fastapi_offline",
                          "jinja2", "python_multipart", "itsdangerous")


require("serve", EXTRA, "server HTTP", "the HTTP server")
