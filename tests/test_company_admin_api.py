"""ERCOT's administration of companies through the API: deactivating a company (ERCOT's admins only; its users'
sign-in refused and their sessions ended; again changes nothing), and the set-password links that the identity
service mails to the user's own address, through an SMTP outage too."""

import asyncio
import random
import time
from urllib.parse import parse_qs, urlsplit

from tests.conftest import new_user_fields, sign_in
from tests.registration_helpers import PASSWORD, new_cr
from tests.test_sessions import api_refuses, identity_refuses, refused_within

MAILED_WITHIN = 20.0


async def link_mailed_to(smtp_sink, email: str, after: int = 0, seconds: float = MAILED_WITHIN) -> str:
    """The set-password link in the newest mail to `email` among the sink's mails from index `after`."""
    started = time.monotonic()
    while True:
        mails = [m for m in smtp_sink.keeper.parsed()[after:] if m["To"] == email]
        if mails:
            lines = mails[-1].get_content().splitlines()
            return next(line.strip() for line in lines if "/set-password?token=" in line)
        assert time.monotonic() - started < seconds, f"no set-password mail to {email} within {seconds} s"
        await asyncio.sleep(0.2)


def link_token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def test_only_ercot_admins_deactivate_a_company(http):
    cr = await new_cr(http)
    for headers in (cr.ar, await sign_in(http, "reviewer@ercot.example")):
        refused = await http.post(f"/api/v1/companies/{cr.duns}/deactivate", headers=headers)
        assert refused.status_code == 403, refused.text
    company = await http.get(f"/api/v1/companies/{cr.duns}", headers=cr.ar)
    assert company.json()["active"] is True
    assert (await http.get("/api/v1/me", headers=cr.bar)).status_code == 200


async def test_deactivating_an_unknown_company_is_404(http):
    ercot = await sign_in(http, "admin@ercot.example")
    unknown = f"6{random.randrange(10**8):08d}"
    reply = await http.post(f"/api/v1/companies/{unknown}/deactivate", headers=ercot)
    assert reply.status_code == 404, reply.text


async def test_a_deactivated_companys_users_sessions_end_and_sign_in_is_refused(http, settings):
    cr = await new_cr(http)
    ercot = await sign_in(http, "admin@ercot.example")
    me = (await http.get("/api/v1/me", headers=cr.ar)).json()

    first = await http.post(f"/api/v1/companies/{cr.duns}/deactivate", headers=ercot)
    assert first.status_code == 200, first.text
    deactivated = first.json()
    ercot_me = (await http.get("/api/v1/me", headers=ercot)).json()
    assert deactivated["active"] is False
    assert deactivated["deactivated_by"] == f"{ercot_me['first_name']} {ercot_me['last_name']}"
    assert deactivated["deactivated_at"]
    for headers in (cr.ar, cr.bar, cr.user):
        await refused_within(api_refuses(http, headers))
    await refused_within(identity_refuses(settings, cr.bar))
    signed_in = await http.post("/api/v1/session", json={"email": me["email"], "password": PASSWORD})
    assert signed_in.status_code == 401, signed_in.text
    assert signed_in.json()["error"]["message"] == "the email address or password is incorrect"

    again = await http.post(f"/api/v1/companies/{cr.duns}/deactivate", headers=ercot)
    assert again.status_code == 200, again.text
    assert again.json() == deactivated  # who and when stay the first deactivation's
    listed = (await http.get("/api/v1/companies", headers=ercot)).json()["companies"]
    assert next(c for c in listed if c["duns"] == cr.duns)["active"] is False
    # Nobody gets a set-password link for it any more.
    link = await http.post(f"/api/v1/users/{me['user_id']}/invitation", headers=ercot)
    assert link.status_code == 409, link.text


async def test_a_set_password_link_is_mailed_to_the_user_and_shown_to_the_admin(http, smtp_sink):
    ercot = await sign_in(http, "admin@ercot.example")
    duns = f"7{random.randrange(10**8):08d}"
    admin = new_user_fields(email=f"admin.{duns}@cr.example")
    before = len(smtp_sink.keeper.parsed())
    made = await http.post(
        "/api/v1/companies",
        headers=ercot,
        json={"name": f"Mesquite Power {duns}", "duns": duns, "kind": "CR", "first_admin": admin},
    )
    assert made.status_code == 201, made.text
    shown = made.json()["first_admin_invitation"]["token"]
    mailed = await link_mailed_to(smtp_sink, admin["email"], before)
    assert link_token(mailed) == shown
    assert mailed.startswith(f"http://127.0.0.1:{http.base_url.port}/set-password?token=")
    mail = [m for m in smtp_sink.keeper.parsed()[before:] if m["To"] == admin["email"]][-1]
    assert mail["Subject"] == "Set your FlighTrak password"

    # Re-issuing mails the new link; the old one no longer works.
    user_id = (await http.get(f"/api/v1/companies/{duns}/users", headers=ercot)).json()["users"][0]["user_id"]
    before = len(smtp_sink.keeper.parsed())
    again = await http.post(f"/api/v1/users/{user_id}/invitation", headers=ercot)
    assert again.status_code == 201, again.text
    mailed_again = await link_mailed_to(smtp_sink, admin["email"], before)
    assert link_token(mailed_again) == link_token(again.json()["url"]) != shown
    old = await http.post("/api/v1/password", json={"token": shown, "password": PASSWORD})
    assert old.status_code == 400, old.text
    used = await http.post("/api/v1/password", json={"token": link_token(mailed_again), "password": PASSWORD})
    assert used.status_code == 200, used.text
    await sign_in(http, admin["email"], PASSWORD)


async def test_a_link_issued_during_an_smtp_outage_is_mailed_once_it_ends(http, smtp_sink, caplog):
    cr = await new_cr(http)
    ercot = await sign_in(http, "admin@ercot.example")
    users = (await http.get(f"/api/v1/companies/{cr.duns}/users", headers=ercot)).json()["users"]
    target = users[0]
    smtp_sink.stop()
    try:
        issued = await http.post(f"/api/v1/users/{target['user_id']}/invitation", headers=ercot)
        assert issued.status_code == 201, issued.text
        await asyncio.sleep(3)  # the sender tries, and fails, meanwhile
        before = len(smtp_sink.keeper.parsed())
    finally:
        smtp_sink.start()
    mailed = await link_mailed_to(smtp_sink, target["email"], before, seconds=90)
    assert link_token(mailed) == link_token(issued.json()["url"])
    assert link_token(mailed) not in caplog.text
