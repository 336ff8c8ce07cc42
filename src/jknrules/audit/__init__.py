"""Auditors' tools: decision records, history, diff and render."""
