"""Test-bed validation speed: `validate()` on a 20,000-row test bed built in memory, against reading
the same bytes with Python's csv module (decode, then `csv.reader` consuming every row) in the same
run. Target (issue 4): validation at least 0.3x the speed of bare csv reading.

Run from the repository root: `.venv/bin/python bench/test_bed.py`.
"""

import csv
import io
import json
import random
import statistics
import time

from services.testbed.test_bed_file import TEMPLATE_COLUMNS, validate

ROWS = 20_000
CRS = 40
SCRIPTS = 20
REPEATS = 7
ESI_ID_LENGTH = 17
RATE_CLASSES = ("Residential", "Secondary < 10 kW", "Secondary > 10 kW", "Primary", "IDR", "AMS/Residential")
FIRST_NAMES = ("Maria", "James", "Linh", "Robert", "Ana", "David", "Keisha", "José", "Emily", "Wei")
LAST_NAMES = ("Garcia", "Smith", "Nguyen", "Johnson", "Hernández", "Brown", "Williams", "Lee", "Davis", "Martinez")
STREETS = ("Main St", "Elm St", "Commerce St", "Preston Rd", "Lamar Blvd", "Congress Ave", "Westheimer Rd")


def test_bed_bytes(rows: int = ROWS, seed: int = 4) -> tuple[bytes, dict[tuple[str, str], tuple[str, ...]]]:
    """A filled test bed as Excel saves it (CSV UTF-8: BOM, CRLF) and the pairings it covers, each a script on
    one premise (as `test_bed_file.expected_of` gives them)."""
    rng = random.Random(seed)
    pairs = [(f"{100000000 + cr * 7919:09d}", f"SC{script:03d}") for cr in range(CRS) for script in range(SCRIPTS)]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for n in range(rows):
        duns, script_id = pairs[n % len(pairs)]
        zip_code = f"7{rng.randrange(5000, 9999):04d}"
        writer.writerow(
            {
                "CR DUNS": duns,
                "Script ID": script_id,
                "Premise": "1",
                "Customer 1": "",
                "Customer 2": "",
                "ESI ID": f"10443720{n:09d}",
                "Zip Code": zip_code if n % 3 else f"{zip_code}-{rng.randrange(10000):04d}",
                "Meter #": f"{rng.randrange(10**8, 10**9)}LG" if n % 2 else f"{rng.randrange(10**9, 10**10)}",
                "Customer Name 1": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "Customer Name 2": "",
                "Rate Class/Meter Type": rng.choice(RATE_CLASSES),
                "DOE #": "",
                "Membership Account Number 1": "",
                "Membership Account Number 2": "",
                "Serv Loc": f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}, Dallas TX",
                "Cycle": f"{rng.randrange(1, 21):02d}",
            }.values()
        )
    return out.getvalue().encode("utf-8-sig"), dict.fromkeys(pairs, ("",))


def _bare_csv(content: bytes) -> int:
    count = 0
    for _row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
        count += 1
    return count


def _validate_and_build_rows(content: bytes, pairs: dict[tuple[str, str], tuple[str, ...]]) -> int:
    return len(validate(content, ESI_ID_LENGTH, pairs).rows)


def _seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run() -> dict:
    content, pairs = test_bed_bytes()
    result = validate(content, ESI_ID_LENGTH, pairs)
    if not result.ok or len(result.rows) != ROWS:
        raise AssertionError(f"the bench test bed should pass: {result.problems[:5]}")
    samples: dict[str, list[float]] = {"csv_reader": [], "validate": [], "validate_and_rows": []}
    # Interleaved, so that all three see the same machine state; the best of each is reported.
    for _ in range(REPEATS):
        samples["csv_reader"].append(_seconds(lambda: _bare_csv(content)))
        samples["validate"].append(_seconds(lambda: validate(content, ESI_ID_LENGTH, pairs)))
        samples["validate_and_rows"].append(_seconds(lambda: _validate_and_build_rows(content, pairs)))
    best = {name: min(times) for name, times in samples.items()}
    figures = {"rows": ROWS, "bytes": len(content), "repeats": REPEATS}
    for name, seconds in best.items():
        figures[f"{name}_rows_per_s"] = round(ROWS / seconds)
        figures[f"{name}_best_ms"] = round(seconds * 1000, 2)
        figures[f"{name}_median_ms"] = round(statistics.median(samples[name]) * 1000, 2)
    figures["ratio"] = round(best["csv_reader"] / best["validate"], 3)
    figures["ratio_with_rows"] = round(best["csv_reader"] / best["validate_and_rows"], 3)
    figures["target_ratio"] = 0.3
    return figures


if __name__ == "__main__":
    figures = run()
    print(f"test bed: {figures['rows']} rows, {figures['bytes'] / 1e6:.2f} MB, best of {figures['repeats']}")
    for name, label in (
        ("csv_reader", "csv.reader"),
        ("validate", "validate()"),
        ("validate_and_rows", "validate().rows"),
    ):
        print(f"  {label:<16} {figures[f'{name}_rows_per_s']:>10,} rows/s  ({figures[f'{name}_best_ms']} ms)")
    print(f"  ratio {figures['ratio']}, with the row dicts built {figures['ratio_with_rows']}", end="")
    print(f" (target at least {figures['target_ratio']})")
    print(json.dumps(figures))
