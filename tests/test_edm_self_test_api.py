"""Run EDM Self-Test through the HTTP API, on the real stack, against a local EDM endpoint with its own CA: a CR's
approved specifications pass and the result is kept on the item and in its history, again on each run; a TDSP's
specifications fail by certificate, key and DNS, each named; a company that does not work the request cannot run it."""

import pytest
from pysequoia import Cert, Tsk

from flightrak import edm_endpoint
from tests.conftest import free_port, sign_in
from tests.registration_helpers import act, report
from tests.test_specifications_api import approved_lonestar
from tests.test_specifications_rules import good_raw

SELF_TEST = "run_edm_self_test"


@pytest.fixture(scope="module")
def material() -> edm_endpoint.Material:
    return edm_endpoint.make_material("Lone Star EDM")


@pytest.fixture(scope="module")
async def endpoint(stack, material):
    import httpx

    async with httpx.AsyncClient(base_url=stack) as http:
        auth = await sign_in(http, "user@lonestar.example")
        key = await http.get("/api/v1/edm-self-test/signing-key", headers=auth)
    assert key.status_code == 200 and key.headers["content-type"].startswith("application/pgp-keys")
    assert "BEGIN PGP PUBLIC KEY BLOCK" in key.text
    async with edm_endpoint.serving(material, key.text, free_port()) as url:
        yield url


def specifications(url: str, material: edm_endpoint.Material, **overrides: str) -> dict[str, str]:
    key = overrides.get("pgp_public_key", material.participant_public_key)
    agreed = {"edm_url": url, "ssl_certificate": material.chain_pem, "pgp_public_key": key}
    return good_raw(**(agreed | {"pgp_fingerprint": Cert.from_bytes(key.encode()).fingerprint} | overrides))


async def test_approved_specifications_pass_and_each_run_is_recorded(http, endpoint, material):
    _, registration = await approved_lonestar(http)
    item_id = int(registration["fields"]["testing_specifications_item_id"])
    user, reviewer = await sign_in(http, "user@lonestar.example"), await sign_in(http, "reviewer@ercot.example")
    provided = await act(http, user, item_id, "provide", **specifications(endpoint, material))
    assert provided.status_code == 200, provided.text
    assert all(a["name"] != SELF_TEST for a in provided.json()["actions"])  # not before ERCOT approves
    assert (await act(http, user, item_id, SELF_TEST)).status_code == 409
    approved = (await act(http, reviewer, item_id, "approve")).json()
    assert (approved["state"], [a["name"] for a in approved["actions"]]) == ("Approved", [SELF_TEST])
    assert [a["name"] for a in (await http.get(f"/api/v1/items/{item_id}", headers=user)).json()["actions"]] == [
        SELF_TEST
    ]

    ran = await act(http, user, item_id, SELF_TEST)
    assert ran.status_code == 200, ran.text
    item = ran.json()
    assert (item["state"], item["closed"]) == ("Approved", True)
    assert item["fields"]["edm_self_test"] == "Passed" and item["fields"]["edm_self_test_failed"] == ""
    assert item["fields"]["edm_self_test_url"] == endpoint
    last = item["history"][-1]
    assert (last["action"], last["from_state"], last["to_state"]) == ("Run EDM Self-Test", "Approved", "Approved")
    assert last["changes"]["edm_self_test"] == "Passed"
    assert "request-status=ok" in last["comment"]

    again = (await act(http, reviewer, item_id, SELF_TEST)).json()  # ERCOT may run it too, and anyone again
    assert [h["action"] for h in again["history"]][-2:] == ["Run EDM Self-Test", "Run EDM Self-Test"]
    assert again["fields"]["edm_self_test_at"] > item["fields"]["edm_self_test_at"]

    stranger = await act(http, await sign_in(http, "user@bluebonnet.example"), item_id, SELF_TEST)
    assert stranger.status_code == 404
    paired_tdsp = await act(http, await sign_in(http, "user@oncor.example"), item_id, SELF_TEST)
    assert paired_tdsp.status_code in (403, 404)

    page = await http.get(f"/items/{item_id}", headers=user)
    assert "EDM Self-Test" in page.text and 'id="edm-self-test-result">Passed' in page.text


async def test_a_tdsps_specifications_fail_by_certificate_key_and_dns_each_named(http, endpoint, material):
    flight, _ = await approved_lonestar(http)
    oncor = await sign_in(http, "user@oncor.example")
    [row] = (await report(http, oncor, "tdsp-test-specs", flight=flight["designation"]))["rows"]
    item_id = int(row["Item ID"])

    async def failed_with(**overrides: str) -> dict:
        provided = await act(http, oncor, item_id, "provide", **specifications(endpoint, material, **overrides))
        assert provided.status_code == 200, provided.text
        assert provided.json()["state"] == "Test Bed Loading"
        ran = await act(http, oncor, item_id, SELF_TEST)
        assert ran.status_code == 200, ran.text
        return ran.json()

    other = edm_endpoint.make_material("Someone Else")
    wrong_certificate = await failed_with(ssl_certificate=other.chain_pem)
    assert (wrong_certificate["fields"]["edm_self_test"], wrong_certificate["fields"]["edm_self_test_failed"]) == (
        "Failed",
        "certificate",
    )
    assert "not the one agreed" in wrong_certificate["history"][-1]["comment"]

    stranger_key = str(Tsk.generate("Oncor EDM <edm@oncor.example>").extract_certificate())
    wrong_key = await failed_with(pgp_public_key=stranger_key)
    assert wrong_key["fields"]["edm_self_test_failed"] == "key"
    assert "decryption failed" in wrong_key["history"][-1]["comment"]

    unknown_host = await failed_with(edm_url="https://edm.no-such-host.invalid/naesb/test")
    assert unknown_host["fields"]["edm_self_test_failed"] == "DNS"
    assert unknown_host["state"] == "Test Bed Loading"
    assert [h["action"] for h in unknown_host["history"]].count("Run EDM Self-Test") == 3

    lonestar = await act(http, await sign_in(http, "user@lonestar.example"), item_id, SELF_TEST)
    assert lonestar.status_code == 403
    assert (
        lonestar.json()["error"]["message"] == "only the company, its Service Provider or ERCOT run its EDM self-test"
    )
