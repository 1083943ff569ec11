"""A real Chromium walks ERCOT's administration in pages only: ERCOT's admin creates a CR (through a refused form
first) with its MP Admin, whose set-password link arrives by mail; the MP Admin sets a password, signs in and adds an
AR (Add New User), who gets the link by mail too; ERCOT gives the AR role on the company's users page; the AR
registers for an open flight (made through the API: the flight is not what is tested). Then ERCOT deactivates the
company: the AR's open page loses its session and the AR's sign-in is refused."""

import random
import re

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from services.gateway.pages import USER_FIELD_LABELS
from tests.conftest import DEMO_PASSWORD, new_user_fields, sign_in
from tests.registration_helpers import ONCOR, create_flight
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_invitation import sign_in_page
from tests.test_company_admin_api import link_mailed_to

NEW_PASSWORD = "Administered-password-31"


async def new_page(browser: Browser, base_url: str) -> Page:
    page = await (await browser.new_context(base_url=base_url)).new_page()
    page.set_default_timeout(30_000)
    return page


async def set_password_from(page: Page, link: str) -> None:
    await page.goto(link)
    await page.fill("input[name=password]", NEW_PASSWORD)
    await page.fill("input[name=confirm]", NEW_PASSWORD)
    await page.get_by_role("button", name="Set password").click()
    await expect(page).to_have_url(re.compile(r"/signin\?password_set=true$"))


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"browser-administration-{name}.png"), full_page=True)


@pytest.mark.browser
async def test_ercot_creates_a_cr_whose_admin_adds_an_ar_who_registers(stack, http, smtp_sink):
    ARTIFACTS.mkdir(exist_ok=True)
    flight = await create_flight(http, await sign_in(http, "admin@ercot.example"))
    duns = f"5{random.randrange(10**8):08d}"
    name = f"Caddo Lake Energy {duns} LLC"
    admin = new_user_fields(first_name="Marisol", last_name="Ybarra", email=f"marisol.{duns}@caddo.example")
    ar = new_user_fields(first_name="Dale", last_name="Okafor", email=f"dale.{duns}@caddo.example")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            ercot = await new_page(browser, stack)
            await ercot.goto("/signin")
            await sign_in_page(ercot, "admin@ercot.example", DEMO_PASSWORD)
            await ercot.get_by_role("navigation").get_by_role("link", name="Companies").click()
            await expect(ercot.locator("h1")).to_have_text("Companies")
            await expect(ercot.locator('table#companies tr[data-duns="079348512"]')).to_contain_text("Lone Star")

            # A DUNS of 8 digits: the error names the field, and no company is made.
            form = ercot.locator("#create-company form")
            await form.get_by_label("Company Name").fill(name)
            await form.get_by_label("DUNS or DUNS+4").fill(duns[:8])
            await form.get_by_label("Kind").select_option("CR")
            for field, value in admin.items():
                await form.get_by_label(f"MP Admin's {USER_FIELD_LABELS[field]}").fill(value)
            await form.get_by_label("Distribution List Name").fill("Retail certification")
            await form.get_by_label("Distribution List Email").fill(f"certification.{duns}@caddo.example")
            await form.get_by_role("button", name="Create Company").click()
            await expect(ercot.locator('span.field-error[data-field="duns"]')).to_contain_text(
                "DUNS or DUNS+4: must be 9 digits"
            )
            await expect(form.get_by_label("DUNS or DUNS+4")).to_have_attribute("aria-invalid", "true")
            ercot_api = await sign_in(http, "admin@ercot.example")
            assert (await http.get(f"/api/v1/companies/{duns[:8]}", headers=ercot_api)).status_code == 404

            before = len(smtp_sink.keeper.parsed())
            await form.get_by_label("DUNS or DUNS+4").fill(duns)
            await form.get_by_role("button", name="Create Company").click()
            created = ercot.locator("#company-created")
            await expect(created).to_contain_text(f"{name} ({duns}) created")
            await expect(created).to_contain_text(f"mailed to {admin['email']}")
            shown = await ercot.locator("#first-admin-url").input_value()
            row = ercot.locator(f'table#companies tr[data-duns="{duns}"]')
            await expect(row).to_contain_text("CR")
            await expect(row.locator(".status")).to_have_text("Active")
            await shot(ercot, "1-company-created")
            mailed = await link_mailed_to(smtp_sink, admin["email"], before)
            assert mailed == shown, (mailed, shown)

            # The MP Admin sets a password from the mailed link and adds the AR.
            mp_admin = await new_page(browser, stack)
            await set_password_from(mp_admin, mailed)
            await sign_in_page(mp_admin, admin["email"], NEW_PASSWORD)
            await expect(mp_admin.locator("h1")).to_have_text(f"Welcome, {admin['first_name']}")
            await mp_admin.get_by_role("navigation").get_by_role("link", name="Company users").click()
            await mp_admin.get_by_role("link", name="Add New User").click()
            for field, value in ar.items():
                await mp_admin.locator(f"input[name={field}]").fill(value)
            await mp_admin.get_by_role("button", name="OK", exact=True).click()
            await expect(mp_admin.locator("#state")).to_have_text("Pending Commit")
            before = len(smtp_sink.keeper.parsed())
            await mp_admin.locator("#actions").get_by_role("button", name="Commit", exact=True).click()
            invitation = mp_admin.locator("#invitation")
            await expect(invitation).to_contain_text(f"mailed this link to {ar['email']}")
            copy = await mp_admin.locator("#invitation-url").input_value()
            await shot(mp_admin, "2-ar-added")
            ar_link = await link_mailed_to(smtp_sink, ar["email"], before)
            assert ar_link == copy, (ar_link, copy)

            ar_page = await new_page(browser, stack)
            await set_password_from(ar_page, ar_link)

            # ERCOT gives the AR role on the company's users page.
            await ercot.goto(f"/companies/{duns}/users")
            ar_row = ercot.locator(f'table#users tr[data-email="{ar["email"]}"]')
            await ar_row.get_by_label("AR", exact=True).check()
            await ar_row.get_by_role("button", name="Save roles").click()
            await expect(ar_row).to_contain_text("AR, User")
            await expect(ar_row.get_by_label("AR", exact=True)).to_be_checked()
            await shot(ercot, "3-ar-role")

            # The AR signs in and registers for the open flight.
            await sign_in_page(ar_page, ar["email"], NEW_PASSWORD)
            await expect(ar_page.locator("h1")).to_have_text(f"Welcome, {ar['first_name']}")
            await ar_page.goto(f"/items/{flight['item_id']}")
            await ar_page.get_by_role("link", name="Register", exact=True).click()
            form = ar_page.locator("#registration-form")
            contacts = {
                "Primary Contact": f"{ar['last_name']}, {ar['first_name']} ({ar['email']})",
                "Secondary Contact": f"{admin['last_name']}, {admin['first_name']} ({admin['email']})",
                "Testing Contact": f"{ar['last_name']}, {ar['first_name']} ({ar['email']})",
            }
            for label, option in contacts.items():
                await form.get_by_label(label).select_option(label=option)
            await form.get_by_label("Residential", exact=True).check()
            await form.locator(f'input[name=tdsps][value="{ONCOR}"]').check()
            await form.get_by_label("EDI System").fill("Caddo EDI 2")
            await form.locator("input[name=bank_name]").fill("Texas Capital Bank")
            await form.get_by_label("Service Provider").select_option(value="self")
            await form.get_by_role("button", name="OK", exact=True).click()
            await expect(ar_page).to_have_url(re.compile(r"/items/\d+$"))
            await expect(ar_page.locator("#state")).to_have_text("Pending Submittal")
            await ar_page.locator("#actions").get_by_role("button", name="Submit", exact=True).click()
            await expect(ar_page.locator("#state")).not_to_have_text("Pending Submittal")
            await shot(ar_page, "4-registered")

            # ERCOT deactivates the company: the AR's session ends, and signing in again is refused.
            await ercot.goto(f"/companies/{duns}/users")
            await ercot.get_by_role("button", name="Deactivate company").click()
            await expect(ercot.locator("#company-status")).to_have_text("Deactivated")
            await ercot.goto("/companies")
            await expect(ercot.locator(f'table#companies tr[data-duns="{duns}"] .status')).to_contain_text(
                "Deactivated by"
            )
            await shot(ercot, "5-deactivated")
            await expect(ar_page).to_have_url(re.compile(r"/items/\d+$"))
            for _ in range(50):  # the services keep a session's answer a second or two
                await ar_page.reload()
                if "/signin" in ar_page.url:
                    break
                await ar_page.wait_for_timeout(200)
            await expect(ar_page).to_have_url(re.compile(r"/signin"))
            await sign_in_page(ar_page, ar["email"], NEW_PASSWORD)
            await expect(ar_page.locator("p.error")).to_contain_text("the email address or password is incorrect")
        finally:
            await browser.close()


