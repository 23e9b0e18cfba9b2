"""gislib.store.attachments: content-addressed files (photos, documents) for store records.

Files are stored once per SHA-256 under ``<data_dir>/attachments/ab/cdef…`` (first two hex
digits as folder). Types are checked by CONTENT (magic bytes), never by file name: JPEG, PNG,
WebP and PDF only, and the WHOLE file must be of that type: nothing after a PNG's IEND, a WebP's
RIFF size equal to the file's, no HTML/script markup anywhere (polyglots), and no active content in
a PDF (/JavaScript, /JS, /OpenAction, /Launch, /EmbeddedFile, /RichMedia, also inside compressed
object streams and behind #xx name escapes). Images must decode with Pillow (decompression-bomb
protection on) and get a 256 px JPEG thumbnail under ``<data_dir>/attachments/thumbs/ab/cdef….jpg``.
File names are sanitised (:func:`clean_filename`: no control characters or folders, ≤ 120 characters).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from gislib.errors import NotFoundError, ValidationError
from gislib.io.uploads import safe_name

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000  # ~ 8660 × 5770; larger images are refused as possible bombs
THUMBNAIL_PX = 256
KINDS = ("photo", "document")
IMAGE_MIMES = ("image/jpeg", "image/png", "image/webp")
MAX_FILENAME = 120
MARKUP = re.compile(rb"<\s*(script|html|iframe|svg|object|embed|body|meta|link)[\s>/]|javascript:|<\?php",
                    re.IGNORECASE)
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
PDF_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
MAX_PDF_INFLATE = 64 * 1024 * 1024  # bytes of compressed object streams inspected at most


def clean_filename(filename: str) -> str:
    """A stored/shown file name: no NUL/CR/LF or other control characters, no folders, ≤ 120 characters."""
    return safe_name(filename, MAX_FILENAME)


def sniff_mime(data: bytes) -> str | None:
    """The MIME type read from the first bytes: JPEG, PNG, WebP or PDF; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:5] == b"%PDF-":
        return "application/pdf"
    return None


