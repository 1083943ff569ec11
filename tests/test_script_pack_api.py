"""Publishing a flight's script pack through the HTTP API, on the real stack (issue 5)."""

from pathlib import Path

from tests.conftest import sign_in
from tests.registration_helpers import create_flight

EXAMPLE = (Path(__file__).parent.parent / "services" / "scripts" / "example_pack.yaml").read_text()
YAML = {"content-type": "application/yaml"}


async def put_pack(http, auth: dict, designation: str, content: str | bytes, headers: dict = YAML):
    return await http.put(f"/api/v1/flights/{designation}/script-pack", content=content, headers=auth | headers)


async def test_ercot_publishes_versions_and_a_bad_pack_publishes_nothing(http):
    ercot = await sign_in(http, "admin@ercot.example")
    designation = (await create_flight(http, ercot))["designation"]

    first = await put_pack(http, ercot, designation, EXAMPLE)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["example"], first.json()["unchanged"]) == (1, True, False)
    assert first.json()["scripts"] >= 8 and first.json()["published_by"] == "Catherine Meiners"
    again = await put_pack(http, ercot, designation, EXAMPLE)
    assert (again.status_code, again.json()["version"], again.json()["unchanged"]) == (200, 1, True)

    retitled = EXAMPLE.replace("title:", "title: Revised -", 1)
    second = await put_pack(http, ercot, designation, retitled)
    assert (second.status_code, second.json()["version"]) == (201, 2)

    broken = EXAMPLE.replace("responsible: TDSP", "responsible: Bank", 1).replace("begins: CR", "begins: Nobody", 1)
    refused = await put_pack(http, ercot, designation, broken)
    assert refused.status_code == 422, refused.text
    problems = refused.json()["error"]["problems"]
    assert len(problems) == 2 and all(p.startswith("script ") for p in problems)
    assert any("'Bank'" in p and "step" in p for p in problems) and any("'Nobody'" in p for p in problems)
    assert "nothing was published" in refused.json()["error"]["message"]

    user = await sign_in(http, "user@lonestar.example")
    latest = await http.get(f"/api/v1/flights/{designation}/script-pack", headers=user)
    assert latest.status_code == 200 and latest.json()["version"] == 2
    con03 = next(s for s in latest.json()["pack"]["scripts"] if s["script_id"] == "CON03")
    assert [step["state"] for step in con03["steps"]] == [
        "Pending Bank Info Provided by CR",
        "Pending TDSP Banking Info sent to CR",
        "P2P Bank Transfer in Progress",
    ]
    kept = await http.get(f"/api/v1/flights/{designation}/script-pack", params={"version": 1}, headers=user)
    assert kept.json()["title"] == first.json()["title"] != latest.json()["title"]

    as_json = await put_pack(
        http, ercot, designation, '{"title": "x", "scripts": [}', {"content-type": "application/json"}
    )
    assert as_json.status_code == 422 and as_json.json()["error"]["problems"][0].startswith("line 1, column")


async def test_only_an_ercot_admin_publishes_and_only_for_a_flight_that_exists(http):
    ercot = await sign_in(http, "admin@ercot.example")
    designation = (await create_flight(http, ercot))["designation"]
    for email in ("ar@lonestar.example", "reviewer@ercot.example"):
        reply = await put_pack(http, await sign_in(http, email), designation, EXAMPLE)
        assert reply.status_code == 403, reply.text
    assert (await put_pack(http, ercot, "9999", EXAMPLE)).status_code == 404
    too_big = await put_pack(http, ercot, designation, b"#" * (6 * 1024 * 1024))
    assert too_big.status_code == 413 and "a script pack may be at most 5.0 MB" in too_big.json()["error"]["message"]
    none_yet = await http.get(f"/api/v1/flights/{designation}/script-pack", headers=ercot)
    assert none_yet.status_code == 404 and "has no script pack yet" in none_yet.json()["error"]["message"]
