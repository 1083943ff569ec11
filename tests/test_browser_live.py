"""Pages move by themselves: ERCOT has a registration's item page and the ERCOT Review dashboard open in Chromium;
the CR's AR submits the registration through the API; both pages show it in ERCOT's review without a reload."""

import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import sign_in
from tests.registration_helpers import create_flight, new_cr, registered
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page

SUBMITTED = "Registration Review (ERCOT)"


@pytest.mark.browser
async def test_item_page_and_dashboard_show_another_users_action_without_reload(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    cr = await new_cr(http)
    item_id = int((await registered(http, cr.ar, flight["designation"], cr.duns))["item_id"])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            item_page = await signed_in_page(browser, stack, "reviewer@ercot.example")
            await item_page.goto(f"/items/{item_id}")
            await expect(item_page.locator("#state")).to_have_text("Pending Submittal")
            dashboard = await item_page.context.new_page()
            await dashboard.goto(f"/dashboards/ercot-review?flight={flight['designation']}")
            row = dashboard.locator(f'#flight-registration-records tr[data-item-id="{item_id}"]')
            await expect(row).to_contain_text("Pending Submittal")
            for page in (item_page, dashboard):
                # Gone if the page is loaded again; and the events' connection is open before anything changes.
                await page.evaluate("window.notReloaded = true")
                await page.wait_for_function("document.querySelector('main').dataset.liveOpen === 'yes'")

            submitted = await http.post(f"/api/v1/items/{item_id}/actions", json={"action": "submit"}, headers=cr.ar)
            assert submitted.status_code == 200, submitted.text

            await expect(item_page.locator("#state")).to_have_text(SUBMITTED)
            await expect(item_page.locator("#actions")).to_contain_text("Approve")
            await expect(row).to_contain_text(SUBMITTED)
            await expect(dashboard.locator(f'#registrations-for-review tr[data-item-id="{item_id}"]')).to_have_count(1)
            for page in (item_page, dashboard):
                assert await page.evaluate("window.notReloaded === true")
            await dashboard.screenshot(path=str(ARTIFACTS / "browser-live-dashboard.png"), full_page=True)
        finally:
            await browser.close()
