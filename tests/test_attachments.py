"""Tests of store attachments: content-type checks, size limit, dedup by hash, thumbnails."""
from __future__ import annotations

import hashlib
import io
import zlib

import pytest
from PIL import Image

from gislib.errors import NotFoundError, ValidationError
from gislib.store import open_store
from gislib.store.attachments import sniff_mime

pytestmark = pytest.mark.usefixtures("db_backend")  # every test on SQLite and on PostGIS

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (1000, 500), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path, max_attachment_bytes=200_000, max_image_pixels=2_000_000)
    s.create("outfalls", {"code": "PWK-1", "name": "一号口", "lon": 121.4, "lat": 31.2,
                          "type_l1": "暂无法确定"}, "alice")
    s.create("outfalls", {"code": "PWK-2", "name": "二号口", "lon": 121.5, "lat": 31.3,
                          "type_l1": "暂无法确定"}, "alice")
    yield s
    s.close()


def test_sniff_by_content():
    assert sniff_mime(image_bytes("JPEG")) == "image/jpeg"
    assert sniff_mime(image_bytes("PNG")) == "image/png"
    assert sniff_mime(image_bytes("WEBP")) == "image/webp"
    assert sniff_mime(PDF) == "application/pdf"
    assert sniff_mime(b"<html><body>hi</body></html>") is None


def test_photo_stored_by_hash_with_thumbnail(store, tmp_path):
    data = image_bytes("JPEG")
    info = store.attach("outfalls", "PWK-1", "现场.jpg", data, "bob")
    sha = hashlib.sha256(data).hexdigest()
    assert info["sha256"] == sha and info["mime"] == "image/jpeg" and info["size"] == len(data)
    assert info["path"] == str(tmp_path / "attachments" / sha[:2] / sha[2:])
    assert (tmp_path / "attachments" / sha[:2] / sha[2:]).read_bytes() == data
    thumb = store.attachment_path(sha, thumbnail=True)
    with Image.open(thumb) as img:
        assert img.format == "JPEG" and img.size == (256, 128)  # 1000×500 scaled by 256/1000
    entry = store.audit("outfalls", "PWK-1")[0]
    assert entry["action"] == "attach" and entry["new"]["sha256"] == sha and entry["user"] == "bob"
    assert store.get("outfalls", "PWK-1")["version"] == 1  # attaching does not bump the version


def test_fake_jpeg_is_refused(store, tmp_path):
    html = b"<!DOCTYPE html><html><head><script>alert(1)</script></head></html>"
    with pytest.raises(ValidationError) as exc:
        store.attach("outfalls", "PWK-1", "photo.jpg", html, "bob")
    assert "HTML" in str(exc.value) and "photo.jpg" in str(exc.value)
    assert store.attachments("outfalls", "PWK-1") == []
    assert not (tmp_path / "attachments").exists() or not any((tmp_path / "attachments").rglob("*"))


def test_corrupt_and_oversized_images_refused(store):
    broken = image_bytes("JPEG")[:300]
    with pytest.raises(ValidationError, match="损坏"):
        store.attach("outfalls", "PWK-1", "broken.jpg", broken, "bob")
    big = image_bytes("PNG", size=(1500, 1500))  # 2.25 M pixels > the 2 M limit of this store
    with pytest.raises(ValidationError, match="像素过多"):
        store.attach("outfalls", "PWK-1", "bomb.png", big, "bob")
    with pytest.raises(ValidationError, match="超过上限"):
        store.attach("outfalls", "PWK-1", "huge.pdf", PDF + b"0" * 200_001, "bob", kind="document")
    with pytest.raises(ValidationError, match="为空"):
        store.attach("outfalls", "PWK-1", "empty.jpg", b"", "bob")
    assert store.attachments("outfalls", "PWK-1") == []


def test_pdf_only_as_document(store):
    with pytest.raises(ValidationError, match="document"):
        store.attach("outfalls", "PWK-1", "批复.pdf", PDF, "bob")
    info = store.attach("outfalls", "PWK-1", "批复.pdf", PDF, "bob", kind="document")
    assert info["mime"] == "application/pdf" and info["thumbnail_path"] is None
    with pytest.raises(ValidationError, match="类别"):
        store.attach("outfalls", "PWK-1", "x.pdf", PDF, "bob", kind="video")


