"""Attachments through the gateway: a grid worker's photo of a hazard goes onto the case, is served
back without its EXIF position (which only those who see the case's location get, as fields),
shows in the case and its timeline; another grid's worker cannot see it; bad files are refused
with a 4xx naming the problem."""

from __future__ import annotations

import io
import time
import uuid

import httpx
import pytest
from PIL import Image

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e

# A point in a compound of the synthetic county (文华新城小区).
LON, LAT = 116.783711, 35.746942


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as c:
        yield c


_tokens: dict[str, dict[str, str]] = {}


def auth(client: httpx.Client, username: str) -> dict[str, str]:
    if username not in _tokens:
        reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
        assert reply.status_code == 200, reply.text
        _tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    return _tokens[username]


def gps_photo(size: tuple[int, int] = (1024, 768)) -> bytes:
    """A JPEG as a phone writes it: EXIF with the GPS position and the time it was taken."""
    image = Image.new("RGB", size, (180, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 44.0, 49.0), 3: "E", 4: (116.0, 47.0, 1.4)})
    exif.get_ifd(0x8769).update({36867: "2026:12:02 10:11:12", 36881: "+08:00"})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(scope="module")
def case(client: httpx.Client) -> dict:
    """A fresh case of a fire hazard in one grid, opened by comprehensive governance."""
    event_id = f"att-{uuid.uuid4().hex[:10]}"
    body = {
        "id": event_id,
        "type": "incident.reported",
        "time": "2026-12-02T10:00:00+08:00",
        "category": "safety_hazard.fire",
        "summary": f"楼道堆放杂物，消防通道堵塞 {event_id}",
        "severity": "high",
        "location": {"lon": LON, "lat": LAT},
    }
    reply = client.post(
        "/v1/departments/comprehensive_governance/events",
        json=body,
        headers=auth(client, "dept-comprehensive_governance"),
    )
    assert reply.status_code == 202, reply.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(
            f"/v1/departments/comprehensive_governance/events/{event_id}",
            headers=auth(client, "admin"),
        )
        if status.status_code == 200 and status.json()["status"] == "fused":
            return {
                "case_id": status.json()["case_id"],
                "grid_id": status.json()["grid_id"],
                "event_id": event_id,
            }
        time.sleep(0.25)
    raise AssertionError(f"event {event_id} not fused in 60 s")


def upload(
    client: httpx.Client,
    who: str,
    case_id: str,
    data: bytes,
    name: str = "现场.jpg",
    content_type: str = "image/jpeg",
    **form,
) -> httpx.Response:
    return client.post(
        f"/v1/cases/{case_id}/attachments",
        files={"file": (name, data, content_type)},
        data=form,
        headers=auth(client, who),
    )


def other_grid(client: httpx.Client, grid_id: str) -> str:
    grids = client.get("/v1/grids", headers=auth(client, "admin")).json()["features"]
    return next(g["properties"]["grid_id"] for g in grids if g["properties"]["grid_id"] != grid_id)


def test_a_workers_photo_round_trips_without_its_exif_position_and_shows_on_the_case(client, case):
    worker = f"worker-{case['grid_id']}"
    original = gps_photo()
    reply = upload(client, worker, case["case_id"], original, purpose="evidence", note="堵塞的楼道")
    assert reply.status_code == 201, reply.text
    attachment = reply.json()
    assert attachment["attachment_id"] and attachment["case_id"] == case["case_id"]
    assert attachment["content_type"] == "image/jpeg" and attachment["purpose"] == "evidence"
    assert (attachment["width"], attachment["height"]) == (1024, 768)
    # The grid's own worker sees the case's location detail: the photo's position and time, as fields.
    assert attachment["position"] == pytest.approx(
        {"lon": 116 + 47 / 60 + 1.4 / 3600, "lat": 35 + 44 / 60 + 49 / 3600}
    )
    assert attachment["taken_at"].startswith("2026-12-02T10:11:12")

    served = client.get(attachment["url"], headers=auth(client, worker))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert len(served.content) == attachment["size"]
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (1024, 768)
        assert not image.getexif().get_ifd(0x8825) and len(image.getexif()) == 0
    assert b"PhoneMaker" not in served.content

    thumb = client.get(attachment["thumbnail_url"], headers=auth(client, worker))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) == 320

    detail = client.get(f"/v1/cases/{case['case_id']}", headers=auth(client, worker)).json()
    assert [a["attachment_id"] for a in detail["attachments"]] == [attachment["attachment_id"]]
    uploads = [t for t in detail["timeline"] if t["action"] == "attach"]
    assert len(uploads) == 1 and uploads[0]["actor"] == worker and "现场.jpg" in uploads[0]["note"]
    assert detail["timeline"].index(uploads[0]) > 0  # after the case was opened

    # The county sees it too, with its position; the list answers the same.
    listed = client.get(
        f"/v1/cases/{case['case_id']}/attachments", headers=auth(client, "admin")
    ).json()
    assert (
        listed[0]["attachment_id"] == attachment["attachment_id"]
        and listed[0]["position"] is not None
    )


