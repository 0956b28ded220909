"""What an uploaded file is, by its content, and the clean copy of it that Gridfusion keeps.

Attachments (photos of a hazard, proof of rectification, documents) come from phones and PCs;
what a client declares is not trusted. The rule, one table:

=================  ==========================  ===============================================
type               recognised by               kept as
=================  ==========================  ===============================================
``image/jpeg``     ``FF D8 FF``                decoded and re-encoded (JPEG), without metadata
``image/png``      the PNG signature           decoded and re-encoded (PNG), without metadata
``image/webp``     ``RIFF .... WEBP``          decoded and re-encoded (WebP), without metadata
``application/pdf`` ``%PDF-`` at the start     as sent
anything else      —                           refused: :class:`Refused` ``unsupported``, 415
=================  ==========================  ===============================================

An image is turned upright by its EXIF orientation and written again from its pixels alone, so
the bytes served never carry EXIF (a phone's GPS position among it), XMP or comments. The
photo's EXIF position (WGS84 lon/lat) and the moment it was taken are returned beside it, for the
caller to keep as separate fields that only some readers get. A thumbnail (JPEG, at most
:data:`THUMBNAIL_PX` on its longer side) is made of every image.

The gateway sniffs the first bytes (:func:`sniff`) to answer 415 before anything else; fusion
runs :func:`prepare` on the whole file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
ALLOWED: tuple[str, ...] = (JPEG, PNG, WEBP, PDF)
IMAGES = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf"}
THUMBNAIL_PX = 320
# An image larger than this many pixels is refused: a small file can decode to gigabytes.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 88
# EXIF tags (TIFF/EXIF 2.3): the IFDs and the tags read.
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 306, 36867, 36881
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_TIME, _GPS_DATE = 1, 2, 3, 4, 7, 29

# What other files are, to name them in a refusal (first bytes → name).
_KNOWN = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"<svg", "an SVG image"),
    (b"<?xml", "an XML file"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"ID3", "an MP3 file"),
)


class Refused(ValueError):
    """Why a file is not taken: ``kind`` ``empty`` | ``unsupported`` (415) | ``invalid``."""

    def __init__(self, kind: Literal["empty", "unsupported", "invalid"], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def sniff(head: bytes) -> str | None:
    """The allowed type the first bytes of a file show (16 are enough), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def what_it_is(head: bytes, declared: str = "") -> str:
    """A file that is none of the allowed types, named for the refusal."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace")
        return (
            "a HEIC/HEIF photo"
            if brand.startswith(("hei", "mif", "hev"))
            else f"an ISO media file ({brand})"
        )
    for magic, name in _KNOWN:
        if head.lstrip()[: len(magic)].lower() == magic.lower():
            return name
    if head and _text(head):
        return "plain text"
    return (
        f"of an unknown type (declared as {declared}, which its content is not)"
        if declared
        else "of an unknown type"
    )


def _text(head: bytes) -> bool:
    """Whether the first bytes read as UTF-8 text without control characters (a character
    cut at the end is fine)."""
    text = head[:64].decode("utf-8", errors="ignore")
    return (
        bool(text)
        and len(text.encode()) >= len(head[:64]) - 3
        and all(c.isprintable() or c in "\t\r\n" for c in text)
    )


def unsupported(head: bytes, declared: str = "") -> str:
    """The refusal of a type that is not allowed, naming what the file is and what is."""
    return (
        f"unsupported file type: the file is {what_it_is(head, declared)}; allowed are JPEG, PNG and WebP "
        "images and PDF documents"
    )


def check_type(head: bytes, declared: str = "") -> str:
    """The file's type by its first bytes; :class:`Refused` when it is empty or not allowed."""
    if not head:
        raise Refused("empty", "the file is empty")
    found = sniff(head)
    if found is None:
        raise Refused("unsupported", unsupported(head, declared))
    return found


@dataclass(frozen=True)
class Prepared:
    """A file as kept: its type, its clean bytes, and what was read from it."""

    content_type: str
    data: bytes
    width: int = 0
    height: int = 0
    thumbnail: bytes | None = None
    # (lon, lat), WGS84, from the photo's EXIF GPS; None when it carried none (or a bad one).
    position: tuple[float, float] | None = None
    taken_at: datetime | None = None


