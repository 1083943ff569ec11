"""A real Chromium walks flight registration (guide §5): ERCOT opens a flight; the AR finds it in Available Flights,
registers (through a missing-field error), submits; ERCOT returns it with a comment; the AR modifies and resubmits;
ERCOT approves and the Request for Testing Specifications opens. A plain user of the CR gets no Register button."""

import asyncio
import re

import pytest
from playwright.async_api import Browser, Dialog, Page, async_playwright, expect

from tests.conftest import DEMO_PASSWORD, sign_in
from tests.registration_helpers import CENTERPOINT, EDIGATE, ONCOR, create_flight
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS

RED = "rgb(179, 38, 30)"  # --bad in flightrak.css
RETURN_COMMENT = "Add a testing contact who is not the AR, and confirm the bank for the penny test."
# As the contact dropdowns show the company's users: "Last, First (email)".
CONTACTS = {
    "primary_contact": "Whitfield, James (ar@lonestar.example)",
    "secondary_contact": "Natarajan, Priya (bar@lonestar.example)",
    "testing_contact": "Becker, Tom (user@lonestar.example)",
}


async def signed_in_page(browser: Browser, base_url: str, email: str) -> Page:
    """A fresh context (its own cookies) signed in as `email`, on the General dashboard."""
    context = await browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = await context.new_page()
    await page.goto("/signin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("h1")).to_contain_text("Welcome")
    return page


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"browser-registration-{name}.png"), full_page=True)


async def open_from_report(page: Page, report: str, item_id: int) -> None:
    row = page.locator(f'#{report} tr[data-item-id="{item_id}"]')
    await expect(row).to_have_count(1)
    await row.get_by_role("link", name=str(item_id), exact=True).click()
    await expect(page).to_have_url(re.compile(f"/items/{item_id}$"))


async def act(page: Page, label: str, state: str) -> None:
    await page.locator("#actions").get_by_role("button", name=label, exact=True).click()
    await expect(page.locator("#state")).to_have_text(state)


