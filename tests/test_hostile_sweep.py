"""Hostile input to every operation of the OpenAPI document and every page (issue 13, item 9): NUL, lone surrogates,
long text, integers past 64 bits, digits that are not 0-9, wrong types, missing and malformed bodies, signed in as
ERCOT, as a participant and not at all. Nothing may answer 5xx, and no answer may show SQL, an exception or module
name, a password hash or a traceback. Every failure of one run is listed at once."""

import asyncio
import base64
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes, urlencode

import httpx
from fastapi.routing import iter_route_contexts

from services.gateway.app import create_app
from services.gateway.auth import SESSION_COOKIE, csrf_token
from services.gateway.pages import SIGNIN_CSRF_COOKIE
from tests.conftest import new_user_fields, sign_in, system_sign_in, unique
from tests.registration_helpers import create_flight, next_designation

LONESTAR = "079348512"
ONCOR = "103994067"
CONCURRENCY = 8
# A page of text long enough to pass gRPC's 16 KB metadata limit when a service echoes it in an error.
LONG = 20_000
LONGEST = 100_000

# Hostile values as they travel in a URL (path segment, query value): already percent-encoded. 20,000 characters
# rather than 100,000 here: past gRPC's metadata limit is what matters, and the bodies carry the longest text.
URL_VARIANTS = {
    "nul": "a%00b",
    "lone-surrogate": "a%ED%A0%80b",
    "invalid-utf8": "a%FFb",
    "20k-chars": "x" * LONG,
    "2^63": str(2**63),
    "2^64": str(2**64),
    "-(2^63)-1": str(-(2**63) - 1),
    "superscript-two": quote("²"),
    "arabic-indic-three": quote("٣"),
    "wrong-type": "not-a-number",
}
# Hostile values of a page's form field, percent-encoded as a browser posts them.
FORM_VARIANTS = {
    "nul": "a%00b",
    "lone-surrogate": "a%ED%A0%80b",
    "invalid-utf8": "a%FFb",
    "100k-chars": "x" * LONGEST,
    "2^64": str(2**64),
    "-(2^63)-1": str(-(2**63) - 1),
    "superscript-two": quote("²"),
}
# Hostile values inside a JSON body, by the type the schema gives the field. json.dumps writes a lone surrogate as
# the escape "\ud800", which is how it arrives from outside.
TEXT_VARIANTS = {
    "nul": "a\x00b",
    "lone-surrogate": "a\ud800b",
    "20k-chars": "x" * LONG,
    "100k-chars": "x" * LONGEST,
    "superscript-two": "²",
    "wrong-type-integer": 2**63,
    "wrong-type-object": {"a": "b"},
}
NUMBER_VARIANTS = {
    "2^63": 2**63,
    "2^64": 2**64,
    "-(2^63)-1": -(2**63) - 1,
    "superscript-two": "²",
    "arabic-indic-three": "٣",
    "wrong-type-text": "not-a-number",
    "wrong-type-list": [1],
}
BOOLEAN_VARIANTS = {"wrong-type-text": "x\x00", "2^64": 2**64, "lone-surrogate": "\ud800"}
# Whole bodies that are not what the operation reads.
BODY_VARIANTS = {
    "missing-body": (None, "application/json"),
    "not-json": (b"{not json", "application/json"),
    "invalid-utf8-json": (b'{"a": "\xff\xfe"}', "application/json"),
    "json-null": (b"null", "application/json"),
    "json-list": (b"[[], {}]", "application/json"),
    "nul-key": (b'{"a\\u0000b": "c"}', "application/json"),
    "surrogate-key": (b'{"\\ud800": "c"}', "application/json"),
    "multipart-without-boundary": (b"--x\r\ncontent\r\n--x--\r\n", "multipart/form-data"),
    "urlencoded": (b"a=%00&b=%ED%A0%80", "application/x-www-form-urlencoded"),
    "text-with-nul": (b"a\x00b", "text/plain"),
    "csv-with-bad-bytes": (b"ESI ID\r\n\x00\xff\xfe\r\n", "text/csv"),
    "x12-with-nul": (b"ISA*00*\x00*~", "application/edi-x12"),
}
# Form bodies of pages (the CSRF token is added to those that carry fields).
PAGE_BODY_VARIANTS = {
    "missing-body": (None, "application/x-www-form-urlencoded"),
    "multipart-without-boundary": (b"--x\r\ncontent\r\n--x--\r\n", "multipart/form-data"),
    "multipart-bad-boundary": (b"garbage without the boundary", "multipart/form-data; boundary=zzz"),
    "json-instead-of-form": (b'{"a": "\\ud800"}', "application/json"),
    "invalid-utf8-form": (b"a=\xff\xfe&b=%FF", "application/x-www-form-urlencoded"),
}


