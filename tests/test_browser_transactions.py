"""A real Chromium: ERCOT attaches a transaction that matched nothing to the switch waiting for it, from the
Unmatched Transactions report's row. A first try names an issue that waits for no transaction and is refused
beside the row, what was typed kept; the second lands on the switch, moved on, ERCOT's comment in its history."""

import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import sign_in, system_sign_in
from tests.registration_helpers import LONESTAR, act
from tests.test_attach_transaction_api import ELSEWHERE, key
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from tests.test_script_issues_api import ERCOT_DUNS, flight_in_connectivity_testing, receipt, rows_when


@pytest.mark.browser
async def test_ercot_attaches_an_unmatched_transaction_from_the_report(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    designation = await flight_in_connectivity_testing(http)
    ercot_api = await sign_in(http, "admin@ercot.example")
    flight = (await http.get(f"/api/v1/flights/{designation}", headers=ercot_api)).json()
    assert (await act(http, ercot_api, flight["item_id"], "open_business_testing")).status_code == 200
    lonestar_api = await sign_in(http, "user@lonestar.example")
    ready = await rows_when(
        http,
        lonestar_api,
        "scripts-ready-to-begin",
        designation,
        lambda rows: any(r["Script ID"] == "SW01" for r in rows),
    )
    switch = int(next(r for r in ready if r["Script ID"] == "SW01")["Item ID"])
    move_out = int(next(r for r in ready if r["Script ID"] == "MVO01")["Item ID"])
    await act(http, lonestar_api, switch, "begin_working")
    sent = receipt(201, "814_01", LONESTAR, ERCOT_DUNS, esi_id=ELSEWHERE)
    taken = await http.post("/api/v1/transactions", json=sent, headers=await system_sign_in(http))
    assert taken.json()["matched_item_id"] is None, taken.text

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            ercot = await signed_in_page(browser, stack, "admin@ercot.example")
            await ercot.goto("/reports/unmatched-transactions")
            row = ercot.locator(f'form[data-transaction="{key(sent)}"]')
            await row.get_by_label("Item ID").fill(str(move_out))
            await row.get_by_label("Comment (required)").fill("Sent on the old premise; it is this switch's.")
            await row.get_by_role("button", name="Attach").click()
            row = ercot.locator(f'form[data-transaction="{key(sent)}"]')
            await expect(row.get_by_role("alert")).to_contain_text("not possible in state Ready to Begin")
            await expect(row.get_by_label("Comment (required)")).to_have_value(
                "Sent on the old premise; it is this switch's."
            )
            await ercot.screenshot(path=str(ARTIFACTS / "unmatched-transaction-refused.png"), full_page=True)
            await row.get_by_label("Item ID").fill(str(switch))
            await row.get_by_role("button", name="Attach").click()
            await expect(ercot).to_have_url(f"{stack}/items/{switch}")
            await expect(ercot.locator("#state")).to_have_text("Pending 814_03 to TDSP")
            await expect(ercot.locator("#history")).to_contain_text("Transaction Attached")
            await expect(ercot.locator("#history")).to_contain_text("Sent on the old premise; it is this switch's.")
            await ercot.goto("/reports/unmatched-transactions")
            await expect(ercot.locator(f'form[data-transaction="{key(sent)}"]')).to_have_count(0)
        finally:
            await browser.close()