def test_same_content_stored_once(store, tmp_path):
    data = image_bytes("PNG", size=(300, 300))
    first = store.attach("outfalls", "PWK-1", "a.png", data, "bob")
    again = store.attach("outfalls", "PWK-1", "a-copy.png", data, "bob")
    other = store.attach("outfalls", "PWK-2", "b.png", data, "carol")
    assert first["deduplicated"] is False and again["deduplicated"] is True and other["deduplicated"] is True
    assert len(store.attachments("outfalls", "PWK-1")) == 1  # same record, same content: one link
    assert [a["filename"] for a in store.attachments("outfalls", "PWK-2")] == ["b.png"]
    files = [p for p in (tmp_path / "attachments").rglob("*") if p.is_file() and "thumbs" not in p.parts]
    assert len(files) == 1


def test_attach_to_missing_record(store):
    with pytest.raises(NotFoundError):
        store.attach("outfalls", "NOPE", "a.jpg", image_bytes(), "bob")
    with pytest.raises(NotFoundError):
        store.attachment_path("0" * 64)


# --------------------------------------------------------------------------- whole-file checks (issue 12)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def honest_pdfs() -> list[bytes]:
    """PDFs made the ways Hetu and officers make them: fpdf2 (our own PDFs) and matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    from fpdf import FPDF
    from matplotlib import pyplot as plt

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Approval 2026-11")
    out = io.BytesIO()
    fig = plt.figure()
    fig.gca().plot([1, 2, 3])
    fig.savefig(out, format="pdf")
    plt.close(fig)
    return [bytes(pdf.output()), out.getvalue()]


@pytest.mark.parametrize("data, name, why", [
    (image_bytes("PNG", size=(50, 50)) + HTML, "look.png", "IEND"),
    (image_bytes("JPEG", size=(50, 50)) + HTML, "look.jpg", "HTML"),
    (image_bytes("WEBP", size=(50, 50)) + HTML, "look.webp", "WebP"),
], ids=["png+html", "jpeg+html", "webp+html"])
def test_image_polyglots_are_refused(store, data, name, why):
    with pytest.raises(ValidationError, match=why) as exc:
        store.attach("outfalls", "PWK-1", name, data, "bob")
    assert name in str(exc.value)
    assert store.attachments("outfalls", "PWK-1") == []


def _objstm_pdf(body: bytes) -> bytes:
    packed = zlib.compress(body)
    return (b"%PDF-1.5\n1 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
            + str(len(packed)).encode() + b" >>\nstream\n" + packed + b"\nendstream\nendobj\n%%EOF\n")


@pytest.mark.parametrize("data, word", [
    (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "/OpenAction"),
    (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >>"), "/JavaScript"),
    (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /AA << /O << /S /Launch /F (cmd.exe) >> >>"), "/Launch"),
    (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /Names << /EmbeddedFiles 2 0 R >>"), "/EmbeddedFile"),
    (_objstm_pdf(b"2 0 << /S /JavaScript /JS (app.alert(1)) >>"), "/JS"),
], ids=["openaction-js", "hex-escaped-names", "launch", "embedded-file", "js-in-object-stream"])
def test_pdfs_with_active_content_are_refused(store, data, word):
    with pytest.raises(ValidationError, match="活动内容") as exc:
        store.attach("outfalls", "PWK-1", "批复.pdf", data, "bob", kind="document")
    assert word in str(exc.value) and "批复.pdf" in str(exc.value)


def test_honest_pdfs_and_photos_still_attach(store):
    for i, data in enumerate(honest_pdfs()):
        assert store.attach("outfalls", "PWK-1", f"批复{i}.pdf", data, "bob", kind="document")["mime"] == "application/pdf"
    for fmt in ("JPEG", "PNG", "WEBP"):
        assert store.attach("outfalls", "PWK-2", f"现场.{fmt.lower()}", image_bytes(fmt, size=(400, 300)), "bob")
    assert len(store.attachments("outfalls", "PWK-1")) == 2 and len(store.attachments("outfalls", "PWK-2")) == 3


def test_file_names_are_sanitised(store):
    data = image_bytes("JPEG", size=(60, 40))
    info = store.attach("outfalls", "PWK-1", "..\\..\\etc/现场\x00照片\r\nSet-Cookie: x" + "长" * 5000 + ".jpg", data, "bob")
    name = info["filename"]
    assert len(name) <= 120 and name.endswith(".jpg")
    assert not any(c in name for c in "\x00\r\n/\\") and name.startswith("现场照片Set-Cookie: x长")
    assert store.attachments("outfalls", "PWK-1")[0]["filename"] == name
