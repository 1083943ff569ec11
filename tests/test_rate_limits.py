"""Rate limits: sign-in, system sign-in and set-password per client address and per account, changes per token.

Each test runs a gateway of its own with low limits in front of the stack's services (the stack's own gateway
has the suite's high ones), called through ASGI so that each client can come from an address of its choosing.
"""

import re
import uuid
from contextlib import asynccontextmanager

import httpx

from services.gateway.app import create_app
from services.identity.domain import demo_system_key
from tests.conftest import DEMO_PASSWORD

HIGH = "1000/minute"
EVERY_BUDGET = {
    "rate_limit_sign_in_per_address": HIGH,
    "rate_limit_sign_in_per_account": HIGH,
    "rate_limit_system_sign_in_per_address": HIGH,
    "rate_limit_system_sign_in_per_system": HIGH,
    "rate_limit_set_password_per_address": HIGH,
    "rate_limit_set_password_per_link": HIGH,
    "rate_limit_writes_per_token": HIGH,
    "rate_limit_system_writes_per_token": HIGH,
}
NO_SUCH_ITEM = "/api/v1/items/987654321/actions"


@asynccontextmanager
async def gateway_with(settings, **limits):
    """A gateway with these limits (every other one high); yields a function giving a client from an address."""
    app = create_app(settings.model_copy(update={**EVERY_BUDGET, **limits}))
    clients: list[httpx.AsyncClient] = []

    def client_from(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000 + len(clients)))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://flightrak.test", timeout=30))
        return clients[-1]

    async with app.router.lifespan_context(app):
        yield client_from
        for client in clients:
            await client.aclose()


def nobody() -> str:
    """An email no account has: the attempt is refused by identity without locking anybody out."""
    return f"nobody.{uuid.uuid4().hex[:8]}@nowhere.example"


def assert_rate_limited(reply: httpx.Response, what: str, window: int = 60) -> None:
    assert reply.status_code == 429, reply.text
    seconds = int(reply.headers["retry-after"])
    assert 1 <= seconds <= window
    assert reply.json() == {
        "error": {"code": "rate_limited", "message": f"Too many {what}; try again in {seconds} seconds.", "fields": {}}
    }


