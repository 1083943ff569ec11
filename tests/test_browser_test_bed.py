"""A real Chromium walks test-bed loading (guide §6.3-6.4): Oncor downloads its template, attaches a bad file
and sees every bad row named, attaches a good one and submits it; ERCOT approves it; Lone Star's Pre-Flight (CR)
dashboard then shows Oncor's real ESI IDs where placeholders were, and still placeholders for CenterPoint."""

import csv
import io

import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import sign_in
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from tests.test_specifications_api import approved_lonestar
from tests.test_test_bed_api import esi, filled, loading

ONCOR_NAME = "Oncor Electric Delivery Company LLC"
CENTERPOINT_NAME = "CenterPoint Energy Houston Electric, LLC"


@pytest.mark.browser
async def test_oncor_loads_a_bad_then_a_good_test_bed_and_lonestar_sees_its_esi_ids(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    flight, _ = await approved_lonestar(http)
    designation = flight["designation"]
    item_id = await loading(http, await sign_in(http, "user@oncor.example"), designation)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            oncor = await signed_in_page(browser, stack, "user@oncor.example")
            await oncor.goto(f"/items/{item_id}")
            await expect(oncor.locator("#state")).to_have_text("Test Bed Loading")

            # The template, as the link downloads it.
            async with oncor.expect_download() as started:
                await oncor.locator("#template-csv").click()
            download = await started.value
            template = list(csv.DictReader(io.StringIO((await download.path()).read_text(encoding="utf-8-sig"))))
            assert download.suggested_filename.endswith("-template.csv") and len(template) == 8  # MVO-MVI01: 2
            good = filled(template, first_esi_id=5000)

            # A bad file: a 16-digit ESI ID on row 3 and a formula on row 5; every one named, nothing kept.
            lines = good.decode("utf-8-sig").split("\r\n")
            lines[2] = lines[2].replace(f",{esi(5002)},", f",{esi(5002)[:-1]},")
            lines[4] = lines[4].replace("Test Premise 5004", "@SUM(A1:A9)")
            await oncor.set_input_files(
                "#test-bed-file",
                files=[{"name": "oncor.csv", "mimeType": "text/csv", "buffer": "\r\n".join(lines).encode()}],
            )
            await oncor.get_by_role("button", name="Attach and Validate").click()
            problems = oncor.locator("#test-bed-problems")
            await expect(problems).to_contain_text("The test bed has 2 problems; nothing of it was kept")
            await expect(problems.locator("tr[data-row='3']")).to_contain_text("has 16 digits")
            await expect(problems.locator("tr[data-row='5']")).to_contain_text("formula")
            await expect(oncor.locator("#state")).to_have_text("Test Bed Loading")
            await expect(oncor.locator("#attached-test-bed")).to_have_count(0)
            await oncor.screenshot(path=str(ARTIFACTS / "browser-test-bed-0-bad-file.png"), full_page=True)

            # The good file: kept, then submitted.
            await oncor.set_input_files(
                "#test-bed-file", files=[{"name": "oncor.csv", "mimeType": "text/csv", "buffer": good}]
            )
            await oncor.get_by_role("button", name="Attach and Validate").click()
            await expect(oncor.locator("#attached-test-bed")).to_contain_text("oncor.csv, 8 rows")
            await expect(oncor.locator("#test-bed-problems")).to_have_count(0)
            await oncor.locator("#actions").get_by_role("button", name="Submit", exact=True).click()
            await expect(oncor.locator("#state")).to_have_text("Test Bed Review (ERCOT)")

            # ERCOT reviews it: the attached file is there to download; Approve.
            reviewer = await signed_in_page(browser, stack, "reviewer@ercot.example")
            await reviewer.goto(f"/items/{item_id}")
            await expect(reviewer.locator("#attached-test-bed")).to_contain_text("8 rows")
            await reviewer.locator("#actions").get_by_role("button", name="Approve", exact=True).click()
            await expect(reviewer.locator("#state")).to_have_text("Completed")

            # Lone Star's dashboard: real ESI IDs for Oncor's rows, placeholders for CenterPoint's.
            lonestar = await signed_in_page(browser, stack, "user@lonestar.example")
            await lonestar.goto("/dashboards/pre-flight-cr")
            table = lonestar.locator("#cr-scripts-test-bed")
            await expect(table.locator(".report-note")).to_contain_text("ESIID1")
            rows = table.locator(f"tr[data-item-id='{item_id}']")
            await expect(rows).to_have_count(8)
            await expect(rows.first.locator("td[data-column='ESI ID']")).to_have_text(esi(5001))
            centerpoint = table.locator("tr", has_text=CENTERPOINT_NAME).filter(has_text=designation)
            await expect(centerpoint.first.locator("td[data-column='ESI ID']")).to_have_text("ESIID1")
            await expect(centerpoint.first.locator("td[data-column='Zip Code']")).to_have_text("")
            await lonestar.screenshot(path=str(ARTIFACTS / "browser-test-bed-1-cr-dashboard.png"), full_page=True)
        finally:
            await browser.close()