def test_another_grids_worker_neither_sees_nor_adds_attachments(client, case):
    worker = f"worker-{case['grid_id']}"
    mine = upload(client, worker, case["case_id"], gps_photo((64, 64)))
    assert mine.status_code == 201, mine.text
    stranger = f"worker-{other_grid(client, case['grid_id'])}"
    assert client.get(mine.json()["url"], headers=auth(client, stranger)).status_code == 404
    assert (
        client.get(mine.json()["thumbnail_url"], headers=auth(client, stranger)).status_code == 404
    )
    assert (
        client.get(
            f"/v1/cases/{case['case_id']}/attachments", headers=auth(client, stranger)
        ).status_code
        == 404
    )
    refused = upload(client, stranger, case["case_id"], gps_photo((64, 64)))
    assert refused.status_code == 404 and case["case_id"] in refused.json()["detail"]
    # A department the case was not handed to does not see it either.
    department = auth(client, "dept-petition")
    assert client.get(mine.json()["url"], headers=department).status_code == 404


def test_bad_files_are_refused_with_a_4xx_naming_the_problem(client, case):
    worker = f"worker-{case['grid_id']}"
    empty = upload(client, worker, case["case_id"], b"")
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "file"]
    assert "empty" in empty.json()["detail"][0]["msg"]

    text = upload(client, worker, case["case_id"], b"not a photo at all\n", name="photo.jpg")
    assert text.status_code == 415 and "plain text" in text.json()["detail"]

    gif = upload(
        client,
        worker,
        case["case_id"],
        b"GIF89a" + b"\x00" * 100,
        name="a.gif",
        content_type="image/gif",
    )
    assert gif.status_code == 415 and "GIF image" in gif.json()["detail"]

    broken = upload(client, worker, case["case_id"], b"\xff\xd8\xff\xe0" + b"x" * 1000)
    assert broken.status_code == 422 and "cannot be decoded" in str(broken.json()["detail"])

    # Over the file's limit (10 MB) but inside the form's: read up to the limit, then refused.
    big = upload(
        client, worker, case["case_id"], b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 100)
    )
    assert big.status_code == 413 and "larger than 10 MB" in big.json()["detail"]
    # Far over: refused by its Content-Length, unread.
    huge = upload(client, worker, case["case_id"], b"\xff\xd8\xff" + b"\x00" * (12 * 1024 * 1024))
    assert huge.status_code == 413 and "a file of at most 10 MB" in huge.json()["detail"]

    bad_purpose = upload(client, worker, case["case_id"], gps_photo((32, 32)), purpose="selfie")
    assert bad_purpose.status_code == 422 and "purpose" in str(bad_purpose.json()["detail"])

    missing = upload(client, worker, "no-such-case", gps_photo((32, 32)))
    assert missing.status_code == 404


def test_a_pdf_document_is_kept_as_sent_and_has_no_thumbnail(client, case):
    worker = f"worker-{case['grid_id']}"
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    reply = upload(
        client,
        worker,
        case["case_id"],
        pdf,
        name="整改通知书.pdf",
        content_type="application/pdf",
        purpose="document",
    )
    assert reply.status_code == 201, reply.text
    assert (
        reply.json()["content_type"] == "application/pdf" and reply.json()["thumbnail_url"] is None
    )
    served = client.get(reply.json()["url"], headers=auth(client, worker))
    assert served.status_code == 200 and served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert (
        client.get(f"{reply.json()['url']}/thumbnail", headers=auth(client, worker)).status_code
        == 404
    )


