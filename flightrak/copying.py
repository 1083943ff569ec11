"""Copying a message's or row's fields into another of the same field names."""

from typing import Any


def same_named(source: object, *names: str) -> dict[str, Any]:
    """The values of `source`'s attributes of these names, for a message or row whose fields are named alike:
    `pb.User(**same_named(user, "email", "phone"), ...)` says each copied name once."""
    return {name: getattr(source, name) for name in names}
