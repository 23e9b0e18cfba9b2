"""Entry point for ``python -m gislib``."""
import sys

from gislib.cli import main

sys.exit(main())