def unsigned_token(claims: dict) -> str:
    """A JWT that claims what it likes and is signed by nobody (alg none)."""
    encoded = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode() for part in claims.values()]
    return ".".join(encoded) + "."


# Bearer tokens and session cookies that the gateway never issued, each sent as a caller of its own.
HOSTILE_TOKENS = {
    "token-20k-chars": "x" * LONG,
    "token-three-dots": "a.b.c",
    "token-2^64": str(2**64),
    "token-alg-none": unsigned_token(
        {
            "header": {"alg": "none", "typ": "JWT"},
            "payload": {"sub": "1", "duns": "183529049", "roles": ["ercot_admin"]},
        }
    ),
}

# What may never appear in an answer: SQL, exception and module names, tracebacks, password hashes, gRPC internals.
LEAKS = {
    "SQL": re.compile(
        r"\bSELECT\b.{0,300}?\bFROM\b|\bINSERT INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE FROM\b|psycopg|sqlalchemy"
        r"|\bpg_\w+|duplicate key value|violates \w+ constraint|\bON CONFLICT\b",
        re.IGNORECASE | re.DOTALL,
    ),
    "exception name": re.compile(r"\b[A-Za-z_]\w*(?:Error|Exception)\b"),
    "traceback": re.compile(r"Traceback|File \"|\.py\b\"?|line \d+, in "),
    "module name": re.compile(
        r"\b(?:flightrak|services|workflows|temporalio|grpc|google\.protobuf|pydantic|starlette|fastapi)"
        r"\.(?!css\b|js\b)[a-z_]+|_pb2\b|StatusCode\.|errors\.pydantic\.dev"
    ),
    "argon2": re.compile(r"argon2", re.IGNORECASE),
}


@dataclass(frozen=True)
class Probe:
    caller: str
    method: str
    path: str
    variant: str
    query: str = ""
    content: bytes | None = None
    content_type: str | None = None
    page: bool = False


@dataclass
class Sandbox:
    """What the sweep may touch without spoiling the shared demo data: its own user, item, list and system."""

    flight: str
    user_id: str
    item_id: str
    list_email: str
    system_id: str
    tokens: dict[str, str]
    csrf: dict[str, str] = field(default_factory=dict)
    dashboard_id: str = ""


def path_values(sandbox: Sandbox) -> dict[str, str]:
    """A sound value for each path or query parameter, so a request reaches the code behind the one hostile value."""
    return {
        "duns": LONESTAR,
        "company_duns": LONESTAR,
        "user_id": sandbox.user_id,
        "email": sandbox.list_email,
        "item_id": sandbox.item_id,
        "ref": sandbox.item_id,
        "designation": sandbox.flight,
        "flight": sandbox.flight,
        "report": "available-flights",
        "dashboard": "general",
        "transaction": f"{LONESTAR}:SWEEP-NO-SUCH-REFERENCE",
        "system_id": sandbox.system_id,
        "format": "json",
        "kind": "template",
        "page_size": "10",
        "page_token": "",
        "version": "0",
        "file_name": "bed.csv",
        "mark_read": "false",
        "include_closed": "false",
        "next": "/",
        "token": "not-a-token",
        "edit": "",
        "password_set": "false",
        "list": sandbox.list_email,
        "type": "Flight Notice",
        "target_user_id": sandbox.user_id,
        "decision": "retry",
        "dashboard_id": sandbox.dashboard_id,
        "position": "0",
        "search": "",
    }


