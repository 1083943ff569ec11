"""A real Chromium signs in and opens the main pages and the API docs under FlighTrak's Content-Security-Policy:
nothing on them is refused (no inline script or style, nothing from another site)."""

import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import DEMO_PASSWORD, sign_in
from tests.registration_helpers import create_flight
from tests.test_browser import CHROMIUM_ARGS


@pytest.mark.browser
async def test_the_main_pages_and_the_api_docs_break_no_content_security_policy(stack, http):
    flight = await create_flight(http, await sign_in(http, "admin@ercot.example"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(base_url=stack)
            context.set_default_timeout(30_000)
            page = await context.new_page()
            refusals, failures = [], []
            page.on("console", lambda m: "Content Security Policy" in m.text and refusals.append(m.text))
            page.on("pageerror", lambda error: failures.append(str(error)))

            await page.goto("/signin")
            await page.fill("input[name=email]", "admin@ercot.example")
            await page.fill("input[name=password]", DEMO_PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.locator("h1")).to_contain_text("Welcome")

            await page.goto(f"/items/{flight['item_id']}")
            await expect(page.locator("#state")).to_be_visible()
            await page.goto(f"/dashboards/flight-progress?flight={flight['designation']}")
            await expect(page.locator("h1")).to_contain_text("Flight Progress")
            await page.goto("/reports/available-flights")
            await expect(page.locator("table")).not_to_have_count(0)
            await page.goto("/notices")
            await page.goto("/nowhere")
            await expect(page.locator("h1")).to_have_text("Page not found")

            await page.goto("/docs")
            await expect(page.locator(".swagger-ui .info .title")).to_contain_text("FlighTrak")
            await expect(page.locator(".opblock").first).to_be_visible()
            await page.locator(".opblock-summary").first.click()
            await expect(page.locator(".opblock-body").first).to_be_visible()

            assert refusals == [] and failures == []

            # A refusal would be heard: an inline handler slipped into the page is one.
            async with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
                await page.evaluate("""document.body.insertAdjacentHTML('beforeend', '<img src="/x" onerror="1">')""")
        finally:
            await browser.close()
