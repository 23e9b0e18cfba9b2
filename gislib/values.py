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


def positions_of(column, value: Any):
    """Positions (a numpy int array) of the rows whose ``column`` (a pandas Series) equals ``value``, compared as
    text. For picking one record out of a large frame: ``frame.iloc[int(pos)]`` reads one value per column,
    where ``frame[column == value]`` took every column of the frame (at 600,000 Arrow-backed rows and 61 columns,
    ~60 ms a click)."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.StringDtype):  # numbers, objects: compared as their text
        column = column.astype(str)
    return np.flatnonzero((column == str(value)).fillna(False).to_numpy(dtype=bool))
