"""An uploaded file is taken by its content: images re-encoded without their metadata (a phone's
GPS position never survives), their EXIF position and time read out beside them, PDFs by their
header, anything else refused naming what it is."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from services.platform import media

pytestmark = pytest.mark.unit

CHINA = timezone(timedelta(hours=8))


def photo(
    fmt: str = "JPEG",
    size: tuple[int, int] = (800, 600),
    *,
    gps: bool = False,
    orientation: int = 0,
    mode: str = "RGB",
) -> bytes:
    """A real image made here; with ``gps`` it carries EXIF GPS (宁阳, 35.759° N 116.805° E) and
    the moment it was taken, as a phone writes them."""
    image = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128))
    for x in range(size[0] // 2):  # the left half a different colour, to see orientation
        for y in range(0, size[1], 7):
            image.putpixel((x, y), (10, 200, 10) if mode == "RGB" else (10, 200, 10, 255))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"
        ifd = exif.get_ifd(0x8825)
        ifd.update(
            {
                1: "N",
                2: (35.0, 45.0, 32.4),
                3: "E",
                4: (116.0, 48.0, 18.0),
                29: "2026:12:01",
                7: (1.0, 2.0, 3.0),
            }
        )
        inner = exif.get_ifd(0x8769)
        inner.update({36867: "2026:12:01 09:02:03", 36881: "+08:00"})
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if (gps or orientation) else image.save(out, fmt)
    return out.getvalue()


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif()


def test_a_photo_with_gps_is_reencoded_without_it_and_its_position_and_time_come_apart():
    original = photo(gps=True)
    assert exif_of(original).get_ifd(0x8825), "the test photo must carry GPS to begin with"
    kept = media.prepare(original, "image/jpeg", tz=CHINA)
    assert kept.content_type == media.JPEG
    assert not exif_of(kept.data).get_ifd(0x8825)
    assert len(exif_of(kept.data)) == 0
    assert b"Exif" not in kept.data[:4096] and b"PhoneMaker" not in kept.data
    lon, lat = kept.position
    assert lat == pytest.approx(35 + 45 / 60 + 32.4 / 3600) and lon == pytest.approx(
        116 + 48 / 60 + 18 / 3600
    )
    assert kept.taken_at == datetime(2026, 12, 1, 9, 2, 3, tzinfo=CHINA)
    assert (kept.width, kept.height) == (800, 600)


@pytest.mark.parametrize("fmt,content_type", [("PNG", media.PNG), ("WEBP", media.WEBP)])
def test_png_and_webp_with_gps_keep_their_type_and_lose_their_metadata(fmt, content_type):
    kept = media.prepare(photo(fmt, gps=True), tz=UTC)
    assert kept.content_type == content_type
    assert not exif_of(kept.data).get_ifd(0x8825) and b"PhoneMaker" not in kept.data
    assert kept.position is not None
    with Image.open(io.BytesIO(kept.data)) as image:
        assert image.format == fmt and image.size == (800, 600)


def test_a_photo_turned_by_its_exif_orientation_is_served_upright():
    kept = media.prepare(photo(size=(400, 200), orientation=6))  # 6: rotate 90° clockwise to view
    assert (kept.width, kept.height) == (200, 400)
    assert len(exif_of(kept.data)) == 0


def test_every_image_gets_a_jpeg_thumbnail_of_at_most_320_px_even_a_transparent_one():
    for data in (photo(size=(1600, 900)), photo("PNG", size=(500, 1000), mode="RGBA")):
        kept = media.prepare(data)
        with Image.open(io.BytesIO(kept.thumbnail)) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) == media.THUMBNAIL_PX


def test_a_photo_without_exif_has_no_position_or_time():
    kept = media.prepare(photo())
    assert kept.position is None and kept.taken_at is None


def test_a_pdf_is_taken_by_its_header_as_sent_without_a_thumbnail():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    kept = media.prepare(pdf, "application/octet-stream")
    assert kept.content_type == media.PDF and kept.data == pdf and kept.thumbnail is None


def test_an_empty_file_is_refused_as_empty():
    with pytest.raises(media.Refused) as refused:
        media.prepare(b"")
    assert refused.value.kind == "empty" and "empty" in refused.value.message


@pytest.mark.parametrize(
    "data,named",
    [
        (b"GIF89a" + b"\x00" * 20, "GIF image"),
        (b"PK\x03\x04" + b"\x00" * 20, "ZIP archive"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20, "HEIC"),
        (b"hello, this is a note\n", "plain text"),
        ("这不是照片，是一段说明文字\n".encode(), "plain text"),
        (
            b"\x00\x01\x02\x03binary",
            "unknown type (declared as image/jpeg, which its content is not)",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG image"),
    ],
)
def test_another_type_is_refused_as_unsupported_naming_what_it_is(data, named):
    with pytest.raises(media.Refused) as refused:
        media.prepare(data, "image/jpeg")  # the declared type is not believed
    assert refused.value.kind == "unsupported"
    assert named in refused.value.message and "JPEG, PNG and WebP" in refused.value.message


def test_a_file_that_starts_like_a_jpeg_but_is_not_one_is_refused_as_invalid():
    with pytest.raises(media.Refused) as refused:
        media.prepare(b"\xff\xd8\xff\xe0" + b"garbage" * 100)
    assert refused.value.kind == "invalid" and "JPEG" in refused.value.message


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(media, "MAX_PIXELS", 1000)
    with pytest.raises(media.Refused) as refused:
        media.prepare(photo(size=(100, 100)))
    assert refused.value.kind == "invalid" and "pixels" in refused.value.message


def test_sniff_reads_the_first_bytes_only():
    assert media.sniff(photo()[:16]) == media.JPEG
    assert media.sniff(photo("PNG")[:16]) == media.PNG
    assert media.sniff(photo("WEBP")[:16]) == media.WEBP
    assert media.sniff(b"%PDF-1.7") == media.PDF
    assert media.sniff(b"GIF89a") is None
