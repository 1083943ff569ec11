"""A real Chromium (issue 15 items 3 and 4): Lone Star's AR composes a dashboard of two reports with their filters and
shares it with the company; a colleague signs in and sees it; the dashboard's flight selector switches the rows."""

import re

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.axe import assert_accessible
from tests.conftest import sign_in, unique
from tests.registration_helpers import create_flight
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page


async def shot(page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"browser-dashboards-{name}.png"), full_page=True)


def flights_in(page, position: int):
    return page.locator(f'section[data-position="{position}"] td[data-column="Flight Designation"]')


@pytest.mark.browser
async def test_a_user_builds_and_shares_a_dashboard_and_a_colleague_switches_its_flight(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    async with httpx.AsyncClient(base_url=stack, timeout=30) as http:
        ercot = await sign_in(http, "admin@ercot.example")
        first, second = (
            (await create_flight(http, ercot))["designation"],
            (await create_flight(http, ercot))["designation"],
        )
    name = unique("Lone Star signups ")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            owner = await signed_in_page(browser, stack, "ar@lonestar.example")
            await owner.get_by_role("link", name="My Dashboards", exact=True).click()
            await assert_accessible(owner)
            await owner.locator("#create-dashboard").click()
            await assert_accessible(owner)
            form = owner.locator("#dashboard-form")
            await form.get_by_label("Name").fill(name)
            # First: Available Flights, left to the dashboard's flight selector. Second: the same report pinned to
            # the second flight by its own saved filters.
            await form.get_by_label("Report 1", exact=True).select_option("available-flights")
            await form.get_by_label("Report 2", exact=True).select_option("available-flights")
            await form.get_by_label("State of report 2").fill("Open for Registration")  # the report has no State
            await form.locator("#save-dashboard").click()
            # A refused form names the field and keeps what was typed.
            await expect(owner.locator(".field-error")).to_have_text(
                "State: the Available Flights report has no State column"
            )
            await expect(form.get_by_label("Name")).to_have_value(name)
            await assert_accessible(owner)
            await form.get_by_label("State of report 2").fill("")
            await form.get_by_label("Flight of report 2").fill(second)
            await form.get_by_label("Search of report 2").fill(second)
            await form.get_by_label("Order of report 2").fill("1")
            await form.get_by_label("Order of report 1").fill("2")
            await form.get_by_label("Share with my company").check()
            await form.locator("#save-dashboard").click()
            await expect(owner).to_have_url(re.compile(r"/my-dashboards/\d+$"))
            await expect(owner.locator("h1")).to_have_text(name)
            # Reordered: the pinned report first, showing only its flight whatever the selector says.
            await expect(owner.locator("section[data-position='0'] .report-filters")).to_contain_text(
                f"Flight: {second}"
            )
            await expect(flights_in(owner, 0)).to_have_text([second])
            await shot(owner, "0-owner")
            await assert_accessible(owner)
            dashboard_url = owner.url

            colleague = await signed_in_page(browser, stack, "user@lonestar.example")
            await colleague.get_by_role("link", name="My Dashboards", exact=True).click()
            await colleague.get_by_role("link", name=name, exact=True).click()
            await expect(colleague).to_have_url(dashboard_url)
            await expect(colleague.locator("#dashboard-owner")).to_contain_text("shared with your company (read-only)")
            await expect(colleague.locator("#edit-dashboard")).to_have_count(0)
            await expect(colleague.locator("#copy-dashboard")).to_be_visible()

            # The flight selector switches the unpinned report's rows; the pinned one stays on its flight.
            selector = colleague.locator("#dashboard-flight")
            await selector.select_option(first)
            await colleague.locator(".dashboard-controls").get_by_role("button", name="Search").click()
            await expect(flights_in(colleague, 1)).to_have_text([first])
            await expect(flights_in(colleague, 0)).to_have_text([second])
            await selector.select_option(second)
            await colleague.locator(".dashboard-controls").get_by_role("button", name="Search").click()
            await expect(flights_in(colleague, 1)).to_have_text([second])
            await shot(colleague, "1-colleague")
            # The built-in dashboards have the same selector; the General dashboard's starts at every flight, since
            # Available Flights must list every flight open for signup.
            await colleague.goto("/")
            await expect(colleague.locator("#dashboard-flight")).to_have_value("")
            general = colleague.locator('#available-flights td[data-column="Flight Designation"]')
            await expect(general.filter(has_text=first)).to_have_count(1)
            await expect(general.filter(has_text=second)).to_have_count(1)
            await colleague.goto(f"/dashboards/general?flight={first}")
            await expect(colleague.locator("#dashboard-flight")).to_have_value(first)
            await expect(colleague.locator('#available-flights td[data-column="Flight Designation"]')).to_have_text(
                [first]
            )
            # One date format on every page: Central time with its zone.
            deadline = colleague.locator('#available-flights td[data-column="Flight Signup Deadline"]')
            await expect(deadline).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} 17:00 C[SD]T$"))
            # The item's history names each person with their company.
            await colleague.locator("#available-flights td a").first.click()
            await expect(colleague.locator('#history td[data-column="Who"]').first).to_have_text(
                "Catherine Meiners (Electric Reliability Council of Texas, Inc.)"
            )
            await expect(colleague.locator("#history td.nowrap").first).to_have_text(
                re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} C[SD]T$")
            )
        finally:
            await browser.close()
