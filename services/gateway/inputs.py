"""The gateway's half of the boundary (flightrak/boundary.py): every request's path parameters, query and JSON or
form body are checked once, before any route runs, and refused with 400 naming each field. Files (test beds, script
packs, X12) are read by the services that know their formats; integers are ranged where they are declared."""

import json
import re
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import Request

from flightrak import boundary
from services.gateway.backends import ApiError

# Bodies larger than this are left to the routes that read them, which refuse them by size (413) before reading.
MAX_CHECKED_BODY = 12 * 1024 * 1024
MAX_PATH = 2_048
FORM = "application/x-www-form-urlencoded"
_MULTIPART_BOUNDARY = re.compile(r";\s*boundary=\S", re.IGNORECASE)


async def check_request(request: Request) -> None:
    """An app-wide dependency: raises ApiError(400) naming every field that holds what FlighTrak does not accept,
    or 404 for an Item ID that cannot exist."""
    item_id = request.path_params.get("item_id")
    if isinstance(item_id, str) and not _possible_item_id(item_id):
        raise ApiError(404, f"no item {boundary.quoted(item_id)}")
    problems = _path_problems(request) | _query_problems(request.scope.get("query_string", b""))
    problems |= await _body_problems(request)
    if problems:
        named = "; ".join(f"{name} {problem}" for name, problem in problems.items())
        raise ApiError(400, f"Please correct: {boundary.quoted(named, 300)[1:-1]}", problems)


def _possible_item_id(text: str) -> bool:
    return boundary.is_number(text) and 0 < int(text) <= boundary.INT64_MAX


def _path_problems(request: Request) -> dict[str, str]:
    raw = request.scope.get("raw_path") or request.scope.get("path", "").encode()
    if len(raw) > MAX_PATH:
        return {"path": f"is {len(raw):,} characters long; at most {MAX_PATH:,} are allowed"}
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return {"path": "is not UTF-8 text"}
    return {
        name: problem
        for name, value in request.path_params.items()
        if isinstance(value, str) and (problem := boundary.field_problem(name, value))
    }


def _query_problems(query: bytes) -> dict[str, str]:
    return _pairs_problems(query, "query")


def _pairs_problems(encoded: bytes, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return {where: "is not UTF-8 text"}
    problems: dict[str, str] = {}
    for name, value in pairs:
        if problem := boundary.text_problem(name):
            problems[f"{where} (a name)"] = f"the name {problem}"
        elif problem := boundary.field_problem(name, value):
            problems[name] = problem
    return problems


async def _body_problems(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type.startswith("multipart/") and not _MULTIPART_BOUNDARY.search(content_type):
        return {"body": "is multipart without a boundary: send the Content-Type a form library writes"}
    is_json = media_type == "application/json" or media_type.endswith("+json")
    if not (is_json or media_type == FORM):
        return {}
    declared = request.headers.get("content-length", "")
    already_read = hasattr(request, "_body")
    if not already_read and not (boundary.is_number(declared) and int(declared) <= MAX_CHECKED_BODY):
        return {}
    body = await request.body()
    if media_type == FORM:
        return _pairs_problems(body, "form")
    try:
        parsed = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):
        return {}  # the route says what is wrong with JSON that does not parse
    return boundary.problems_in(parsed)
