"""The optional extras (``pyproject.toml``): one check that a feature's packages are
installed, so that importing the feature without them says which extra to install."""

from __future__ import annotations

from importlib import import_module


def require(extra: str, packages: tuple[str, ...], what_id: str, what_en: str) -> None:
    """Raise ``ModuleNotFoundError`` naming every missing package of ``extra`` and the
    ``pip install`` that brings them (Indonesian, then English)."""
    missing = []
    for name in packages:
        try:
            import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        names = ", ".join(missing)
        raise ModuleNotFoundError(
            f"{what_id} memerlukan paket tambahan yang belum terpasang ({names}); pasang "
            f"dengan: pip install 'jknrules[{extra}]' / {what_en} needs extra packages that "
            f"are not installed ({names}); install them with: pip install "
            f"'jknrules[{extra}]'", name=missing[0])
