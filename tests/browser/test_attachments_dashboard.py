"""A photo on a case in the dashboard (headless Chromium): the grid's worker uploads a
rectification photo from the case's detail, sees its thumbnail and the upload in the timeline,
and clicks it for the full image — served without the phone's EXIF position."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image

from services.local import LocalPlatform
from tests.browser.polling import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_output(output_dir: Path) -> Path:
    path = output_dir / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def submit_case(platform: LocalPlatform) -> tuple[str, str]:
    """One hazard on the grid of 府前街99号; returns (grid_id, case_id)."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post(
            "/v1/auth/token", data={"username": "admin", "password": platform.demo_password}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        grid_id = client.get(
            "/v1/locate", params={"lon": 116.8052, "lat": 35.7598}, headers=headers
        ).json()["grid_id"]
        event_id = f"browser-att-{uuid.uuid4().hex[:10]}"
        reply = client.post(
            "/v1/departments/comprehensive_governance/events",
            headers=headers,
            json={
                "id": event_id,
                "type": "incident.reported",
                "time": "2026-12-02T10:00:00+08:00",
                "category": "safety_hazard.building",
                "summary": f"外墙瓷砖松动有坠落风险 {event_id}",
                "location": {"lon": 116.8052, "lat": 35.7598},
            },
        )
        assert reply.status_code == 202, reply.text
        for _ in range(150):
            status = client.get(f"/v1/events/{event_id}", headers=headers).json()
            if status["status"] == "fused":
                return grid_id, status["case_id"]
            time.sleep(0.2)
    raise AssertionError("the event was not fused")


def phone_photo(path: Path) -> Path:
    image = Image.new("RGB", (1200, 900), (90, 140, 200))
    for x in range(0, 1200, 40):
        for y in range(900):
            image.putpixel((x, y), (250, 250, 250))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 45.0, 35.0), 3: "E", 4: (116.0, 48.0, 19.0)})
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def test_a_worker_adds_a_rectification_photo_and_opens_it_full_size(
    platform: LocalPlatform, browser, browser_output: Path, tmp_path: Path
) -> None:
    grid_id, case_id = submit_case(platform)
    photo = phone_photo(tmp_path / "整改后.jpg")
    page = browser.new_page(viewport={"width": 1500, "height": 950}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    try:
        page.goto(platform.gateway_url + "/")
        page.fill("input[name=username]", f"worker-{grid_id}")
        page.fill("input[name=password]", platform.demo_password)
        page.click("#login button[type=submit]")
        row = page.locator(f"#cases tr[data-case-id='{case_id}']")
        row.wait_for(timeout=30000)
        row.click()
        page.wait_for_selector(f"#detail[data-case-id='{case_id}'] #attachments")
        assert "暂无附件" in page.inner_text("#attachments")

        page.set_input_files("#attachment-file", str(photo))
        page.select_option("#attachment-purpose", "rectification")
        page.fill("#attachment-note", "瓷砖已清除，加装防护网")
        page.click("#attachment-upload")
        page.wait_for_selector("#attachments figure[data-purpose='rectification']", timeout=20000)
        wait_until(
            page,
            "(document.querySelector('#attachments img.attachment-thumb')?.src || '')"
            ".startsWith('data:image/jpeg')",
        )
        caption = page.inner_text("#attachments figure[data-purpose='rectification'] figcaption")
        assert "整改照片" in caption and f"worker-{grid_id}" in caption and "瓷砖已清除" in caption
        assert "拍摄位置 35.7" in caption  # the grid's own worker sees where it was taken
        assert "上传附件" in page.inner_text("#detail .timeline")
        # the thumbnail is small; a click shows the full image over the page
        width = page.evaluate(
            "document.querySelector('#attachments img.attachment-thumb').naturalWidth"
        )
        assert width == 320
        page.screenshot(path=str(browser_output / "case-attachments.png"), full_page=True)
        page.click("#attachments .attachment-open")
        wait_until(page, "document.querySelector('#attachment-full-image')?.naturalWidth === 1200")
        page.screenshot(path=str(browser_output / "attachment-full.png"))
        page.keyboard.press("Escape")
        wait_until(page, "!document.querySelector('#attachment-full')")

        # a file that is not a photo is refused in place, naming what it is
        text = tmp_path / "notes.jpg"
        text.write_text("这不是照片")
        page.set_input_files("#attachment-file", str(text))
        page.click("#attachment-upload")
        wait_until(
            page, "document.querySelector('#attachment-message').textContent.includes('415')"
        )
        assert "plain text" in page.inner_text("#attachment-message")
    finally:
        page.close()
    assert errors == []