def _describe(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "HTML 网页"
    if head.startswith(b"pk\x03\x04"):
        return "ZIP/Office 文件"
    if head.startswith((b"<?xml", b"<svg")):
        return "XML/SVG"
    return "未知格式"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks."""

    sha256: str
    mime: str
    size: int
    thumbnail: bytes | None  # JPEG bytes for images


def check_content(filename: str, data: bytes, kind: str, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_pixels: int = DEFAULT_MAX_PIXELS) -> CheckedFile:
    """Check type (by content), size and image integrity; build the thumbnail. ValidationError."""
    if kind not in KINDS:
        raise ValidationError(f"附件类别 {kind!r} 无效; 可选: photo、document", field="kind")
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValidationError(f"附件 {filename} 为空: choose the file again", field="file")
    if len(data) > max_bytes:
        raise ValidationError(
            f"附件 {filename} 为 {len(data) / 1048576:.1f} MB, 超过上限 {max_bytes / 1048576:.1f} MB: "
            "compress or split it", field="file")
    mime = sniff_mime(bytes(data[:16]))
    if mime is None:
        raise ValidationError(
            f"附件 {filename} 的内容是{_describe(bytes(data))}, 不是 JPEG/PNG/WebP 图片或 PDF "
            "(按文件内容判断, 与扩展名无关): upload a real photo or PDF", field="file")
    if kind == "photo" and mime not in IMAGE_MIMES:
        raise ValidationError(f"照片 {filename} 是 PDF 文档: attach it as kind='document'", field="kind")
    check_whole_file(filename, bytes(data), mime)
    thumb = make_thumbnail(filename, bytes(data), max_pixels) if mime in IMAGE_MIMES else None
    return CheckedFile(hashlib.sha256(data).hexdigest(), mime, len(data), thumb)


def _refuse(filename: str, what: str, hint: str) -> ValidationError:
    return ValidationError(f"附件 {filename} {what}, 已拒绝 (按整个文件内容判断): {hint}", field="file")


def check_whole_file(filename: str, data: bytes, mime: str) -> None:
    """The whole file is what its first bytes say: ValidationError for polyglots and active PDFs."""
    if mime == "image/png":
        _check_png_end(filename, data)
    if mime == "image/webp" and int.from_bytes(data[4:8], "little") + 8 not in (len(data), len(data) - 1):
        raise _refuse(filename, "的 WebP 长度与文件不符, 文件后附有其他内容", "upload the original photo")
    if MARKUP.search(data):
        raise _refuse(filename, "中夹带 HTML/脚本内容 (多格式伪装文件)", "upload the original photo or PDF")
    if mime == "application/pdf":
        _check_pdf_active(filename, data)


def _check_png_end(filename: str, data: bytes) -> None:
    """Walk the PNG chunks to IEND; nothing may follow it."""
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            if data[pos:].strip(b"\x00"):
                raise _refuse(filename, f"在 PNG 结束块 IEND 之后还有 {len(data) - pos} 字节其他内容", "upload the original photo")
            return
    raise _refuse(filename, "不是完整的 PNG (缺少结束块 IEND)", "upload the original photo")


def _pdf_active_names(data: bytes) -> set[str]:
    """The active-content keys in a PDF text, #xx name escapes decoded (/J#61vaScript is /JavaScript).

    /OpenAction counts only with an action dictionary (``<< /S … >>``); the common ``[page /Fit]``
    destination that PDF writers add is harmless.
    """
    text = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
    names = set(PDF_NAME.findall(text))
    found = {n.decode("latin-1") for n in PDF_ACTIVE if n != b"/OpenAction" and (n in names or n + b"s" in names)}
    if re.search(rb"/OpenAction\s*<<", text):
        found.add("/OpenAction")
    return found


def _pdf_object_streams(data: bytes) -> list[bytes]:
    """The inflated content of the compressed object streams (/ObjStm), where keys can hide."""
    out, budget = [], MAX_PDF_INFLATE
    for m in re.finditer(rb"/ObjStm", data):
        start = data.find(b"stream", m.end())
        end = data.find(b"endstream", start)
        if start < 0 or end < 0 or budget <= 0:
            continue
        body = data[start + 6:end].lstrip(b"\r\n")
        try:
            inflated = zlib.decompressobj().decompress(body, budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        out.append(inflated)
    return out


def _check_pdf_active(filename: str, data: bytes) -> None:
    found = _pdf_active_names(data)
    for stream in _pdf_object_streams(data):
        found |= _pdf_active_names(stream)
    if found:
        raise _refuse(filename, f"是含活动内容 ({', '.join(sorted(found))}) 的 PDF",
                      "print it to a plain PDF (打印为 PDF) and upload that")


def make_thumbnail(filename: str, data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """A JPEG thumbnail (longest side 256 px); ValidationError for broken or oversized images."""
    from PIL import Image, ImageOps

    # Pillow's own bomb check stays on (MAX_IMAGE_PIXELS, error above twice that); we also
    # refuse anything above ``max_pixels`` from the header, before decoding. No global state is
    # changed, so threads may call this at the same time.
    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
            if w * h > max_pixels:
                raise Image.DecompressionBombError(f"{w}×{h}")
            img.load()
            img = ImageOps.exif_transpose(img)
            img.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            f"图片 {filename} 像素过多 ({exc}; 上限 {max_pixels:,} 像素), 可能是解压炸弹: "
            "resize the photo before uploading", field="file") from exc
    except ValidationError:
        raise
    except Exception as exc:  # truncated or corrupt image data
        raise ValidationError(f"图片 {filename} 已损坏, 无法打开 ({exc}): upload the original file",
                              field="file") from exc


class AttachmentFiles:
    """The content-addressed file area under ``<data_dir>/attachments``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str, thumbnail: bool = False) -> Path:
        """Where the content with this hash lives (whether or not it exists)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationError(f"{sha256!r} 不是 SHA-256 (64 位小写十六进制)", field="sha256")
        if thumbnail:
            return self.root / "thumbs" / sha256[:2] / f"{sha256[2:]}.jpg"
        return self.root / sha256[:2] / sha256[2:]

    def existing(self, sha256: str, thumbnail: bool = False) -> Path:
        """The path of stored content; NotFoundError when it is missing."""
        p = self.path(sha256, thumbnail)
        if not p.exists():
            raise NotFoundError(f"附件 {sha256[:12]}… {'缩略图' if thumbnail else '文件'} 不存在于 {p.parent}")
        return p

    def save(self, checked: CheckedFile, data: bytes) -> bool:
        """Write content (and thumbnail) unless already stored; True when it was already there."""
        target = self.path(checked.sha256)
        existed = target.exists()
        if not existed:
            _atomic_write(target, data)
        if checked.thumbnail is not None:
            thumb = self.path(checked.sha256, thumbnail=True)
            if not thumb.exists():
                _atomic_write(thumb, checked.thumbnail)
        return existed


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
