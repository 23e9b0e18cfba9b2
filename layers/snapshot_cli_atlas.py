"""``python -m gislib atlas``: the CLI dispatcher's module for the atlas command (see layers.snapshot_cli)."""
from __future__ import annotations

from layers.snapshot_cli import add_atlas_arguments as add_arguments
from layers.snapshot_cli import run_atlas as run

__all__ = ["add_arguments", "run"]