@pytest.mark.browser
async def test_ar_registers_ercot_returns_then_approves_in_the_browser(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    flight = await create_flight(http, await sign_in(http, "admin@ercot.example"))
    designation, flight_item = flight["designation"], flight["item_id"]
    deadline = flight["signup_deadline"]  # pages write days as the API does: 2027-01-06
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            # The AR finds the flight in Available Flights on the General dashboard and opens it.
            ar = await signed_in_page(browser, stack, "ar@lonestar.example")
            available = ar.locator(f'#available-flights tr[data-item-id="{flight_item}"]')
            await expect(available).to_contain_text(designation)
            await expect(available).to_contain_text(f"{deadline} 17:00 C")  # CST or CDT
            await shot(ar, "0-general-dashboard")
            await open_from_report(ar, "available-flights", flight_item)
            await expect(ar.locator("#item-type")).to_have_text("Flight")
            await expect(ar.locator("#state")).to_have_text("Open for Registration")
            await ar.get_by_role("link", name="Register", exact=True).click()

            # The form shows the flight's key dates.
            await expect(ar).to_have_url(re.compile(f"/flights/{designation}/register$"))
            await expect(ar.locator("h1")).to_have_text(f"Flight {designation} Registration")
            key_dates = ar.locator("#key-dates")
            await expect(key_dates.locator('[data-field="registration_closes_at"]')).to_contain_text(
                f"{deadline} 17:00 C"
            )
            await expect(key_dates.locator('[data-field="day1_of_testing"]')).to_have_text(flight["day1_of_testing"])
            await expect(key_dates.locator('[data-field="end_date"]')).to_have_text(flight["end_date"])

            # Everything but the Testing Contact: the error names it, and what was typed stays. (Each field is
            # set, not assumed empty: the form starts from the company's last registration if it has one.)
            form = ar.locator("#registration-form")
            await form.get_by_label("Primary Contact").select_option(label=CONTACTS["primary_contact"])
            await form.get_by_label("Secondary Contact").select_option(label=CONTACTS["secondary_contact"])
            await form.get_by_label("Testing Contact").select_option(value="")
            await form.get_by_label("Business Contact Distribution List").select_option(
                value="certification@lonestar.example"
            )
            for label, checked in (("Residential", True), ("Small Commercial", True), ("Large Commercial", False)):
                await form.get_by_label(label, exact=True).set_checked(checked)
            for box in await form.locator("input[name=tdsps]").all():
                await box.set_checked(await box.get_attribute("value") in (ONCOR, CENTERPOINT))
            await form.get_by_label("EDI System").fill("EDIGate Translator 7")
            await form.locator("input[name=bank_name]").fill("Frost Bank")
            await form.get_by_label("Service Provider").select_option(value=EDIGATE)
            for existing_cr_question in await form.locator(
                "select[name=changing_banks], select[name=system_change]"
            ).all():
                await existing_cr_question.select_option("No")
            await shot(ar, "1-form")
            async with ar.expect_response(lambda r: r.request.method == "POST" and "/register" in r.url) as sent:
                await form.get_by_role("button", name="OK", exact=True).click()
            assert (await sent.value).status == 400
            await expect(ar.locator("#form-error")).to_contain_text("Testing Contact is required")
            await expect(ar.locator("span.field-error")).to_have_count(1)
            await expect(ar.locator('span.field-error[data-field="testing_contact"]')).to_be_visible()
            await expect(form.get_by_label("Testing Contact")).to_have_attribute("aria-invalid", "true")
            await expect(form.get_by_label("Primary Contact").locator("option:checked")).to_have_text(
                CONTACTS["primary_contact"]
            )
            await expect(form.get_by_label("Secondary Contact").locator("option:checked")).to_have_text(
                CONTACTS["secondary_contact"]
            )
            await expect(form.get_by_label("Business Contact Distribution List")).to_have_value(
                "certification@lonestar.example"
            )
            await expect(form.get_by_label("Residential", exact=True)).to_be_checked()
            await expect(form.get_by_label("Small Commercial", exact=True)).to_be_checked()
            await expect(form.get_by_label("Large Commercial", exact=True)).not_to_be_checked()
            for duns in (ONCOR, CENTERPOINT):
                await expect(form.locator(f'input[name=tdsps][value="{duns}"]')).to_be_checked()
            await expect(form.get_by_label("EDI System")).to_have_value("EDIGate Translator 7")
            await expect(form.locator("input[name=bank_name]")).to_have_value("Frost Bank")
            await expect(form.get_by_label("Service Provider").locator("option:checked")).to_contain_text("EDIGate")
            await shot(ar, "2-missing-field")

            await form.get_by_label("Testing Contact").select_option(label=CONTACTS["testing_contact"])
            await form.get_by_role("button", name="OK", exact=True).click()
            await expect(ar).to_have_url(re.compile(r"/items/\d+$"))
            registration = int(ar.url.rsplit("/", 1)[1])
            await expect(ar.locator("#state")).to_have_text("Pending Submittal")
            details = ar.locator("#details")
            for name, shown in CONTACTS.items():
                await expect(details.locator(f'[data-field="{name}_name"]')).to_have_text(shown)
            await expect(details.locator('[data-field="customer_classes"]')).to_have_text(
                "Residential, Small Commercial"
            )
            await expect(details.locator('[data-field="service_provider_name"]')).to_contain_text("EDIGate")
            await expect(details.locator('[data-field="bank_name"]')).to_have_text("Frost Bank")
            await shot(ar, "3-pending-submittal")

            # Registering again: the form says so in red and offers the existing item; the flight says so too.
            again = await ar.goto(f"/flights/{designation}/register")
            assert again is not None and again.status == 409
            notice = ar.locator("#already-registered")
            await expect(notice).to_contain_text("already registered")
            await expect(notice).to_have_css("color", RED)
            await expect(ar.locator("#registration-form")).to_have_count(0)
            await shot(ar, "4-already-registered")
            await ar.goto(f"/items/{flight_item}")
            await expect(ar.locator("#register")).to_have_count(0)
            await ar.locator("#registered").get_by_role("link", name=f"Item {registration}").click()

            # Withdraw asks first; dismissing the dialog keeps the registration.
            asked: list[str] = []

            async def dismiss(dialog: Dialog) -> None:
                asked.append(dialog.message)
                await dialog.dismiss()

            ar.once("dialog", dismiss)
            await ar.locator("#actions").get_by_role("button", name="Withdraw", exact=True).click()
            for _ in range(100):
                if asked:
                    break
                await asyncio.sleep(0.05)
            assert len(asked) == 1 and f"flight {designation}" in asked[0] and "Cancelled (Inactive)" in asked[0]
            await expect(ar.locator("#state")).to_have_text("Pending Submittal")
            await act(ar, "Submit", "Registration Review (ERCOT)")

            # ERCOT's reviewer opens it from the review report; Return to CR needs a comment.
            reviewer = await signed_in_page(browser, stack, "reviewer@ercot.example")
            await open_from_report(reviewer, "registrations-for-review", registration)
            await expect(reviewer.locator("#state")).to_have_text("Registration Review (ERCOT)")
            await expect(reviewer.locator("#details [data-field='service_provider_name']")).to_contain_text("EDIGate")
            returning = reviewer.locator('form[data-action="return_to_cr"]')
            comment = returning.locator("textarea[name=comment]")
            await returning.get_by_role("button", name="Return to CR").click()
            assert await comment.evaluate("e => e.validity.valueMissing")  # the browser kept the form back
            await expect(reviewer).to_have_url(re.compile(f"/items/{registration}$"))
            await expect(reviewer.locator("#action-error")).to_have_count(0)
            await expect(reviewer.locator("#state")).to_have_text("Registration Review (ERCOT)")
            await comment.fill(RETURN_COMMENT)
            await shot(reviewer, "5-return-to-cr")
            await returning.get_by_role("button", name="Return to CR").click()
            await expect(reviewer.locator("#state")).to_have_text("Pending Submittal")

            # The AR finds it back in Flight Registration Records (Pre-Flight (CR)), sees ERCOT's comment, and
            # modifies it (through an error that keeps what was typed).
            await ar.goto("/dashboards/pre-flight-cr")
            returned = ar.locator(f'#flight-registration-records tr[data-item-id="{registration}"]')
            await expect(returned).to_contain_text("Pending Submittal")
            await open_from_report(ar, "flight-registration-records", registration)
            await expect(ar.locator("#state")).to_have_text("Pending Submittal")
            await expect(ar.locator('#comments li[data-action="Return to CR"]')).to_contain_text(RETURN_COMMENT)
            await expect(ar.locator("#latest-comment")).to_contain_text(RETURN_COMMENT)
            await expect(ar.locator("#history")).to_contain_text(RETURN_COMMENT)
            modify = ar.locator('details[data-action="modify"]')
            await modify.locator("summary").click()
            panel = modify.locator("form")
            await expect(panel.locator("input[name=bank_name]")).to_have_value("Frost Bank")
            await expect(panel.get_by_label("Testing Contact").locator("option:checked")).to_have_text(
                CONTACTS["testing_contact"]
            )
            await panel.locator("input[name=bank_name]").fill("Amegy Bank")
            for duns in (ONCOR, CENTERPOINT):
                await panel.locator(f'input[name=tdsps][value="{duns}"]').uncheck()
            await panel.get_by_role("button", name="OK", exact=True).click()
            await expect(ar.locator('span.field-error[data-field="tdsps"]')).to_contain_text("choose at least one")
            await expect(modify).to_have_attribute("open", "")
            await expect(panel.locator("input[name=bank_name]")).to_have_value("Amegy Bank")
            await expect(panel.locator("input[name=tdsps]:checked")).to_have_count(0)
            await expect(ar.locator("#state")).to_have_text("Pending Submittal")
            await shot(ar, "6-modify-error")
            for duns in (ONCOR, CENTERPOINT):
                await panel.locator(f'input[name=tdsps][value="{duns}"]').check()
            await panel.get_by_role("button", name="OK", exact=True).click()
            await expect(ar.locator("#details [data-field='bank_name']")).to_have_text("Amegy Bank")
            await expect(ar.locator("#history")).to_contain_text("Bank: Frost Bank -> Amegy Bank")
            await act(ar, "Submit", "Registration Review (ERCOT)")

            # ERCOT approves: Pending Script Assignment, and the Request for Testing Specifications opens.
            await reviewer.goto("/")
            await open_from_report(reviewer, "registrations-for-review", registration)
            await act(reviewer, "Approve", "Pending Script Assignment")
            specs = reviewer.locator("#details [data-field='testing_specifications_item_id'] a")
            await expect(specs).to_have_text(re.compile(r"^Item \d+$"))
            await shot(reviewer, "7-approved")
            await specs.click()
            await expect(reviewer.locator("#item-type")).to_have_text("Request for Testing Specifications")
            await expect(reviewer.locator("#details")).to_contain_text(f"Item {registration}")

            await ar.goto("/dashboards/pre-flight-cr")
            records = ar.locator(f'#flight-registration-records tr[data-item-id="{registration}"]')
            await expect(records).to_contain_text("Pending Script Assignment")
            await shot(ar, "8-pre-flight-cr")

            # A user of the CR who is not AR/BAR: the flight has no Register button, and the form is refused.
            user = await signed_in_page(browser, stack, "user@lonestar.example")
            await user.locator("#search input[name=flight]").fill(designation)
            await user.locator("#search").get_by_role("button", name="Search").click()
            await expect(user).to_have_url(re.compile(f"/items/{flight_item}$"))
            await expect(user.locator("#item-type")).to_have_text("Flight")
            await expect(user.get_by_role("link", name="Register", exact=True)).to_have_count(0)
            await expect(user.get_by_role("button", name="Register", exact=True)).to_have_count(0)
            await expect(user.locator("#register-refusal")).to_contain_text("AR or BAR")
            await shot(user, "9-user-no-register")
            refused = await user.goto(f"/flights/{designation}/register")
            assert refused is not None and refused.status == 403
            await expect(user.locator("p.error")).to_contain_text("only an AR or BAR")
        finally:
            await browser.close()
