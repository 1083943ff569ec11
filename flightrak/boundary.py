"""One boundary for every value that enters FlighTrak from outside: the rules, in one place, with no I/O.

Text: no control characters (tab, newline and carriage return only in multi-line fields), no lone surrogates, and a
maximum length by field. Integers: inside the range their field is stored in. The gateway applies these to JSON,
forms, query and path parameters; every gRPC service applies them again to each request it receives; workflow
validators apply them to an update's input, so nothing they would refuse ever enters a workflow's history.
"""

import re
from collections.abc import Iterable, Mapping

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

SINGLE_LINE_MAX = 500
MULTILINE_MAX = 10_000

# Fields whose values are paragraphs, keys, certificates or whole documents: tab and newline allowed.
MULTILINE_FIELDS = frozenset(
    {
        "comment",
        "long_description",
        "action_required",
        "additional_information",
        "contact",
        "instructions",
        "pgp_public_key",
        "ssl_certificate",
        "file_naming_convention",
        "content",
        "reasons",
        "body",
        "message",
    }
)
# Longer (or shorter) than the defaults; every other field has SINGLE_LINE_MAX or MULTILINE_MAX.
FIELD_MAX = {
    "comment": 4_000,
    "long_description": 20_000,
    "additional_information": 100_000,
    "content": 10 * 1024 * 1024,
    "body": 10 * 1024 * 1024,
    "pgp_public_key": 64_000,
    "ssl_certificate": 64_000,
    "password": 256,
    "confirm": 256,
    "token": 4_096,
    "authorization": 4_096,
    "page_token": 1_000,
    "edm_url": 2_048,
    "url": 2_048,
    "next": 2_048,
    "audience": 4_000,
    "audience_companies": 4_000,
    "days_affected": 1_000,
}

# C0 controls and DEL and C1 controls; tab, newline and carriage return are told apart below.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKING = re.compile(r"[\t\n\r]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NUMBER = re.compile(r"[0-9]+")
_INDEX = re.compile(r"(\[\d*\])+$")

_CONTROL_NAMES = {"\x00": "a NUL byte"}


def leaf(name: str) -> str:
    """The field's own name in a dotted or indexed path: `fields.comment` -> `comment`, `reasons[2]` -> `reasons`."""
    return _INDEX.sub("", name).rsplit(".", 1)[-1]


def is_multiline(name: str) -> bool:
    return leaf(name) in MULTILINE_FIELDS


def max_length(name: str) -> int:
    field = leaf(name)
    return FIELD_MAX.get(field, MULTILINE_MAX if field in MULTILINE_FIELDS else SINGLE_LINE_MAX)


def text_problem(value: str, multiline: bool = False, limit: int = SINGLE_LINE_MAX) -> str | None:
    """What is wrong with one text value, in words for the person who typed it; None when nothing is."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit:,} are allowed"
    return plain_text_problem(value, multiline)


def plain_text_problem(value: str, multiline: bool = False) -> str | None:
    """Whether the value is plain text (one line unless `multiline`), whatever its length: what every form's text
    field is held to, in the same words wherever it is typed."""
    if found := _SURROGATE.search(value):
        return f"holds an unpaired surrogate (U+{ord(found.group()):04X}), which is not text"
    if found := _CONTROL.search(value):
        character = found.group()
        what = _CONTROL_NAMES.get(character, f"a control character (U+{ord(character):04X})")
        return f"holds {what} at character {found.start() + 1}; remove it"
    if not multiline and (found := _LINE_BREAKING.search(value)):
        return f"must be one line: it holds a tab or line break at character {found.start() + 1}"
    return None


def field_problem(name: str, value: str) -> str | None:
    """`text_problem` with the rules of the field named (its leaf name decides)."""
    return text_problem(value, is_multiline(name), max_length(name))


def int_problem(value: int, low: int = INT64_MIN, high: int = INT64_MAX) -> str | None:
    if value < low or value > high:
        return f"must be between {low:,} and {high:,}"
    return None


def problems_in(value, path: str = "") -> dict[str, str]:
    """Every problem in a JSON-like value (dicts, lists, text, numbers), keyed by its dotted path.
    Keys are text too; integers must fit in 64 bits."""
    problems: dict[str, str] = {}
    _walk(value, path, problems)
    return problems


def _walk(value, path: str, problems: dict[str, str]) -> None:
    if isinstance(value, str):
        if problem := field_problem(path or "body", value):
            problems[path or "body"] = problem
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if problem := int_problem(value):
            problems[path or "body"] = problem
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            key_text = str(key)
            where = f"{path}.{key_text}" if path else key_text
            if key_problem := text_problem(key_text, False, SINGLE_LINE_MAX):
                problems[f"{path}.{quoted(key_text, 40)}" if path else quoted(key_text, 40)] = f"the name {key_problem}"
                continue
            _walk(inner, where, problems)
    elif isinstance(value, Iterable):
        for index, inner in enumerate(value):
            _walk(inner, f"{path}[{index}]", problems)


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '²' and '٣', which int() refuses or reads as other digits."""
    return bool(_NUMBER.fullmatch(text))


def quoted(value: str, limit: int = 60) -> str:
    """A value a person sent, safe to repeat in a message: shortened, control characters shown as escapes."""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return "'" + _SURROGATE.sub("\ufffd", _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", shown)) + "'"
