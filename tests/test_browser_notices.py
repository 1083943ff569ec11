"""A real Chromium: ERCOT writes ERCOT's NPRR348 reminder (seed 004) on the Write Notice form, table pasted
tab-separated, and publishes it to QSEs; a QSE's user finds it unread on the General dashboard and reads it,
the bill-determinant table as a table; the QSE's AR acknowledges it; ERCOT sees who has and who has not."""

import re

import pytest
from playwright.async_api import Dialog, async_playwright, expect

from flightrak.demo_notices import NPRR348
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page

BRAZOS, PECOS = "148203657", "073915264"


async def shot(page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"browser-notices-{name}.png"), full_page=True)


@pytest.mark.browser
async def test_qse_reads_the_nprr348_notice_and_ercot_sees_who_acknowledged(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            ercot = await signed_in_page(browser, stack, "admin@ercot.example")
            await ercot.get_by_role("link", name="Market Notices", exact=True).click()
            await ercot.locator("#write-notice").click()
            form = ercot.locator("#notice-form")
            await form.locator("input[name=notice_date]").fill(NPRR348["notice_date"])
            await form.locator("select[name=notice_type]").select_option("NPRR")
            await form.locator("input[name=short_description]").fill(NPRR348["short_description"])
            await form.get_by_label("QSEs", exact=True).check()
            await form.locator("input[name=days_affected]").fill(NPRR348["days_affected"])
            for name in ("long_description", "action_required", "additional_information", "contact"):
                await form.locator(f"textarea[name={name}]").fill(NPRR348[name])
            await form.get_by_role("button", name="OK", exact=True).click()
            await expect(ercot).to_have_url(re.compile(r"/notices/\d+$"))
            await expect(ercot.locator("#state")).to_have_text("Draft")
            item_id = int(ercot.url.rsplit("/", 1)[1])

            async def accept(dialog: Dialog) -> None:
                await dialog.accept()

            ercot.on("dialog", accept)
            await ercot.locator("#actions").get_by_role("button", name="Publish", exact=True).click()
            await expect(ercot.locator("#state")).to_have_text("Published")
            heading = await ercot.locator("h1").text_content()
            notice_id = re.search(r"M-[A-Z]\d{6}-\d\d", heading).group()

            qse = await signed_in_page(browser, stack, "ar@pecos-qse.example")
            row = qse.locator(f'#market-notices tr[data-item-id="{item_id}"]')
            await expect(row).to_have_class("unread")
            await expect(row).to_contain_text("New")
            await expect(row).to_contain_text("Acknowledgement due")
            await shot(qse, "0-general-dashboard")
            await row.get_by_role("link", name=notice_id).click()
            await expect(qse.locator('[data-field="notice_type"]')).to_have_text(f"{notice_id} NPRR")
            await expect(qse.locator('[data-field="audience"]')).to_have_text("QSEs")
            await expect(qse.locator('[data-field="days_affected"]')).to_have_text("2012-08-29")
            await expect(qse.locator('[data-field="long_description"] p')).to_have_count(9)
            table = qse.locator('[data-field="additional_information"] table.notice-table')
            await expect(table.locator("thead th")).to_have_text(
                ["Bill Determinant", "Short Description", "Extract", "Extract Table"]
            )
            await expect(table.locator("tbody tr")).to_have_count(5)
            await expect(table.locator("tbody tr").nth(4).locator("td").first).to_have_text("QSFLAG")
            await expect(table.locator("tbody tr").nth(1).locator("td").nth(2)).to_have_text("SIDRTM CODE")
            await expect(qse.locator("#acknowledgement")).to_contain_text("Action required")
            await shot(qse, "1-notice")
            await qse.locator("#actions").get_by_role("button", name="Acknowledge", exact=True).click()
            await expect(qse.locator("#acknowledgement")).to_contain_text("Your company acknowledged this notice")
            await qse.goto("/")
            await expect(qse.locator(f'#market-notices tr[data-item-id="{item_id}"]')).to_have_class("read")

            await ercot.reload()
            acknowledgements = ercot.locator("#acknowledgements")
            await expect(acknowledgements.locator("h2")).to_contain_text("1 of 2 acknowledged")
            pecos = acknowledgements.locator(f'tr[data-duns="{PECOS}"]')
            await expect(pecos.locator('[data-column="Acknowledged"]')).to_have_text("Yes")
            await expect(pecos).to_contain_text("James Whitfield")
            brazos = acknowledgements.locator(f'tr[data-duns="{BRAZOS}"]')
            await expect(brazos.locator('[data-column="Acknowledged"]')).to_have_text("Not yet")
            await expect(ercot.locator("#mail-summary")).to_contain_text("accepted by the SMTP server")
            await shot(ercot, "2-ercot-acknowledgements")
        finally:
            await browser.close()
