"""cli: one thin module per command of ``python -m gislib`` (argument parsing only; logic in gislib)."""
