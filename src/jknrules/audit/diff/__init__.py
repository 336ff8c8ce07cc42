"""The semantic diff between two policy versions."""
