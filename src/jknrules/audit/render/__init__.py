"""Rendering a version as a Standar Pelayanan (Markdown, HTML, flow chart)."""
