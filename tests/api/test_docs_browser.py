"""The interactive API docs render in a real browser under the site's Content-Security-Policy."""

import pytest

from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (apt-get install -y chromium)"),
]


def test_swagger_ui_renders_every_tag_without_csp_violations(page):
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{page.base_url}/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    tags = {t.strip().lower() for t in page.locator(".opblock-tag").all_inner_texts()}
    assert {"customers", "contacts", "follow-ups", "users"} <= {t.split("\n")[0] for t in tags}
    assert page.locator(".opblock").count() >= 40
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