def body_values(sandbox: Sandbox, operation: str) -> dict:
    """Sound values for body fields by name; sign-in bodies name nobody, so no demo account is ever locked out."""
    fresh = unique("")
    values = {
        "email": f"sweep-{fresh}@lonestar.example",
        "password": "Sweep-password-1",
        "name": f"Sweep {fresh}",
        "duns": str(100_000_000 + int(fresh, 16) % 800_000_000),
        "parent_duns": "",
        "kind": "add",
        "company_duns": LONESTAR,
        "target_user_id": sandbox.user_id,
        "fields": {},
        "action": "ok",
        "comment": "Swept.",
        "roles": ["user"],
        "token": "not-a-token",
        "designation": next_designation(),
        "signup_deadline": "2098-12-01",
        "day1_of_testing": "2099-01-05",
        "end_date": "2099-02-05",
        "signup_deadline_time": "",
        "list_email": sandbox.list_email,
        "notice_type": "Flight Notice",
        "subscribed": True,
        "system_id": f"sweep-{fresh}",
        "item_id": int(sandbox.item_id),
        "type": "814_01",
        "sender_duns": LONESTAR,
        "receiver_duns": ONCOR,
        "reference": f"SWEEP-{fresh}",
        "esi_id": "10443720000000001",
        "answers_reference": "",
        "valid": True,
        "reasons": ["swept"],
        "transaction_id": "",
    }
    if operation.endswith("/companies"):
        values["kind"] = "CR"
        values["first_admin"] = new_user_fields(email=f"sweep-{fresh}@sweep.example")
    if operation.endswith("/user-requests"):
        values["fields"] = new_user_fields()
    if operation.endswith("/registrations"):
        values["fields"] = {"primary_contact": sandbox.user_id, "customer_classes": "residential", "tdsps": ONCOR}
    if operation.endswith("/notices"):
        values["fields"] = {"notice_type": "Flight Notice", "short_description": "Swept", "audience": "CR"}
    if operation.endswith("/actions"):
        values["fields"] = {"first_name": "Rosa"}
    if operation.endswith("/system-session"):
        values["system_id"] = "sweep-nobody"
    if operation.endswith("/session"):
        values["email"] = "nobody@sweep.example"
    return values


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    for choice in schema.get("anyOf", ()):
        if choice.get("type") != "null":
            return resolve(document, choice)
    return schema


def sound_body(document: dict, schema: dict, values: dict, name: str = ""):
    """A body the schema accepts, from `values` by field name, else the schema's default, else plain text."""
    schema = resolve(document, schema)
    if name in values:
        return values[name]
    if schema.get("type") == "object" and "properties" in schema:
        return {key: sound_body(document, inner, values, key) for key, inner in schema["properties"].items()}
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    return {"integer": 1, "boolean": True, "array": [], "object": {}}.get(schema.get("type"), "swept")


def hostile_bodies(document: dict, schema: dict, body, where: str = ""):
    """(variant name, body) pairs: the sound body with one field, list item, map value or key made hostile."""
    schema = resolve(document, schema)
    kind = schema.get("type")
    if kind == "object" and isinstance(body, dict):
        properties = schema.get("properties", {})
        for key, value in body.items():
            inner = properties.get(key) or schema.get("additionalProperties") or {"type": "string"}
            for variant, hostile in hostile_bodies(document, inner, value, f"{where}.{key}" if where else key):
                yield variant, {**body, key: hostile}
        if not properties:
            for variant, key in (("nul-key", "a\x00b"), ("surrogate-key", "\ud800"), ("20k-key", "k" * LONG)):
                yield f"{where}:{variant}", {**body, key: "swept"}
        return
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        first = body[0] if isinstance(body, list) and body else sound_body(document, items, {})
        for variant, hostile in hostile_bodies(document, items, first, f"{where}[0]"):
            yield variant, [hostile]
        yield f"{where}=wrong-type-text", "x"
        return
    variants = {"integer": NUMBER_VARIANTS, "number": NUMBER_VARIANTS, "boolean": BOOLEAN_VARIANTS}.get(
        kind, TEXT_VARIANTS
    )
    for variant, hostile in variants.items():
        yield f"{where}={variant}", hostile