@pytest.mark.browser
async def test_ercot_registers_rotates_and_deactivates_a_transaction_system_from_its_page(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    system_id = f"caddo-gateway-{random.randrange(10**6):06d}"

    async def signs_in(key: str) -> int:
        reply = await http.post("/api/v1/system-session", json={"system_id": system_id, "key": key})
        return reply.status_code

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            ercot = await new_page(browser, stack)
            await ercot.goto("/signin")
            await sign_in_page(ercot, "admin@ercot.example", DEMO_PASSWORD)
            await ercot.get_by_role("navigation").get_by_role("link", name="Transaction systems").click()
            await ercot.get_by_label("System ID").fill("Caddo Gateway!")
            await ercot.get_by_label("Name", exact=True).fill("Caddo Lake EDI gateway")
            await ercot.get_by_role("button", name="Register").click()
            await expect(ercot.locator('span.field-error[data-field="system_id"]')).to_contain_text(
                "System ID: must be 3-64 lower-case letters"
            )
            await expect(ercot.get_by_label("System ID")).to_have_attribute("aria-invalid", "true")
            await expect(ercot.locator("table#transaction-systems")).not_to_contain_text("Caddo Lake EDI gateway")

            await ercot.get_by_label("System ID").fill(system_id)
            await ercot.get_by_role("button", name="Register").click()
            first_key = await ercot.locator("#system-key-value").input_value()
            row = ercot.locator(f'table#transaction-systems tr[data-system-id="{system_id}"]')
            await expect(row.locator(".status")).to_have_text("Active")
            assert await signs_in(first_key) == 200

            await row.get_by_role("button", name="Rotate key").click()
            await expect(ercot.locator("#system-key")).to_contain_text(f"Key for {system_id}")
            second_key = await ercot.locator("#system-key-value").input_value()
            assert second_key != first_key
            assert await signs_in(first_key) == 401
            assert await signs_in(second_key) == 200
            await shot(ercot, "6-system-key-rotated")

            await row.get_by_role("button", name="Deactivate").click()
            await expect(row.locator(".status")).to_have_text("Deactivated")
            await expect(row.get_by_role("button")).to_have_count(0)
            assert await signs_in(second_key) == 401
        finally:
            await browser.close()
