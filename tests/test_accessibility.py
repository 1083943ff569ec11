"""axe-core finds no serious or critical violation on any page the gateway serves. The pages are the gateway's own
routes: a real Chromium, signed in as ERCOT's admin and as a CR's MP Admin, follows every link it is shown from the
routes that need no parameter (with a flight in connectivity testing, one open for registration and a notice, so
item pages of each kind are linked), then the test checks that every page route was reached by someone."""

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.routing import APIRoute
from playwright.async_api import Browser, Page, async_playwright, expect

from services.gateway.app import create_app
from tests.axe import assert_accessible, described, serious_violations
from tests.conftest import DEMO_PASSWORD, new_user_fields, sign_in, unique
from tests.registration_helpers import create_flight
from tests.test_browser import CHROMIUM_ARGS
from tests.test_dashboards_api import compose
from tests.test_notices_api import create, publish
from tests.test_script_issues_api import flight_in_connectivity_testing

# Item pages are many (one per script issue): enough to meet every kind a user is shown; every dashboard and report.
PAGES_PER_ROUTE = {"/items/{item_id}": 60, "/dashboards/{dashboard}": 40, "/reports/{report}": 80}
OTHER_PAGES_PER_ROUTE = 3
ITEM_KINDS = {
    "Flight",
    "Flight Registration",
    "Request for Testing Specifications",
    "Script Issue",
    "User Admin Request",
}
# Not pages: they only answer a form's post or send the browser elsewhere.
LEAVING = ("/signout",)


def every_route(routes: list) -> Iterator:
    for route in routes:
        # FastAPI keeps an included router whole (its routes carry their full paths)
        if (included := getattr(route, "original_router", None)) is not None:
            yield from every_route(included.routes)
        else:
            yield route


def page_routes(settings) -> list[APIRoute]:
    """The gateway's GET routes that answer with a page: every route the OpenAPI schema leaves out (it documents the
    API, health and the calendar feeds, which answer JSON or files), but static files."""
    return [
        route
        for route in every_route(create_app(settings).routes)
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and not route.include_in_schema
        # a region of a page that static/live.js swaps in: axe sees it on its page
        and not route.path.endswith("/live")
    ]


def route_of(routes: list[APIRoute], path: str) -> str | None:
    """The template of the most specific route serving `path` (a literal path beats a parameter)."""
    matching = [route.path for route in routes if route.path_regex.match(path)]
    return min(matching, key=lambda p: (p.count("{"), -len(p)), default=None)


