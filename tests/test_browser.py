"""A real Chromium drives the server-rendered pages: add a user (through a duplicate-email error), commit it,
see it in the company's users, then deactivate it the same way."""

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import DEMO_PASSWORD, new_user_fields

LONESTAR = "079348512"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]


async def commit_item(page: Page, new_user_email: str = "") -> None:
    """Commits the request on its page. Committing an added user lands on the company's users page, which shows the
    set-password link just mailed to them; any other request stays on its page, Completed."""
    await expect(page).to_have_url(re.compile(r"/items/\d+$"))
    await expect(page.locator("#state")).to_have_text("Pending Commit")
    await page.get_by_role("button", name="Commit", exact=True).click()
    if new_user_email:
        await expect(page.locator("#invitation")).to_contain_text(f"mailed this link to {new_user_email}")
    else:
        await expect(page.locator("#state")).to_have_text("Completed")


@pytest.mark.browser
async def test_mp_admin_adds_then_deactivates_a_user_in_the_browser(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    fields = new_user_fields()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(base_url=stack)
            context.set_default_timeout(30_000)
            page = await context.new_page()

            await page.goto("/signin?next=/user-requests/new%3Fkind%3Dadd")
            await page.fill("input[name=email]", "admin@lonestar.example")
            await page.fill("input[name=password]", DEMO_PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page).to_have_url(re.compile(r"/user-requests/new\?kind=add$"))
            await expect(page.locator("h1")).to_have_text("Add New User")

            for name, value in (fields | {"email": "ar@lonestar.example"}).items():
                await page.fill(f"input[name={name}]", value)
            async with page.expect_response(
                lambda r: r.request.method == "POST" and r.url.endswith("/user-requests/new")
            ) as rejected:
                await page.get_by_role("button", name="OK", exact=True).click()
            assert (await rejected.value).status == 400
            email_error = page.locator('span.field-error[data-field="email"]')
            await expect(email_error).to_contain_text("already used by another user")
            await expect(page.locator("span.field-error")).to_have_count(1)
            await expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
            await expect(page.locator("input[name=first_name]")).to_have_value(fields["first_name"])
            await expect(page.locator("input[name=email]")).to_have_value("ar@lonestar.example")

            await page.fill("input[name=email]", fields["email"])
            await page.get_by_role("button", name="OK", exact=True).click()
            await commit_item(page, new_user_email=fields["email"])

            await page.goto(f"/companies/{LONESTAR}/users")
            row = page.locator(f'table#users tr[data-email="{fields["email"]}"]')
            await expect(row).to_have_count(1)
            await expect(row.locator("td.status")).to_have_text("Active")
            await expect(row).to_contain_text(f"{fields['first_name']} {fields['last_name']}")
            await expect(row).to_contain_text(fields["employee_id"])
            await page.screenshot(path=str(ARTIFACTS / "browser-add-user.png"), full_page=True)

            await page.goto("/user-requests/new?kind=deactivate")
            await expect(page.locator("h1")).to_have_text("Delete User")
            target = page.locator("select[name=target_user_id]")
            await target.select_option(
                label=f"{fields['last_name']}, {fields['first_name']} ({fields['email']})"
            )
            await page.get_by_role("button", name="OK", exact=True).click()
            confirm = page.locator('form[action="/user-requests/new"][method=post]')
            await expect(confirm).to_contain_text(f"Deactivate {fields['first_name']} {fields['last_name']}")
            await expect(confirm).to_contain_text(fields["email"])
            await page.get_by_role("button", name="OK", exact=True).click()
            await commit_item(page)

            await page.goto(f"/companies/{LONESTAR}/users")
            await expect(row.locator("td.status")).to_have_text("Deactivated")
            await page.screenshot(path=str(ARTIFACTS / "browser-deactivate-user.png"), full_page=True)
        finally:
            await browser.close()
