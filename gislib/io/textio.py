"""gislib.io.textio: decoding the text files officers bring (UTF-8 with or without BOM, UTF-16, GBK/GB18030)."""
from __future__ import annotations

from gislib.errors import DataError


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) trying UTF-8 (with or without BOM), UTF-16 (BOM), then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel "Unicode text"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataError("error.utf16_broken", name=name, detail=exc) from exc
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), ("gbk" if enc == "gb18030" else enc)
        except UnicodeDecodeError:
            continue
    raise DataError("error.encoding_unknown", name=name)
