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

from gislib.errors import NotFoundError, Phrase, ValidationError
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


def _describe(data: bytes) -> Phrase:
    """What a refused file seems to be, as words of the error's language."""
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return Phrase("error.attachment_is.html")
    if head.startswith(b"pk\x03\x04"):
        return Phrase("error.attachment_is.zip")
    if head.startswith((b"<?xml", b"<svg")):
        return Phrase("error.attachment_is.xml")
    return Phrase("error.attachment_is.unknown")


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
        raise ValidationError("error.attachment_kind", field="kind", kind=kind, choices=list(KINDS))
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValidationError("error.attachment_empty", field="file", name=filename)
    if len(data) > max_bytes:
        raise ValidationError("error.attachment_too_big", field="file", name=filename, size=len(data) / 1048576,
                              limit=max_bytes / 1048576, setting="max_attachment_bytes")
    mime = sniff_mime(bytes(data[:16]))
    if mime is None:
        raise ValidationError("error.attachment_type", field="file", name=filename, kind=_describe(bytes(data)))
    if kind == "photo" and mime not in IMAGE_MIMES:
        raise ValidationError("error.attachment_photo_pdf", field="kind", name=filename)
    check_whole_file(filename, bytes(data), mime)
    thumb = make_thumbnail(filename, bytes(data), max_pixels) if mime in IMAGE_MIMES else None
    return CheckedFile(hashlib.sha256(data).hexdigest(), mime, len(data), thumb)


def check_whole_file(filename: str, data: bytes, mime: str) -> None:
    """The whole file is what its first bytes say: ValidationError for polyglots and active PDFs."""
    if mime == "image/png":
        _check_png_end(filename, data)
    if mime == "image/webp" and int.from_bytes(data[4:8], "little") + 8 not in (len(data), len(data) - 1):
        raise ValidationError("error.attachment_webp_length", field="file", name=filename)
    if MARKUP.search(data):
        raise ValidationError("error.attachment_markup", field="file", name=filename)
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
                raise ValidationError("error.attachment_after_iend", field="file", name=filename, extra=len(data) - pos)
            return
    raise ValidationError("error.attachment_no_iend", field="file", name=filename)


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
        raise ValidationError("error.attachment_pdf_active", field="file", name=filename, names=sorted(found))


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
        raise ValidationError("error.image_too_many_pixels", field="file", name=filename, detail=str(exc),
                              limit=max_pixels, setting="max_image_pixels") from exc
    except ValidationError:
        raise
    except Exception as exc:  # truncated or corrupt image data
        raise ValidationError("error.image_broken", field="file", name=filename, detail=str(exc)) from exc


class AttachmentFiles:
    """The content-addressed file area under ``<data_dir>/attachments``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str, thumbnail: bool = False) -> Path:
        """Where the content with this hash lives (whether or not it exists)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationError("error.attachment_hash", field="sha256", value=sha256)
        if thumbnail:
            return self.root / "thumbs" / sha256[:2] / f"{sha256[2:]}.jpg"
        return self.root / sha256[:2] / sha256[2:]

    def existing(self, sha256: str, thumbnail: bool = False) -> Path:
        """The path of stored content; NotFoundError when it is missing."""
        p = self.path(sha256, thumbnail)
        if not p.exists():
            raise NotFoundError("error.attachment_missing", hash=sha256[:12], folder=str(p.parent),
                                part=Phrase("error.attachment_part.thumb" if thumbnail else "error.attachment_part.file"))
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