def url_with(template: str, values: dict[str, str], hostile: dict[str, str]) -> str:
    """The path with each {name} filled: the hostile value as it is (already encoded), sound ones quoted."""

    def filled(match: re.Match) -> str:
        name = match.group(1)
        return hostile[name] if name in hostile else quote(values[name], safe="")

    return re.sub(r"\{(\w+)(?::\w+)?\}", filled, template)


def query_with(values: dict[str, str], names: list[str], hostile: dict[str, str]) -> str:
    sound = {name: values[name] for name in names if name not in hostile and name in values}
    parts = [urlencode(sound)] if sound else []
    parts += [f"{name}={value}" for name, value in hostile.items()]
    return "&".join(parts)


# Operations that answer without signing in: their bodies are swept as the anonymous caller too.
ANONYMOUS_OPERATIONS = {"/api/v1/session", "/api/v1/system-session", "/api/v1/password"}


def api_probes(document: dict, sandbox: Sandbox, callers: list[str]) -> list[Probe]:
    probes = []
    values = path_values(sandbox)
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, template) in OPERATIONS_NOT_SWEPT:
                continue
            parameters = operation.get("parameters", [])
            path_names = [p["name"] for p in parameters if p["in"] == "path"]
            query_names = [p["name"] for p in parameters if p["in"] == "query"]
            content = operation.get("requestBody", {}).get("content", {})
            json_schema = content.get("application/json", {}).get("schema")
            sound = sound_body(document, json_schema, body_values(sandbox, template)) if json_schema else None
            sound_bytes = json.dumps(sound).encode() if json_schema else None
            json_type = "application/json" if json_schema else None
            path = url_with(template, values, {})
            query = query_with(values, query_names, {})
            for caller in callers:
                sends = dict(caller=caller, method=method.upper(), content=sound_bytes, content_type=json_type)
                for name in path_names + query_names:
                    for variant, hostile in URL_VARIANTS.items():
                        probes.append(
                            Probe(
                                path=url_with(template, values, {name: hostile} if name in path_names else {}),
                                query=query_with(values, query_names, {name: hostile} if name in query_names else {}),
                                variant=f"{name}={variant}",
                                **sends,
                            )
                        )
                if method in ("get", "delete"):
                    continue
                for variant, (body, content_type) in BODY_VARIANTS.items():
                    probes.append(Probe(caller, method.upper(), path, variant, query, body, content_type))
                if json_schema and (caller != "anonymous" or template in ANONYMOUS_OPERATIONS):
                    for variant, body in hostile_bodies(document, json_schema, sound):
                        probes.append(
                            Probe(
                                caller,
                                method.upper(),
                                path,
                                f"body {variant}",
                                query,
                                json.dumps(body).encode(),
                                "application/json",
                            )
                        )
    return probes