class Crawl:
    """Visits pages breadth first from the given ones, axe on each, following the links a page shows."""

    def __init__(self, routes: list[APIRoute], origin: str) -> None:
        self.routes = routes
        self.origin = origin
        self.reached: set[str] = set()
        self.not_pages: set[str] = set()
        self.item_kinds: set[str] = set()
        self.problems: list[str] = []
        self.visited: set[str] = set()
        self.per_route: dict[tuple[str, frozenset], int] = {}

    def wanted(self, url: str) -> str | None:
        """The route `url` would add a page of, or None: another site, the API, a file, or enough of its kind."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or parts.path in LEAVING:
            return None
        route = route_of(self.routes, parts.path)
        if route is None:
            return None
        key = (route, frozenset(name for name, _ in parse_qsl(parts.query)))
        if self.per_route.get(key, 0) >= PAGES_PER_ROUTE.get(route, OTHER_PAGES_PER_ROUTE):
            return None
        return route

    async def check(self, page: Page, label: str) -> None:
        # Swagger UI is a packaged widget whose markup is not ours; axe checks the page around it
        found = await serious_violations(page, exclude=("#swagger-ui",))
        if found:
            self.problems.append(described(f"{label} {page.url}", found))

    async def run(self, page: Page, label: str, start: list[str]) -> None:
        queue = [self.origin + path for path in start]
        while queue:
            url = queue.pop(0).split("#", 1)[0]
            if url in self.visited or (route := self.wanted(url)) is None:
                continue
            self.visited.add(url)
            parts = urlsplit(url)
            key = (route, frozenset(name for name, _ in parse_qsl(parts.query)))
            self.per_route[key] = self.per_route.get(key, 0) + 1
            answer = await page.goto(url, wait_until="commit")
            if answer is None or not answer.headers.get("content-type", "").startswith("text/html"):
                self.not_pages.add(route)  # an event stream or a file
                await page.goto("about:blank")
                continue
            await page.wait_for_load_state()
            if answer.status >= 500:
                self.problems.append(f"{label} {url}: answered {answer.status}")
            self.reached.add(route)
            if route == "/items/{item_id}" and await page.locator("#item-type").count():
                self.item_kinds.add((await page.locator("#item-type").inner_text()).strip())
            # What a click would show is checked too: every folded panel (an action's form) opened
            await page.eval_on_selector_all("details", "panels => panels.forEach(d => (d.open = true))")
            await self.check(page, label)
            links = await page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)")
            queue.extend(link for link in links if link.split("#", 1)[0] not in self.visited)


async def signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = await browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = await context.new_page()
    await page.goto("/signin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("h1")).to_contain_text("Welcome")
    return page


@pytest.mark.browser
async def test_no_page_has_a_serious_or_critical_accessibility_violation(stack, http, settings):
    ercot = await sign_in(http, "admin@ercot.example")
    designation = await flight_in_connectivity_testing(http)
    open_flight = (await create_flight(http, ercot))["designation"]
    await publish(http, ercot, (await create(http, ercot, audience="CR"))["item_id"])
    # An open user request, so its item page is linked from the MP Admin's home.
    lonestar = await sign_in(http, "admin@lonestar.example")
    started = await http.post(
        "/api/v1/user-requests", headers=lonestar, json={"kind": "add", "fields": new_user_fields()}
    )
    assert started.status_code == 201, started.text
    # A dashboard of the user's own, shared with the company, and one of ERCOT's.
    reports = [{"report": "available-flights"}, {"report": "my-script-tasks", "flight": designation}]
    await compose(http, lonestar, name=unique("Lone Star tasks "), shared=True, reports=reports)
    await compose(http, ercot, name=unique("ERCOT review "), reports=[{"report": "registrations-for-review"}])

    routes = page_routes(settings)
    crawl = Crawl(routes, stack)
    # Every route that needs no parameter, and the flight open for registration (its page and the register form)
    start = [route.path for route in routes if "{" not in route.path]
    start += [f"/flights/{open_flight}", f"/flights/{open_flight}/register"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            # Signed out: the sign-in page, as it first shows and after a wrong password, and a missing page.
            context = await browser.new_context(base_url=stack)
            context.set_default_timeout(30_000)
            page = await context.new_page()
            await page.goto("/signin")
            await crawl.check(page, "signed out")
            await page.fill("input[name=email]", "admin@ercot.example")
            await page.fill("input[name=password]", "not-the-password")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.locator("[role=alert]").first).to_be_visible()
            await crawl.check(page, "signed out, wrong password")
            await page.goto("/set-password?token=not-a-token")
            await crawl.check(page, "signed out")
            await page.goto("/nowhere")
            await expect(page.locator("h1")).to_have_text("Page not found")
            await crawl.check(page, "signed out")
            # axe is heard: a field with no label is a critical violation.
            await page.evaluate("""document.querySelector("main").insertAdjacentHTML("beforeend", "<input name=x>")""")
            assert "label" in [v["id"] for v in await serious_violations(page)]
            await context.close()

            # ERCOT in a wide window, the CR in a phone's: tables wider than that scroll, and the header wraps
            for email, width in (("admin@ercot.example", 1280), ("admin@lonestar.example", 480)):
                page = await signed_in(browser, stack, email)
                await page.set_viewport_size({"width": width, "height": 900})
                crawl.visited.clear()
                crawl.per_route.clear()
                await crawl.run(page, email, start)
                await page.goto("/items/999999999")
                await crawl.check(page, f"{email} (a missing item)")
                if email == "admin@lonestar.example":
                    # A form sent back with a field's error (an email another user has).
                    await page.goto("/user-requests/new?kind=add")
                    for name, value in (new_user_fields() | {"email": "ar@lonestar.example"}).items():
                        await page.fill(f"input[name={name}]", value)
                    await page.get_by_role("button", name="OK", exact=True).click()
                    await expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
                    await crawl.check(page, f"{email} (a field's error)")
                await page.context.close()
        finally:
            await browser.close()

    unreached = sorted({route.path for route in routes} - crawl.reached - crawl.not_pages)
    print(f"\n{len(crawl.reached)} page routes reached; item kinds: {', '.join(sorted(crawl.item_kinds))}")
    assert not crawl.problems, "\n".join(crawl.problems)
    assert not unreached, f"no page links to these routes, so axe never saw them: {unreached}"
    assert crawl.item_kinds >= ITEM_KINDS, crawl.item_kinds


@pytest.mark.browser
async def test_the_skip_link_comes_first_and_a_table_too_wide_for_the_window_scrolls_by_keyboard(stack):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await signed_in(browser, stack, "admin@ercot.example")
            await page.set_viewport_size({"width": 480, "height": 800})
            await page.goto("/dashboards/flight-progress")
            skip = page.get_by_role("link", name="Skip to main content")
            await expect(skip).not_to_be_in_viewport()
            await page.keyboard.press("Tab")
            await expect(skip).to_be_focused()
            await expect(skip).to_be_in_viewport()
            await page.keyboard.press("Enter")
            await expect(page.locator("main#main")).to_be_focused()

            # The next stop after the skip link is inside the page, and a wide table's region is one of them.
            region = page.locator(".table-wrap[role=region]").first
            assert await region.evaluate("wrap => wrap.scrollWidth > wrap.clientWidth")
            await expect(region).to_have_attribute("tabindex", "0")
            await expect(region).to_have_attribute("aria-label", re.compile(r"\w"))
            await assert_accessible(page)
        finally:
            await browser.close()