def test_an_open311_photo_is_kept_with_its_event_shown_on_its_case_and_served_as_media_url(client):
    form = {
        "service_code": "environment.garbage",
        "description": "小区门口垃圾堆积三天无人清运",
        "lat": str(LAT),
        "long": str(LON),
        "jurisdiction_id": "370921",
    }
    reply = client.post(
        "/open311/v2/requests.json",
        data=form,
        files={"media": ("垃圾.jpg", gps_photo(), "image/jpeg")},
        headers=auth(client, "admin"),
    )
    assert reply.status_code == 201, reply.text
    request_id = reply.json()[0]["service_request_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(
            f"/v1/departments/comprehensive_governance/events/{request_id}",
            headers=auth(client, "admin"),
        )
        if status.status_code == 200 and status.json()["status"] == "fused":
            break
        time.sleep(0.25)
    else:
        raise AssertionError(f"request {request_id} not fused in 60 s")
    case_id, grid_id = status.json()["case_id"], status.json()["grid_id"]
    worker = f"worker-{grid_id}"
    detail = client.get(f"/v1/cases/{case_id}", headers=auth(client, worker)).json()
    photo = next(a for a in detail["attachments"] if a["event_id"] == request_id)
    assert photo["department"] == "comprehensive_governance" and photo["case_id"] is None
    assert photo["uploaded_by"] == "admin" and photo["content_type"] == "image/jpeg"

    shown = client.get(
        f"/open311/v2/requests/{request_id}.json", headers=auth(client, "admin")
    ).json()[0]
    assert shown["media_url"].endswith(f"/v1/attachments/{photo['attachment_id']}")
    assert shown["media_url"].startswith("http")
    served = client.get(photo["url"], headers=auth(client, worker))
    assert served.status_code == 200 and b"PhoneMaker" not in served.content
    listed = client.get(
        "/open311/v2/requests.json",
        params={"service_request_id": request_id},
        headers=auth(client, "admin"),
    ).json()
    assert listed[0]["media_url"] == shown["media_url"]

    # A request whose file is refused is not taken at all.
    refused = client.post(
        "/open311/v2/requests.json",
        data=form,
        files={"media": ("x.gif", b"GIF89a" + b"\0" * 50, "image/gif")},
        headers=auth(client, "admin"),
    )
    assert (
        refused.status_code == 415
        and "media" in refused.json()["detail"]
        and "GIF" in refused.json()["detail"]
    )
    # Without a file, media_url is the one given, as before.
    plain = client.post(
        "/open311/v2/requests.json",
        data={**form, "media_url": "https://example.cn/p.jpg"},
        headers=auth(client, "admin"),
    )
    assert plain.status_code == 201, plain.text
    again = client.get(
        f"/open311/v2/requests/{plain.json()[0]['service_request_id']}.json",
        headers=auth(client, "admin"),
    )
    assert again.json()[0]["media_url"] == "https://example.cn/p.jpg"


def test_a_department_holding_the_case_adds_evidence_but_never_gets_a_photos_position(client, case):
    """Last here: it takes the module's case round the loop to a department."""
    worker, sec = f"worker-{case['grid_id']}", f"sec-{case['grid_id']}"
    detail = client.get(f"/v1/cases/{case['case_id']}", headers=auth(client, "admin")).json()
    community, street = f"community-{detail['community_id']}", f"street-{detail['street_id']}"
    photo = upload(client, worker, case["case_id"], gps_photo((200, 150)))
    assert photo.status_code == 201 and photo.json()["position"] is not None
    department = "dept-police_assistant"
    assert (
        upload(client, department, case["case_id"], gps_photo((20, 20))).status_code == 404
    )  # not handed yet

    def act(who: str, **body) -> dict:
        reply = client.post(
            f"/v1/cases/{case['case_id']}/actions", json=body, headers=auth(client, who)
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    act(sec, action="escalate", note="需社区协调")
    act(community, action="escalate", note="需街道研判")
    act(street, action="accept")
    act(street, action="assess", risk_level="medium", note="消防隐患")
    assert (
        act(street, action="hand_over", department="police_assistant", note="请警务助理处置")[
            "handed_to"
        ]
        == "police_assistant"
    )

    held = client.get(f"/v1/cases/{case['case_id']}", headers=auth(client, department)).json()
    mine = next(
        a for a in held["attachments"] if a["attachment_id"] == photo.json()["attachment_id"]
    )
    assert (
        mine["position"] is None and mine["taken_at"] is None and mine["location_withheld"] is True
    )
    assert client.get(mine["url"], headers=auth(client, department)).status_code == 200
    added = upload(
        client,
        department,
        case["case_id"],
        gps_photo((300, 200)),
        purpose="rectification",
        note="已清理",
    )
    assert added.status_code == 201, added.text
    assert added.json()["position"] is None and added.json()["location_withheld"] is True
    # The street centre that handed it over sees where the department's photo was taken.
    listed = client.get(
        f"/v1/cases/{case['case_id']}/attachments", headers=auth(client, street)
    ).json()
    theirs = next(a for a in listed if a["attachment_id"] == added.json()["attachment_id"])
    assert theirs["position"] is not None and theirs["uploaded_by"] == department
