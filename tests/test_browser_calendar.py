"""A real Chromium (issue 17 item 3): Lone Star's AR opens My Calendar, makes the secret feed URL, and the URL shown
answers an ICS calendar (parsed with icalendar) holding the signup deadline of a flight open for registration; the
form sent again (a reload) leaves that URL working; making a new URL ends the old one; Revoke ends the feed."""

import httpx
import icalendar
import pytest
from playwright.async_api import async_playwright, expect

from tests.axe import assert_accessible
from tests.conftest import sign_in
from tests.registration_helpers import create_flight
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page


@pytest.mark.browser
async def test_a_user_makes_their_calendar_url_and_subscribes_to_it(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    async with httpx.AsyncClient(base_url=stack, timeout=30) as http:
        flight = await create_flight(http, await sign_in(http, "admin@ercot.example"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await signed_in_page(browser, stack, "ar@lonestar.example")
            await page.get_by_role("link", name="My Calendar", exact=True).click()
            await expect(page.locator("h1")).to_have_text("My Calendar")
            await page.locator("#make-calendar").click()
            url = await page.get_by_label("Your calendar URL").input_value()
            assert url.startswith(stack) and "/calendar/ftcal_" in url
            await assert_accessible(page)
            await page.screenshot(path=str(ARTIFACTS / "browser-calendar-made.png"), full_page=True)

            # The first form sent again, as a reload of its answer does: the URL just shown keeps working.
            csrf = await page.locator("#make-calendar").locator("xpath=..").locator("[name=csrf_token]").input_value()
            again = await page.request.post(f"{stack}/my-calendar", form={"csrf_token": csrf, "replaces": ""})
            assert again.status == 200 and "This form was sent again" in await again.text()
            assert url not in await again.text()

            fetched = await page.request.get(url)  # as a calendar app would: the URL alone
            assert fetched.status == 200 and fetched.headers["content-type"].startswith("text/calendar")
            events = icalendar.Calendar.from_ical(await fetched.body()).walk("VEVENT")
            assert f"flight-{flight['designation']}-signup-deadline" in {str(e["UID"]).split("@")[0] for e in events}

            # Opened again, the page no longer shows the URL; a new one ends the old.
            await page.get_by_role("link", name="My Calendar", exact=True).click()
            await expect(page.locator("#calendar-status")).to_contain_text("You have a calendar URL")
            await page.locator("#make-calendar").click()
            newer = await page.get_by_label("Your calendar URL").input_value()
            assert newer != url
            assert (await page.request.get(url)).status == 404
            await page.locator("#revoke-calendar").click()
            await expect(page.locator("#calendar-status")).to_have_text("You have no calendar URL.")
            assert (await page.request.get(newer)).status == 404
        finally:
            await browser.close()
