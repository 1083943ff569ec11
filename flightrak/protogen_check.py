"""Fails when the committed generated code differs from what proto/ generates now."""

import filecmp
import sys
import tempfile
from pathlib import Path

from flightrak.protogen import ROOT, generate


def _generated(root: Path) -> list[Path]:
    """The generated modules and stubs, not the bytecode a test run leaves beside them."""
    return [p for pattern in ("*_pb2*.py", "*_pb2*.pyi") for p in root.rglob(pattern)]


def drifted() -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        fresh = {p.relative_to(scratch) for p in _generated(Path(scratch))}
        committed = {p.relative_to(ROOT) for p in _generated(ROOT / "flightrak")}
        changed = {n for n in fresh & committed if not filecmp.cmp(Path(scratch) / n, ROOT / n, shallow=False)}
        return sorted(str(n) for n in (fresh ^ committed) | changed)


if __name__ == "__main__":
    stale = drifted()
    if stale:
        sys.exit(f"generated gRPC code is out of date; run `flightrak protogen`: {', '.join(stale)}")
    print("generated gRPC code matches proto/")