def prepare(data: bytes, declared: str = "", *, tz: tzinfo = UTC) -> Prepared:
    """The clean copy of an uploaded file (see the module's table); ``tz`` is the zone of an
    EXIF time written without an offset (the county's). :class:`Refused` otherwise."""
    content_type = check_type(data[:64], declared)
    if content_type == PDF:
        return Prepared(PDF, data)
    return _image(data, content_type, tz)


def _image(data: bytes, content_type: str, tz: tzinfo) -> Prepared:
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = IMAGES[content_type]
    try:
        with Image.open(io.BytesIO(data), formats=[name]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise Refused(
                    "invalid",
                    f"the image is {opened.width}×{opened.height} pixels; at most "
                    f"{MAX_PIXELS // 1_000_000} million are taken",
                )
            exif = opened.getexif()
            position, taken_at = _position(exif), _taken_at(exif, tz)
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except Refused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise Refused(
            "invalid", f"the file starts as a {name} image but cannot be decoded: {exc}"
        ) from exc
    clean = _pixels_only(upright)
    out = io.BytesIO()
    if content_type == JPEG:
        clean.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif content_type == PNG:
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=JPEG_QUALITY)
    return Prepared(
        content_type,
        out.getvalue(),
        clean.width,
        clean.height,
        thumbnail(clean),
        position,
        taken_at,
    )


def _pixels_only(image):
    """A copy of ``image`` with its pixels and nothing else (no EXIF, XMP, ICC, text chunks)."""
    from PIL import Image

    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "P", "I", "I;16", "F"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode in ("I", "I;16", "F"):
        image = image.convert("L")
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    clean.paste(image, (0, 0))
    return clean


def thumbnail(image, size: int = THUMBNAIL_PX) -> bytes:
    """A JPEG of ``image`` at most ``size`` pixels on its longer side (transparency on white)."""
    from PIL import Image

    small = image.copy()
    small.thumbnail((size, size))
    if small.mode in ("RGBA", "LA", "P"):
        small = small.convert("RGBA")
        ground = Image.new("RGB", small.size, (255, 255, 255))
        ground.paste(small, mask=small.getchannel("A"))
        small = ground
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _degrees(value) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def _position(exif) -> tuple[float, float] | None:
    """(lon, lat) from the GPS IFD; None when absent or out of range."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
        if _GPS_LAT not in gps or _GPS_LON not in gps:
            return None
        lat, lon = _degrees(gps[_GPS_LAT]), _degrees(gps[_GPS_LON])
        if str(gps.get(_GPS_LAT_REF, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(_GPS_LON_REF, "E")).upper().startswith("W"):
            lon = -lon
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lon, 7), round(lat, 7)


def _taken_at(exif, tz: tzinfo) -> datetime | None:
    """When the photo was taken: DateTimeOriginal (with its offset, else in ``tz``), else the GPS
    time (UTC), else DateTime."""
    try:
        inner = exif.get_ifd(_EXIF_IFD)
        gps = exif.get_ifd(_GPS_IFD)
    except (TypeError, ValueError, KeyError):
        return None
    original = _exif_time(inner.get(_DATETIME_ORIGINAL))
    if original is not None:
        offset = str(inner.get(_OFFSET_ORIGINAL) or "").strip()
        try:
            return (
                datetime.fromisoformat(original.isoformat() + offset)
                if offset
                else original.replace(tzinfo=tz)
            )
        except ValueError:
            return original.replace(tzinfo=tz)
    if _GPS_DATE in gps and _GPS_TIME in gps:
        try:
            day = datetime.strptime(str(gps[_GPS_DATE]).strip("\x00 "), "%Y:%m:%d")
            h, m, s = (float(x) for x in gps[_GPS_TIME])
            return day.replace(hour=int(h), minute=int(m), second=int(s), tzinfo=UTC)
        except (TypeError, ValueError):
            pass
    plain = _exif_time(exif.get(_DATETIME))
    return plain.replace(tzinfo=tz) if plain is not None else None


def _exif_time(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return moment if 1990 <= moment.year <= 2100 else None
