"""The HTTP server: ``jknrules serve`` (FastAPI on uvicorn), for systems that are not Python.

    >>> from jknrules.serve.app import create_app
    >>> from jknrules.serve.config import ServeConfig
    >>> app = create_app(ServeConfig())          # an ASGI app; uvicorn serves it

Needs the ``serve`` extra (``pip install 'jknrules[serve]'``: fastapi, uvicorn,
prometheus-client, fastapi-offline; jinja2 and python-multipart for the pages);
importing this package without them raises :class:`ModuleNotFoundError` saying so. The
interface the pages build on is described at the top of :mod:`jknrules.serve.app`.
"""

from __future__ import annotations

from importlib import import_module

#: The packages of the ``serve`` extra (``pyproject.toml``), checked before anything else.
EXTRA: tuple[str, ...] = ("fastapi", "uvicorn", "prometheus_client", "fastapi_offline",
                          "jinja2", "python_multipart")  # the last two for the pages


def _require_extra() -> None:
    missing = []
    for name in EXTRA:
        try:
            import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        names = ", ".join(missing)
        raise ModuleNotFoundError(
            f"server HTTP memerlukan paket tambahan yang belum terpasang ({names}); pasang "
            "dengan: pip install 'jknrules[serve]' / the HTTP server needs extra packages "
            f"that are not installed ({names}); install them with: pip install "
            "'jknrules[serve]'", name=missing[0])


_require_extra()
