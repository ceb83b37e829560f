"""Data, not code: the plans, the unit directory and example notification routes (read with importlib.resources)."""
