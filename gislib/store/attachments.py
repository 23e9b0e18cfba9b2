"""gislib.store.attachments: content-addressed files (photos, documents) for store records.

Files are stored once per SHA-256 under ``<data_dir>/attachments/ab/cdef…`` (first two hex
digits as folder). Types are checked by CONTENT (magic bytes), never by file name: JPEG, PNG,
WebP and PDF only. Images must decode with Pillow (decompression-bomb protection on) and get a
256 px JPEG thumbnail under ``<data_dir>/attachments/thumbs/ab/cdef….jpg``.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gislib.errors import NotFoundError, ValidationError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000  # ~ 8660 × 5770; larger images are refused as possible bombs
THUMBNAIL_PX = 256
KINDS = ("photo", "document")
IMAGE_MIMES = ("image/jpeg", "image/png", "image/webp")


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
    thumb = make_thumbnail(filename, bytes(data), max_pixels) if mime in IMAGE_MIMES else None
    return CheckedFile(hashlib.sha256(data).hexdigest(), mime, len(data), thumb)


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