async def sign_in(client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/session", json={"email": email, "password": password})


async def test_sign_in_is_limited_per_client_address(stack, settings):
    async with gateway_with(settings, rate_limit_sign_in_per_address="3/minute") as client_from:
        crowded = client_from("203.0.113.7")
        for _ in range(3):
            assert (await sign_in(crowded, nobody())).status_code == 401
        assert_rate_limited(await sign_in(crowded, "ar@lonestar.example"), "sign-in attempts")
        assert (await sign_in(client_from("203.0.113.8"), "ar@lonestar.example")).status_code == 200


async def test_sign_in_is_limited_per_account_whatever_the_address(stack, settings):
    async with gateway_with(settings, rate_limit_sign_in_per_account="2/minute") as client_from:
        target = nobody()
        assert (await sign_in(client_from("198.51.100.1"), target)).status_code == 401
        assert (await sign_in(client_from("198.51.100.2"), target.upper())).status_code == 401
        third = client_from("198.51.100.3")
        assert_rate_limited(await sign_in(third, f"  {target} "), "sign-in attempts")
        assert (await sign_in(third, "user@lonestar.example")).status_code == 200

        signin_page = await third.get("/signin")
        guard = re.search(r'name="guard" value="([^"]+)"', signin_page.text).group(1)
        form = {"guard": guard, "next": "/", "email": target, "password": "whatever"}
        refused = await third.post("/signin", data=form)
        assert refused.status_code == 429
        assert "Too many sign-in attempts; try again in" in refused.text and 'name="password"' in refused.text


async def test_system_sign_in_is_limited_per_system_and_per_address(stack, settings):
    limits = {"rate_limit_system_sign_in_per_system": "2/minute", "rate_limit_system_sign_in_per_address": "4/minute"}
    async with gateway_with(settings, **limits) as client_from:
        system = {"system_id": f"no-such-system-{uuid.uuid4().hex[:6]}", "key": "ftsys_wrong"}
        for address in ("192.0.2.1", "192.0.2.2"):
            assert (await client_from(address).post("/api/v1/system-session", json=system)).status_code == 401
        busy = client_from("192.0.2.3")
        assert_rate_limited(await busy.post("/api/v1/system-session", json=system), "sign-in attempts")
        demo = {"system_id": "demo-transaction-gateway", "key": demo_system_key(DEMO_PASSWORD)}
        assert (await busy.post("/api/v1/system-session", json=demo)).status_code == 200
        answers = []
        for number in range(3):  # the address's 3rd to 5th attempts, each for a system of its own
            other = {"system_id": f"no-such-system-{number}-{uuid.uuid4().hex[:6]}", "key": "ftsys_wrong"}
            answers.append(await busy.post("/api/v1/system-session", json=other))
        assert [answer.status_code for answer in answers[:2]] == [401, 401]
        assert_rate_limited(answers[2], "sign-in attempts")


async def test_set_password_is_limited_per_link_and_per_address(stack, settings):
    limits = {"rate_limit_set_password_per_link": "2/minute", "rate_limit_set_password_per_address": "4/minute"}
    async with gateway_with(settings, **limits) as client_from:
        link = {"token": f"guessed-{uuid.uuid4().hex}", "password": "Another-long-password-9"}
        for address in ("198.18.0.1", "198.18.0.2"):
            assert (await client_from(address).post("/api/v1/password", json=link)).status_code == 400
        guesser = client_from("198.18.0.3")
        assert_rate_limited(await guesser.post("/api/v1/password", json=link), "attempts to set a password")
        form = {"token": link["token"], "password": link["password"], "confirm": link["password"]}
        on_the_page = await guesser.post("/set-password", data=form)
        assert on_the_page.status_code == 429
        assert "Too many attempts to set a password; try again in" in on_the_page.text

        other_link = {**link, "token": f"guessed-{uuid.uuid4().hex}"}
        assert (await guesser.post("/api/v1/password", json=other_link)).status_code == 400
        assert (await guesser.post("/api/v1/password", json=other_link)).status_code == 400
        # The address's 5th attempt (refused ones count too): over its own budget whatever the link.
        third_link = {**link, "token": f"guessed-{uuid.uuid4().hex}"}
        assert_rate_limited(await guesser.post("/api/v1/password", json=third_link), "attempts to set a password")
        assert (await client_from("198.18.0.4").post("/api/v1/password", json=third_link)).status_code == 400


async def test_changes_are_limited_per_token_by_the_api_and_by_forms(stack, settings):
    limits = {"rate_limit_writes_per_token": "3/minute", "rate_limit_system_writes_per_token": "6/minute"}
    async with gateway_with(settings, **limits) as client_from:
        client = client_from("100.64.0.1")
        first = {"authorization": f"Bearer {(await sign_in(client, 'ar@bluebonnet.example')).json()['token']}"}
        for _ in range(3):
            reply = await client.post(NO_SUCH_ITEM, json={"action": "submit"}, headers=first)
            assert reply.status_code == 404, reply.text
        refused = await client.post(NO_SUCH_ITEM, json={"action": "submit"}, headers=first)
        assert_rate_limited(refused, "changes in a short time")
        page_form = await client.post("/items/987654321/actions", data={"action": "submit"}, headers=first)
        assert page_form.status_code == 429 and page_form.headers["retry-after"]
        assert (await client.get("/api/v1/me", headers=first)).status_code == 200  # reading is not limited

        second = {"authorization": f"Bearer {(await sign_in(client, 'ar@bluebonnet.example')).json()['token']}"}
        assert (await client.post(NO_SUCH_ITEM, json={"action": "submit"}, headers=second)).status_code == 404

        demo = {"system_id": "demo-transaction-gateway", "key": demo_system_key(DEMO_PASSWORD)}
        system_token = (await client.post("/api/v1/system-session", json=demo)).json()["token"]
        system = {"authorization": f"Bearer {system_token}"}
        answers = [await client.post(NO_SUCH_ITEM, json={"action": "x"}, headers=system) for _ in range(7)]
        # A system's own, higher budget: refused for what it asks (a system acts on no item), not for how often.
        assert [answer.status_code for answer in answers[:6]] == [403] * 6
        assert_rate_limited(answers[6], "changes in a short time")
