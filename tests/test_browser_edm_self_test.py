"""A real Chromium runs the EDM self-test from a CR's approved specifications: Lone Star clicks Run EDM Self-Test,
the local EDM endpoint receives the file, and the page shows the result and the history row."""

import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import sign_in
from tests.registration_helpers import act
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from tests.test_edm_self_test_api import endpoint, material, specifications  # noqa: F401 - the module's fixtures
from tests.test_specifications_api import approved_lonestar


@pytest.mark.browser
async def test_lonestar_runs_the_edm_self_test_from_its_approved_specifications(stack, http, endpoint, material):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    _, registration = await approved_lonestar(http)
    item_id = int(registration["fields"]["testing_specifications_item_id"])
    user = await sign_in(http, "user@lonestar.example")
    assert (await act(http, user, item_id, "provide", **specifications(endpoint, material))).status_code == 200
    assert (await act(http, await sign_in(http, "reviewer@ercot.example"), item_id, "approve")).status_code == 200
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await signed_in_page(browser, stack, "user@lonestar.example")
            await page.goto(f"/items/{item_id}")
            await expect(page.locator("#state")).to_have_text("Approved")
            await expect(page.locator("#edm-self-test-result")).to_have_count(0)
            await page.locator("#actions").get_by_role("button", name="Run EDM Self-Test", exact=True).click()
            await expect(page.locator("#edm-self-test-result")).to_have_text("Passed")
            await expect(page.locator("#state")).to_have_text("Approved")
            await expect(page.locator("#history")).to_contain_text("Run EDM Self-Test")
            await expect(page.locator("#history")).to_contain_text("request-status=ok")
            await page.screenshot(path=str(ARTIFACTS / "browser-edm-self-test.png"), full_page=True)
        finally:
            await browser.close()
