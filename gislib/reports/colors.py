"""gislib.reports.colors: small colour helpers shared by the PDF and image writers."""
from __future__ import annotations


def hex_to_rgb(hex_color: str) -> tuple[int, int, int]:
    """'#d62728' -> (214, 39, 40)."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def text_color_on(hex_color: str) -> tuple[int, int, int]:
    """Black or white text, whichever reads better on ``hex_color`` (ITU-R BT.601 luma)."""
    r, g, b = hex_to_rgb(hex_color)
    return (0, 0, 0) if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else (255, 255, 255)
