"""Limits on uploaded files, shared by the gateway (which refuses an oversized body before reading it)
and the service that checks the file."""

TEST_BED_MAX_BYTES = 10 * 1024 * 1024


def too_big(size: int, max_bytes: int, what: str = "a test bed") -> str | None:
    """Why a file of `size` bytes is refused, or None when it is small enough."""
    if size > max_bytes:
        return f"the file is {megabytes(size)}; {what} may be at most {megabytes(max_bytes)}"
    return None


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
