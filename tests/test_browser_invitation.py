"""A real Chromium: an MP Admin issues a set-password link on the company users page and keeps a distribution
list there; the new user opens the link, is told what is wrong with each try, sets a password and signs in."""

import re

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import DEMO_PASSWORD, new_user_fields, sign_in, unique
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, LONESTAR
from tests.test_invitations_and_lists import commit_user_request

NEW_PASSWORD = "Browser-password-77"


async def sign_in_page(page: Page, email: str, password: str) -> None:
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
async def test_admin_invites_a_user_who_sets_a_password_and_signs_in(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    fields = new_user_fields()
    await commit_user_request(http, await sign_in(http, "admin@lonestar.example"), {"kind": "add", "fields": fields})
    list_email = f"{unique('ops.')}@lonestar.example"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            admin = await (await browser.new_context(base_url=stack)).new_page()
            admin.set_default_timeout(30_000)
            await admin.goto(f"/signin?next=/companies/{LONESTAR}/users")
            await sign_in_page(admin, "admin@lonestar.example", DEMO_PASSWORD)
            await expect(admin).to_have_url(re.compile(f"/companies/{LONESTAR}/users$"))

            lists = admin.locator("#add-distribution-list")
            await lists.locator("input[name=name]").fill("Market operations")
            await lists.locator("input[name=email]").fill("ar@lonestar.example")
            await lists.get_by_role("button", name="Add").click()
            await expect(lists.locator('span.field-error[data-field="email"]')).to_contain_text("user's address")
            await expect(lists.locator("input[name=name]")).to_have_value("Market operations")
            await lists.locator("input[name=email]").fill(list_email)
            await lists.get_by_role("button", name="Add").click()
            listed = admin.locator(f'#distribution-lists tr[data-email="{list_email}"]')
            await expect(listed).to_contain_text("Market operations")
            await listed.get_by_role("button", name="Remove").click()
            await expect(listed).to_have_count(0)

            row = admin.locator(f'table#users tr[data-email="{fields["email"]}"]')
            await row.get_by_role("button", name="Invite / reset password").click()
            shown = admin.locator("#invitation")
            await expect(shown).to_contain_text(f"{fields['first_name']} {fields['last_name']}")
            link = await admin.locator("#invitation-url").input_value()
            assert re.fullmatch(rf"{re.escape(stack)}/set-password\?token=[\w-]+", link), link
            await admin.screenshot(path=str(ARTIFACTS / "browser-invitation.png"), full_page=True)

            newcomer = await (await browser.new_context()).new_page()
            newcomer.set_default_timeout(30_000)
            await newcomer.goto(link)
            await expect(newcomer.locator("h1")).to_have_text("Set your password")
            tries = [("short", "short", "password", "at least 12 characters"),
                     (NEW_PASSWORD, "something-else-1", "confirm", "does not match")]
            for password, confirm, field, problem in tries:
                await newcomer.fill("input[name=password]", password)
                await newcomer.fill("input[name=confirm]", confirm)
                await newcomer.get_by_role("button", name="Set password").click()
                await expect(newcomer.locator(f'span.field-error[data-field="{field}"]')).to_contain_text(problem)
            await newcomer.fill("input[name=password]", NEW_PASSWORD)
            await newcomer.fill("input[name=confirm]", NEW_PASSWORD)
            await newcomer.get_by_role("button", name="Set password").click()
            await expect(newcomer).to_have_url(re.compile(r"/signin\?password_set=true$"))
            await expect(newcomer.locator("p.notice")).to_contain_text("Your password is set")
            await sign_in_page(newcomer, fields["email"], NEW_PASSWORD)
            await expect(newcomer.locator("h1")).to_have_text(f"Welcome, {fields['first_name']}")

            await newcomer.goto(link)
            await newcomer.fill("input[name=password]", NEW_PASSWORD)
            await newcomer.fill("input[name=confirm]", NEW_PASSWORD)
            await newcomer.get_by_role("button", name="Set password").click()
            await expect(newcomer.locator('p.error[data-field="token"]')).to_contain_text("already used")
        finally:
            await browser.close()
