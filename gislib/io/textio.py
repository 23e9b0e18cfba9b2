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
            raise DataError(f"{name} 的 UTF-16 内容已损坏（{exc}）。请重新导出为「CSV UTF-8」。") from exc
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), ("gbk" if enc == "gb18030" else enc)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{name} 既不是 UTF-8 也不是 GBK 编码，无法读取。请在 Excel/WPS 中另存为「CSV UTF-8」。")
