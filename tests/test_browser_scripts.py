"""A real Chromium walks CON03 as the guide's §7.1 does, Lone Star and Oncor each in their own session: Begin
Working, Bank Info Provided by CR, the TDSP's Task Complete, then the P2P bank transfer with an escalation to the
submitter and a return, to Script Passed. First ERCOT tries to publish a broken script pack from the flight's page
and sees every problem, nothing published."""

import re

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import sign_in
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from tests.test_script_issues_api import flight_in_connectivity_testing, rows_when
from tests.test_script_pack_api import EXAMPLE


async def click(page: Page, label: str, state: str) -> None:
    await page.locator("#actions").get_by_role("button", name=label, exact=True).click()
    await expect(page.locator("#state")).to_have_text(state)


async def with_comment(page: Page, action: str, label: str, comment: str, state: str) -> None:
    await page.fill(f"#comment-{action}", comment)
    await page.locator(f'form[data-action="{action}"]').get_by_role("button", name=label, exact=True).click()
    await expect(page.locator("#state")).to_have_text(state)


async def reloaded_until(page: Page, state: str, tries: int = 40) -> None:
    """Reloads until the item shows `state`: steps are recorded just after a click (or, for a sub-flow that
    has just opened, its page may not exist yet)."""
    for _ in range(tries):
        shown = page.locator("#state")
        if await shown.count() and (await shown.inner_text()).strip() == state:
            return
        await page.wait_for_timeout(250)
        await page.reload()
    await expect(page.locator("#state")).to_have_text(state)


@pytest.mark.browser
async def test_lonestar_and_oncor_walk_con03_to_script_passed(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    designation = await flight_in_connectivity_testing(http)
    ercot_api = await sign_in(http, "admin@ercot.example")
    flight_item = (await http.get(f"/api/v1/flights/{designation}", headers=ercot_api)).json()["item_id"]
    lonestar_api = await sign_in(http, "user@lonestar.example")
    await rows_when(http, lonestar_api, "scripts-ready-to-begin", designation, lambda rows: len(rows) >= 2)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            # ERCOT: a broken pack from the flight's page is refused whole, every problem named.
            ercot = await signed_in_page(browser, stack, "admin@ercot.example")
            await ercot.goto(f"/items/{flight_item}")
            await expect(ercot.locator("#pack-version")).to_contain_text("Version 1")
            broken = EXAMPLE.replace("responsible: TDSP", "responsible: Bank", 1).encode()
            await ercot.set_input_files(
                "#pack-file", files=[{"name": "pack.yaml", "mimeType": "application/yaml", "buffer": broken}]
            )
            await ercot.get_by_role("button", name="Publish", exact=True).click()
            await expect(ercot.locator("#pack-problems")).to_contain_text("Nothing was published")
            await expect(ercot.locator("#pack-problems")).to_contain_text("'Bank'")
            await expect(ercot.locator("#pack-version")).to_contain_text("Version 1")

            # Lone Star finds CON03 in Scripts that are Ready to Begin and begins it.
            lonestar = await signed_in_page(browser, stack, "user@lonestar.example")
            await lonestar.goto(f"/dashboards/current-flight-tasks?flight={designation}")
            ready = lonestar.locator("#scripts-ready-to-begin tr", has_text="CON03")
            await expect(ready).to_have_count(1)
            await ready.get_by_role("link").first.click()
            await expect(lonestar).to_have_url(re.compile(r"/items/\d+$"))
            con03 = lonestar.url
            await click(lonestar, "Begin Working", "Pending Bank Info Provided by CR")
            await click(lonestar, "Bank Info Provided by CR", "Pending TDSP Banking Info sent to CR")
            # Lone Star's page stays open: what Oncor does next shows on it without a reload.
            await lonestar.evaluate("window.notReloaded = true")
            await lonestar.wait_for_function("document.querySelector('main').dataset.liveOpen === 'yes'")

            # Oncor finds it in My Script Tasks and completes its step; the bank-transfer sub-flow opens.
            oncor = await signed_in_page(browser, stack, "user@oncor.example")
            await oncor.goto(f"/dashboards/current-flight-tasks?flight={designation}")
            mine = oncor.locator("#my-script-tasks tr", has_text="CON03")
            await expect(mine).to_have_count(1)
            await mine.get_by_role("link").first.click()
            await click(oncor, "Task Complete", "P2P Bank Transfer in Progress")

            # The sub-flow: Lone Star sends the transfer; Oncor escalates; Lone Star returns; Oncor completes.
            await expect(lonestar.locator("#state")).to_have_text("P2P Bank Transfer in Progress")
            await expect(lonestar.locator('dd[data-field="p2p_item_id"] a')).to_have_count(1)
            assert await lonestar.evaluate("window.notReloaded === true")
            await lonestar.locator('dd[data-field="p2p_item_id"] a').click()
            sub_flow = lonestar.url
            await reloaded_until(lonestar, "Submitter Working")
            await click(lonestar, "Task Complete", "Receiver in Review")
            await oncor.goto(sub_flow)
            await with_comment(
                oncor, "escalate_to_submitter", "Escalate to Submitter", "No transfer yet.", "Escalated to Submitter"
            )
            await lonestar.reload()
            await with_comment(
                lonestar, "return_to_receiver", "Return to Receiver", "Sent again today.", "Receiver in Review"
            )
            await oncor.reload()
            await click(oncor, "Task Complete", "Completed")

            await lonestar.goto(con03)
            await reloaded_until(lonestar, "Script Passed")
            await lonestar.screenshot(path=str(ARTIFACTS / "browser-scripts-con03-passed.png"), full_page=True)
            await lonestar.goto(f"/dashboards/current-flight-tasks?flight={designation}")
            await expect(lonestar.locator("#completed-script-issues tr", has_text="CON03")).to_have_count(1)
        finally:
            await browser.close()
