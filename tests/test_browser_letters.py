"""A real Chromium: ERCOT drafts a flight's qualification letters from the flight's page, finds the CR's letter in
the ERCOT Review dashboard, previews the draft and approves it on the item page; the CR then sees the download link
on the same page and gets the PDF."""

import io
import re

import pypdf
import pytest
from playwright.async_api import async_playwright, expect

from services.gateway.auth import SESSION_COOKIE
from tests.conftest import sign_in
from tests.registration_helpers import new_cr
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from tests.test_letters_api import PACK
from tests.test_script_issues_api import flight_in_connectivity_testing, rows_when


@pytest.mark.browser
async def test_ercot_approves_a_letter_on_its_page_and_the_cr_downloads_it(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    cr = await new_cr(http)
    designation = await flight_in_connectivity_testing(http, PACK, cr=cr)
    ercot_api = await sign_in(http, "reviewer@ercot.example")
    flight_item = (await http.get(f"/api/v1/flights/{designation}", headers=ercot_api)).json()["item_id"]
    await rows_when(http, cr.ar, "scripts-ready-to-begin", designation, lambda rows: len(rows) == 2)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            ercot = await signed_in_page(browser, stack, "reviewer@ercot.example")
            await ercot.goto(f"/items/{flight_item}")
            await ercot.get_by_role("button", name="Draft qualification letters").click()
            await expect(ercot).to_have_url(re.compile(f"/items/{flight_item}"))
            await rows_when(http, ercot_api, "qualification-letters", designation, lambda rows: len(rows) == 1)

            await ercot.goto(f"/dashboards/ercot-review?flight={designation}")
            row = ercot.locator("#qualification-letters tr", has_text=cr.duns)
            await expect(row).to_have_count(1)
            await row.get_by_role("link").first.click()
            await expect(ercot).to_have_url(re.compile(r"/items/\d+$"))
            letter_page = ercot.url
            await expect(ercot.locator("#state")).to_have_text("Awaiting ERCOT Review")
            preview = await ercot.request.get(await ercot.locator("#letter-draft-pdf").get_attribute("href"))
            assert preview.ok and "DRAFT" in pypdf.PdfReader(io.BytesIO(await preview.body())).pages[0].extract_text()
            await ercot.locator("#actions").get_by_role("button", name="Approve", exact=True).click()
            await expect(ercot.locator("#state")).to_have_text("Approved")
            await expect(ercot.locator("#letter-pdf")).to_be_visible()
            await ercot.screenshot(path=str(ARTIFACTS / "browser-letter-approved.png"), full_page=True)

            context = await browser.new_context(base_url=stack)
            token = cr.ar["authorization"].removeprefix("Bearer ")
            await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": stack}])
            mine = await context.new_page()
            await mine.goto(letter_page)
            link = mine.get_by_role("link", name="Download the letter (PDF)")
            await expect(link).to_be_visible()
            pdf = await mine.request.get(await link.get_attribute("href"))
            assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
            text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(await pdf.body())).pages)
            assert f"Flight {designation}" in text and cr.duns in text and "DRAFT" not in text
            assert await mine.locator("#actions").count() == 0  # approving is ERCOT's
        finally:
            await browser.close()
