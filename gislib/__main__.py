"""Entry point for ``python -m gislib``."""
import sys

from cli import main

sys.exit(main())
