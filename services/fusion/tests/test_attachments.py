"""Attachments' rules that need no database: names, fields, and who gets a photo's position."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.fusion.attachments import LOCATION_ROLES, check_fields, clean_filename, to_proto
from services.platform import media
from services.platform.scope import Principal

pytestmark = pytest.mark.unit

DOC = {
    "_id": "att-1",
    "case_id": "C1",
    "filename": "a.jpg",
    "content_type": media.JPEG,
    "size": 10,
    "purpose": "evidence",
    "uploaded_by": "worker-1",
    "role": "worker",
    "uploaded_at": datetime(2026, 12, 1, tzinfo=UTC),
    "thumbnail_id": "att-1.thumb",
    "position": {"lon": 116.8, "lat": 35.76},
    "taken_at": datetime(2026, 12, 1, 1, tzinfo=UTC),
}


def test_the_position_and_time_go_to_the_centres_and_the_grid_staff_only():
    assert set(LOCATION_ROLES) == {"county", "street", "community", "secretary", "worker"}
    for role in LOCATION_ROLES:
        shown = to_proto(DOC, Principal("x", role, grid_id="G"))
        assert (
            shown.HasField("position")
            and shown.position.lat == 35.76
            and shown.HasField("taken_at")
        )
        assert not shown.location_withheld
    for role in ("department", "resident", "member"):
        shown = to_proto(DOC, Principal("x", role, department="petition"))
        assert (
            not shown.HasField("position")
            and not shown.HasField("taken_at")
            and shown.location_withheld
        )


def test_a_photo_without_position_is_not_withheld_from_anyone():
    shown = to_proto(
        {**DOC, "position": None, "taken_at": None},
        Principal("x", "department", department="petition"),
    )
    assert not shown.location_withheld and shown.has_thumbnail


@pytest.mark.parametrize(
    "given,content_type,kept",
    [
        ("IMG_0001.JPG", media.JPEG, "IMG_0001.JPG"),
        ("photo.jpeg", media.JPEG, "photo.jpeg"),
        ("C:\\Users\\a\\现场.png", media.PNG, "现场.png"),
        ("../../etc/passwd", media.PDF, "passwd.pdf"),
        ("evil.exe", media.PNG, "evil.exe.png"),
        ("", media.WEBP, "attachment.webp"),
        ("a\x00b\nc.pdf", media.PDF, "abc.pdf"),
    ],
)
def test_a_filename_keeps_its_own_name_without_a_path_and_with_its_true_extension(
    given, content_type, kept
):
    assert clean_filename(given, content_type) == kept


def test_purpose_and_note_are_checked():
    assert check_fields("", "") == ("evidence", [])
    assert check_fields("rectification", "ok") == ("rectification", [])
    assert check_fields("selfie", "x" * 501)[1] == [
        ("purpose", "one of evidence, rectification, document"),
        ("note", "at most 500 characters"),
    ]