# Each page form's fields and a sound value for each (the rest of the form around the one hostile field).
PAGE_FORMS = {
    "/flights/new": {
        "designation": next_designation(),
        "signup_deadline": "2098-12-01",
        "signup_deadline_time": "",
        "day1_of_testing": "2099-01-05",
        "end_date": "2099-02-05",
    },
    "/flights/{designation}/register": {
        "primary_contact": "",
        "secondary_contact": "",
        "testing_contact": "",
        "business_contact_list": "",
        "customer_classes": "residential",
        "tdsps": ONCOR,
        "edi_system": "Swept",
        "bank_name": "Swept Bank",
        "service_provider": "",
        "changing_banks": "no",
        "system_change": "no",
    },
    "/transactions/{transaction}/attach": {"item_id": "{item_id}", "comment": "Swept."},
    "/notices/new": {
        "notice_type": "Flight Notice",
        "short_description": "Swept",
        "audience": "CR",
        "audience_companies": "",
        "long_description": "Swept.",
        "notice_date": "",
    },
    "/notices/subscriptions": {"list_email": "{list_email}", "notice_type": "Flight Notice", "subscribed": "yes"},
    "/notices/{item_id}/actions": {"action": "ok", "comment": "Swept."},
    "/transaction-systems": {"system_id": "sweep-page-system", "name": "Swept"},
    "/transaction-systems/{system_id}/rotate-key": {},
    "/transaction-systems/{system_id}/deactivate": {},
    "/signin": {"email": "nobody@sweep.example", "password": "Sweep-password-1", "next": "/", "guard": "x"},
    "/set-password": {"token": "not-a-token", "password": "Sweep-password-1", "confirm": "Sweep-password-1"},
    "/companies/{duns}/users/{user_id}/invitation": {},
    "/companies": {
        "name": "Swept Power",
        "duns": "{fresh_duns}",
        "parent_duns": "",
        "kind": "CR",
        "first_admin.first_name": "Swept",
        "first_admin.last_name": "Page",
        "first_admin.employee_id": "{fresh_duns}",
        "first_admin.email": "{fresh_duns}@sweep.example",
        "first_admin.phone": "512-555-0100",
        "distribution_lists[0].name": "",
        "distribution_lists[0].email": "",
    },
    "/companies/{duns}/distribution-lists": {"name": "Swept", "email": "sweep-page@lonestar.example"},
    "/companies/{duns}/distribution-lists/remove": {"email": "{list_email}"},
    "/user-requests/new": {
        "kind": "update",
        "company_duns": LONESTAR,
        "target_user_id": "{user_id}",
        "first_name": "Rosa",
        "last_name": "Delgado",
        "employee_id": "E-1",
        "email": "rosa.sweep@lonestar.example",
        "phone": "512-555-0142",
    },
    "/items/{item_id}/attachments": {"file": "ESI ID\r\n"},
    "/flights/{designation}/script-pack": {"file": "scripts: []\n"},
    "/my-calendar": {},
    "/my-calendar/revoke": {},
    "/flights/{designation}/letters": {},
    "/items/{item_id}/actions": {"action": "ok", "comment": "Swept.", "first_name": "Rosa"},
    "/operations/{item_id}/{decision}": {},
    **{
        path: {
            "name": "Swept",
            "shared": "yes",
            "order_0": "1",
            "report_0": "available-flights",
            "flight_0": "",
            "state_0": "",
            "responsible_party_0": "",
            "search_0": "",
        }
        for path in ("/my-dashboards/new", "/my-dashboards/{dashboard_id}/edit")
    },
    "/my-dashboards/{dashboard_id}/copy": {},
    "/my-dashboards/{dashboard_id}/delete": {},
}
# Signing out may end the session server-side for every test that shares the demo accounts: not swept. Nor are
# deactivating a company and setting a user's roles, whose sound request would lock the demo's Lone Star out (or end its
# users' sessions) for the rest of the suite; tests/test_company_admin_api.py and the administration browser test
# cover them.
PAGES_NOT_SWEPT = {
    ("POST", "/signout"),
    ("POST", "/companies/{duns}/deactivate"),
    ("POST", "/companies/{duns}/users/{user_id}/roles"),
}
OPERATIONS_NOT_SWEPT = {("post", "/api/v1/companies/{duns}/deactivate")}
PAGE_QUERIES = {
    "/search": ["item_id", "flight"],
    "/signin": ["next", "password_set"],
    "/set-password": ["token"],
    "/reports/{report}": ["flight", "item_id", "page_token"],
    "/dashboards/{dashboard}": ["flight", "search"],
    "/": ["flight", "search"],
    "/my-dashboards/{dashboard_id}": ["flight", "search"],
    "/my-dashboards/{dashboard_id}/reports/{position}/live": ["flight", "search"],
    "/notices/subscriptions": ["list", "type", "company_duns"],
    "/notices/{item_id}": ["edit"],
    "/user-requests/new": ["kind", "company_duns", "target_user_id"],
    "/items/{item_id}": ["edit"],
}
FILE_FIELDS = {"file"}


def page_routes() -> list[tuple[str, str]]:
    """(method, path) of every page: the routes left out of the OpenAPI document, less FastAPI's own."""
    routes = []
    for route in iter_route_contexts(create_app().routes):
        if (
            getattr(route, "include_in_schema", True)
            or route.path in ("/openapi.json", "/redoc")
            or (route.path.startswith("/docs"))
        ):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        routes += [(method, path) for method in sorted(route.methods) if method != "HEAD"]
    return routes


