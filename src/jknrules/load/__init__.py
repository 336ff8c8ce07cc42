"""Loading: source text with positions, validation, semantic checks, the loader and the policy set."""
