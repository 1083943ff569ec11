"""Market notice benchmark: publishing one notice to 500 companies with 3 distribution lists each (1,500 mails),
from ERCOT's Publish until the local SMTP server has accepted every mail, against sending the same 1,500 mails
(built beforehand) with smtplib over one connection to the same server in the same run.

Run alone: `.venv/bin/python bench/notices.py` (starts `flightrak run` on a fresh data directory, ports 8000,
7233, 8233, 5544 and 50051-50054 free; the SMTP server is an aiosmtpd sink in this process). Prints the figures
and writes them under "notices" in bench/results.json.
"""

import json
import multiprocessing
import smtplib
import socket
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/ is a folder of scripts, not a package)

from flightrak.smtp_sink import MailSink  # noqa: E402
from services.registration.notices_mail import MailedNotice, NoticeMail  # noqa: E402

COMPANIES = 500
LISTS_EACH = 3
ROUNDS = 3
MAILS = COMPANIES * LISTS_EACH


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def add_companies() -> None:
    """500 NOIEs (a kind the demo market has none of) with 3 lists each, straight into identity's tables."""
    with psycopg.connect(bench.DATABASE.replace("+psycopg", ""), autocommit=True) as db, db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO identity.companies (duns, name, kind, active) VALUES (%s, %s, 'NOIE', true) "
            "ON CONFLICT DO NOTHING",
            [(f"9{n:08d}", f"Bench Municipal Utility {n:03d}") for n in range(COMPANIES)],
        )
        cursor.executemany(
            "INSERT INTO identity.distribution_lists (company_duns, name, email) VALUES (%s, %s, %s)",
            [
                (f"9{n:08d}", f"List {k}", f"list{k}@bench-noie-{n:03d}.example")
                for n in range(COMPANIES)
                for k in range(LISTS_EACH)
            ],
        )


def notice_fields(n: int) -> dict[str, str]:
    from flightrak.demo_notices import NPRR348

    return {
        **{k: v for k, v in NPRR348.items() if k != "reissue_of"},
        "notice_date": "",
        "days_affected": "",
        "audience": "NOIE",
        "short_description": f"Bench notice {n}: implementation details for NPRR348",
    }


def wait_for(sink: MailSink, count: int, timeout: float = 300) -> None:
    deadline = time.perf_counter() + timeout
    while sink.keeper.count < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {sink.keeper.count} of {count} mails arrived")
        time.sleep(0.005)


def through_flightrak(http: httpx.Client, ercot: dict, sink: MailSink, n: int) -> tuple[float, dict]:
    draft = http.post("/api/v1/notices", json={"fields": notice_fields(n)}, headers=ercot)
    draft.raise_for_status()
    item_id = draft.json()["item_id"]
    before = sink.keeper.count
    started = time.perf_counter()
    published = http.post(f"/api/v1/items/{item_id}/actions", json={"action": "publish"}, headers=ercot)
    published.raise_for_status()
    answered = time.perf_counter() - started
    wait_for(sink, before + MAILS)
    elapsed = time.perf_counter() - started
    return elapsed, {"publish_answered_s": answered, "item_id": item_id}


def direct_smtplib(http: httpx.Client, ercot: dict, sink: MailSink, item_id: int) -> tuple[float, float]:
    """The same notice's 1,500 mails, built first as the bytes FlighTrak sends (not timed), then sent with
    smtplib's sendmail on one connection: the fastest way smtplib has."""
    notice = http.get(f"/api/v1/notices/{item_id}", headers=ercot).json()
    mailed = MailedNotice(
        item_id,
        notice["notice_id"],
        notice["notice_date"],
        notice["notice_type"],
        notice["short_description"],
        notice["audience_text"],
        "",
        notice["long_description"],
        notice["action_required"],
        notice["additional_information"],
        notice["contact"],
    )
    builder = NoticeMail(mailed, "ERCOT Market Notices <notices@ercot.example>", bench.GATEWAY, "publication")
    build_started = time.perf_counter()
    mails = [
        (f"list{k}@bench-noie-{n:03d}.example", builder.raw(f"list{k}@bench-noie-{n:03d}.example", f"Co {n}"))
        for n in range(COMPANIES)
        for k in range(LISTS_EACH)
    ]
    built = time.perf_counter() - build_started
    # In a process of its own, as FlighTrak's worker is: the sink in this one does not share its interpreter.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as sender:
        sender.submit(time.sleep, 0).result()
        before = sink.keeper.count
        elapsed = sender.submit(send_with_smtplib, sink.port, mails).result()
    wait_for(sink, before + MAILS)
    return elapsed, built


def send_with_smtplib(port: int, mails: list[tuple[str, bytes]]) -> float:
    """Seconds from connecting until the server has answered 250 to the last mail."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for to, mail in mails:
            smtp.sendmail("notices@ercot.example", [to], mail, ["BODY=8BITMIME"])
    return time.perf_counter() - started


def main() -> int:
    bench.check_ports_free()
    sink = MailSink(free_port()).start()
    import os

    os.environ["FLIGHTRAK_SMTP_URL"] = sink.url
    tmp = Path(tempfile.mkdtemp(prefix="flightrak-bench-notices-"))
    process = None
    try:
        process, _ = bench.start(tmp / "data", "run.log")
        add_companies()
        with httpx.Client(base_url=bench.GATEWAY, timeout=120) as http:
            token = http.post(
                "/api/v1/session", json={"email": "admin@ercot.example", "password": bench.PASSWORD}
            ).json()["token"]
            ercot = {"authorization": f"Bearer {token}"}
            through_flightrak(http, ercot, sink, 0)  # warm-up: first workflow, first connections
            rounds = []
            for n in range(1, ROUNDS + 1):
                ours, extra = through_flightrak(http, ercot, sink, n)
                direct, built = direct_smtplib(http, ercot, sink, extra["item_id"])
                rounds.append({"flightrak_s": ours, "direct_smtplib_s": direct, "build_s": built, **extra})
                print(
                    f"round {n}: FlighTrak {ours:.2f} s, direct smtplib {direct:.2f} s (building the mails "
                    f"{built:.2f} s more), ratio {direct / ours:.2f}x",
                    flush=True,
                )
    finally:
        bench.stop(process)
        sink.stop()
    best_ours = min(r["flightrak_s"] for r in rounds)
    best_direct = min(r["direct_smtplib_s"] for r in rounds)
    figures = {
        "companies": COMPANIES,
        "mails": MAILS,
        "rounds": rounds,
        "flightrak_best_s": best_ours,
        "direct_best_s": best_direct,
        "ratio_direct_over_flightrak": best_direct / best_ours,
        "flightrak_mails_per_s": MAILS / best_ours,
        "direct_mails_per_s": MAILS / best_direct,
    }
    results = json.loads(bench.RESULTS.read_text()) if bench.RESULTS.exists() else {}
    results["notices"] = figures
    bench.RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"\n{MAILS} mails to {COMPANIES} companies: FlighTrak {best_ours:.2f} s ({MAILS / best_ours:.0f}/s), "
        f"direct smtplib {best_direct:.2f} s ({MAILS / best_direct:.0f}/s): "
        f"{best_direct / best_ours:.2f}x direct smtplib (target at least 0.5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