def multipart(form: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "sweepboundary"
    parts = []
    for name, value in form.items():
        filename = '; filename="bed.csv"' if name in FILE_FIELDS else ""
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{filename}\r\n\r\n'
        parts.append(head.encode() + value + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def page_probes(sandbox: Sandbox, callers: list[str]) -> list[Probe]:
    probes = []
    values = path_values(sandbox)
    fill = {
        "{item_id}": sandbox.item_id,
        "{list_email}": sandbox.list_email,
        "{user_id}": sandbox.user_id,
        "{fresh_duns}": f"4{int(unique(''), 16) % 10**8:08d}",  # Create Company's sound form makes a company of its own
    }
    for method, template in page_routes():
        if (method, template) in PAGES_NOT_SWEPT:
            continue
        assert method == "GET" or template in PAGE_FORMS, f"the sweep needs {template}'s form fields in PAGE_FORMS"
        form = {name: fill.get(value, value) for name, value in PAGE_FORMS.get(template, {}).items()}
        path_names = re.findall(r"\{(\w+)\}", template)
        query_names = PAGE_QUERIES.get(template, []) if method == "GET" else []
        for caller in callers:
            csrf = {"csrf_token": sandbox.csrf[caller]} if caller in sandbox.csrf else {}
            sound = {name: quote(value, safe="") for name, value in form.items()}
            content, content_type = page_body(method, {**csrf, **sound})
            for name in path_names + query_names:
                for variant, hostile in URL_VARIANTS.items():
                    probes.append(
                        Probe(
                            caller,
                            method,
                            url_with(template, values, {name: hostile} if name in path_names else {}),
                            f"{name}={variant}",
                            query_with(values, query_names, {name: hostile} if name in query_names else {}),
                            content,
                            content_type,
                            page=True,
                        )
                    )
            if method == "GET":
                continue
            path = url_with(template, values, {})
            for variant, (raw, raw_type) in PAGE_BODY_VARIANTS.items():
                probes.append(Probe(caller, method, path, variant, "", raw, raw_type, page=True))
            if caller == "anonymous" and template not in ("/signin", "/set-password"):
                continue
            for name in form:
                for variant, hostile in FORM_VARIANTS.items():
                    content, content_type = page_body(method, {**csrf, **sound, name: hostile})
                    probes.append(
                        Probe(caller, method, path, f"form {name}={variant}", "", content, content_type, page=True)
                    )
    return probes


def page_body(method: str, form: dict[str, str]) -> tuple[bytes | None, str | None]:
    """A page's form (values percent-encoded) as the browser posts it: multipart when it carries a file."""
    if method == "GET":
        return None, None
    if FILE_FIELDS & form.keys():
        return multipart({name: unquote_to_bytes(value) for name, value in form.items()})
    return "&".join(f"{name}={value}" for name, value in form.items()).encode(), "application/x-www-form-urlencoded"


def headers_for(probe: Probe, sandbox: Sandbox) -> dict[str, str]:
    headers = {}
    token = sandbox.tokens.get(probe.caller)
    cookies = [f"{SESSION_COOKIE}={token}"] if token and probe.page else []
    if probe.path.startswith("/signin"):
        cookies.append(f"{SIGNIN_CSRF_COOKIE}=x")
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    if probe.page:
        headers["accept"] = "text/html"
    elif token:
        headers["authorization"] = f"Bearer {token}"
    if probe.content_type:
        headers["content-type"] = probe.content_type
    return headers


def leaks_in(text: str) -> list[str]:
    return [what for what, pattern in LEAKS.items() if pattern.search(text)]


async def send_all(http: httpx.AsyncClient, probes: list[Probe], sandbox: Sandbox) -> list[str]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(probe: Probe) -> str | None:
        url = probe.path + (f"?{probe.query}" if probe.query else "")
        async with gate:
            try:
                reply = await http.request(
                    probe.method, url, content=probe.content, headers=headers_for(probe, sandbox)
                )
            except httpx.HTTPError as error:
                return describe(probe, "no answer", type(error).__name__)
        leaked = leaks_in(reply.text)
        if reply.status_code >= 500 or leaked:
            what = f"{reply.status_code}" + (f" leaked {', '.join(leaked)}" if leaked else "")
            return describe(probe, what, reply.text)
        return None

    found = await asyncio.gather(*(send(probe) for probe in probes))
    return sorted({failure for failure in found if failure})


def describe(probe: Probe, what: str, body: str) -> str:
    shown = shorten(body)[:200].replace("\n", " ")
    return f"{probe.caller:11} {probe.method:6} {shorten(probe.path)} [{probe.variant}] -> {what}: {shown}"


def shorten(text: str) -> str:
    """A run of the long value's x's as x*count, so a failure line stays readable."""
    return re.sub(r"x{40,}", lambda m: f"x*{len(m.group())}", text)


async def sandbox_for(http: httpx.AsyncClient, settings) -> Sandbox:
    ercot = await sign_in(http, "admin@ercot.example")
    participant = await sign_in(http, "admin@lonestar.example")
    system = await system_sign_in(http)
    flight = await create_flight(http, ercot)

    async def created(path: str, headers: dict, body: dict) -> dict:
        reply = await http.post(path, headers=headers, json=body)
        assert reply.status_code == 201, reply.text
        return reply.json()

    item = await created("/api/v1/user-requests", participant, {"kind": "add", "fields": new_user_fields()})
    user_fields = new_user_fields()
    added = await created("/api/v1/user-requests", participant, {"kind": "add", "fields": user_fields})
    committed = await http.post(
        f"/api/v1/items/{added['item_id']}/actions", headers=participant, json={"action": "commit"}
    )
    assert committed.status_code == 200, committed.text
    users = (await http.get(f"/api/v1/companies/{LONESTAR}/users", headers=participant)).json()["users"]
    user_id = next(user["user_id"] for user in users if user["email"] == user_fields["email"])
    listed = await created(
        f"/api/v1/companies/{LONESTAR}/distribution-lists",
        participant,
        {"name": "Sweep list", "email": f"sweep-{unique('')}@lonestar.example"},
    )
    system_id = (await created("/api/v1/transaction-systems", ercot, {"system_id": unique("sweep-"), "name": "Sweep"}))[
        "system_id"
    ]
    tokens = {
        name: headers["authorization"].removeprefix("Bearer ")
        for name, headers in (("ercot", ercot), ("participant", participant), ("system", system))
    }
    dashboard = await created(
        "/api/v1/dashboards", participant, {"name": "Sweep", "reports": [{"report": "available-flights"}]}
    )
    return Sandbox(
        dashboard_id=str(dashboard["dashboard_id"]),
        flight=flight["designation"],
        user_id=user_id,
        item_id=str(item["item_id"]),
        list_email=listed["email"],
        system_id=system_id,
        tokens=tokens,
        csrf={name: csrf_token(settings.token_secret, tokens[name]) for name in ("ercot", "participant")},
    )


async def test_no_hostile_input_gets_a_5xx_or_a_leak(http, settings):
    sandbox = await sandbox_for(http, settings)
    document = (await http.get("/openapi.json")).json()
    probes = api_probes(document, sandbox, ["ercot", "participant", "anonymous"])
    transactions = {**document, "paths": {"/api/v1/transactions": document["paths"]["/api/v1/transactions"]}}
    probes += api_probes(transactions, sandbox, ["system"])
    probes += page_probes(sandbox, ["ercot", "participant", "anonymous"])
    sandbox.tokens |= HOSTILE_TOKENS
    probes += [
        Probe(caller, "GET", path, "hostile token", page=page)
        for caller in HOSTILE_TOKENS
        for path, page in (("/api/v1/me", False), ("/api/v1/items/" + sandbox.item_id, False), ("/", True))
    ]
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=str(http.base_url), timeout=60) as client:
        failures = await send_all(client, probes, sandbox)
    took = time.monotonic() - started
    summary = f"{len(failures)} of {len(probes)} hostile requests ({took:.0f} s) failed:"
    assert not failures, "\n".join([summary, *failures])
