"""gislib.values: plain Python values out of pandas/numpy cells."""
from __future__ import annotations

import math
from typing import Any


def python_value(value: Any) -> Any:
    """A cell as a plain Python value: None for every kind of missing (None, NaN, NA, NaT), numpy
    scalars as Python numbers, pandas timestamps as ``datetime``; anything else unchanged."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value
