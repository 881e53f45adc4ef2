"""Sources: one adapter per platform push or file format. Each yields ``Batch`` objects."""
