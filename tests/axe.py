"""axe-core (the copy axe-playwright-python ships, so it works offline) run in a page a browser test has open:
`assert_accessible(page)` fails on any serious or critical violation, naming each."""

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

FAILING_IMPACTS = ("serious", "critical")

_axe = Axe()


async def serious_violations(page: Page, exclude: tuple[str, ...] = ()) -> list[dict]:
    """axe's violations of impact serious or critical on the page as it is now, outside the `exclude` selectors."""
    results = await _axe.run(page, context={"exclude": [[selector] for selector in exclude]} if exclude else None)
    return [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def described(url: str, violations: list[dict]) -> str:
    """One line per violation and element: rule, impact, where, and axe's help."""
    return "\n".join(
        f"{url}: {v['id']} ({v['impact']}) at {' '.join(map(str, node['target']))}: {v['help']} ({v['helpUrl']})"
        for v in violations
        for node in v["nodes"]
    )


async def assert_accessible(page: Page) -> None:
    found = await serious_violations(page)
    assert not found, "axe found serious or critical violations:\n" + described(page.url, found)
