"""Flight analytics: where a flight's scripts wait. The script issues' history rows become waits (an issue's time
in one state with one party responsible) aggregated in PostgreSQL, in one statement (store.flight_waits_statement):
p50 and p90 per state, per party, per step (a script's state), per pairing and per script, with each group's
escalations and failed transactions. The caller sees the pairings it may read (store.readable): ERCOT every one.

The statement reads every history row of the flight (100,000 for a flight of 4,800 script issues: about 0.3 s on
two quiet cores, the grouping and percentiles of its 45,000 waits most of it), so each reader's figures are kept:
shown again while the flight has not moved (no step written since; at most KEPT_SECONDS), and while it moves,
computed again at most every `analytics_moving_seconds` (a setting). Who may read what depends on ERCOT or the
company only (store.readable), so figures are kept per flight and company."""

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak import boundary, errors
from flightrak.grpc_runtime import caller
from flightrak.scripts.v1 import analytics_pb2 as pb
from flightrak.scripts.v1 import analytics_pb2_grpc
from flightrak.tokens import Principal
from services.scripts import store

# Each list of FlightAnalytics and the keys (store.WAIT_KEYS) its groups are made by.
GROUPINGS = {
    "overall": (),
    "by_state": ("state",),
    "by_party": ("responsible_party",),
    "by_step": ("script_id", "state"),
    "by_pairing": ("cr_duns", "tdsp_duns"),
    "by_pairing_state": ("cr_duns", "tdsp_duns", "state"),
    "by_script": ("script_id",),
}
NOT_RECORDED = "Not recorded"  # the party of history rows written before the history kept one
FIGURES = ("total_seconds", "longest_seconds")
COUNTS = ("issues", "waits", "escalations", "failed_transactions")
KEPT_SECONDS = 300  # open waits grow by the minute even when nothing moves
KEPT_READERS = 200  # flights x companies whose figures are kept, the least recently computed dropped first


def grouping_bits(keys: tuple[str, ...]) -> int:
    """PostgreSQL's GROUPING(...) over store.WAIT_KEYS for a grouping by `keys`: a 1 bit for each key left out,
    the first key the highest bit."""
    width = len(store.WAIT_KEYS)
    return sum(1 << (width - 1 - at) for at, key in enumerate(store.WAIT_KEYS) if key not in keys)


LIST_OF_BITS = {grouping_bits(keys): name for name, keys in GROUPINGS.items()}


def figures(row, keys: tuple[str, ...], names: dict[int, tuple[str, str]]) -> pb.WaitFigures:
    shown = {key: getattr(row, key) for key in keys}
    if "responsible_party" in shown:
        shown["responsible_party"] = shown["responsible_party"] or NOT_RECORDED
    if "cr_duns" in keys:
        shown["cr_name"], shown["tdsp_name"] = names.get(row.named_by, ("", ""))
    found = pb.WaitFigures(**shown)
    found.p50_seconds, found.p90_seconds = row.percentiles
    for name in FIGURES:
        setattr(found, name, getattr(row, name) or 0)
    for name in COUNTS:
        setattr(found, name, int(getattr(row, name) or 0))
    return found


def slowest_first(found: list[pb.WaitFigures]) -> list[pb.WaitFigures]:
    """Longest p90 first; then the most time waited, then by name, so equal groups keep one order."""
    return sorted(
        found,
        key=lambda f: (-f.p90_seconds, -f.total_seconds, f.state, f.responsible_party, f.script_id, f.cr_name),
    )


def analytics_proto(flight: str, whole_flight: bool, rows: list, names: dict[int, tuple[str, str]]):
    shown = pb.FlightAnalytics(flight=flight, whole_flight=whole_flight, overall=pb.WaitFigures())
    lists: dict[str, list[pb.WaitFigures]] = {name: [] for name in GROUPINGS if name != "overall"}
    for row in rows:
        name = LIST_OF_BITS[row.grouping]
        found = figures(row, GROUPINGS[name], names)
        if name == "overall":
            shown.overall.CopyFrom(found)
            shown.history_rows = int(row.history_rows or 0)
        else:
            lists[name].append(found)
    for name, grouped in lists.items():
        getattr(shown, name).extend(slowest_first(grouped))
    return shown


@dataclass
class Kept:
    moved: tuple[int, Any]  # store.flight_moved when computed
    at: float  # time.monotonic()
    analytics: pb.FlightAnalytics


class FlightAnalyticsServicer(analytics_pb2_grpc.FlightAnalyticsServiceServicer):
    def __init__(self, sessions: async_sessionmaker, moving_seconds: float):
        self._sessions = sessions
        self._moving_seconds = moving_seconds  # while the flight moves, figures are computed again this often
        self._kept: OrderedDict[tuple[str, str], Kept] = OrderedDict()
        self._computing: dict[tuple[str, str], asyncio.Lock] = {}

    async def GetFlightAnalytics(self, request: pb.FlightAnalyticsRequest, context) -> pb.FlightAnalytics:
        principal = caller()
        flight = request.flight.strip()
        if not boundary.is_number(flight) or len(flight) != 4:
            problem = f"{boundary.quoted(request.flight)} is not a flight designation (MMYY)"
            raise errors.InvalidFields({"flight": problem})
        reader = (flight, "ERCOT" if principal.is_ercot else principal.duns)
        async with self._sessions() as session:
            moved = await store.flight_moved(session, flight)
        # Readers asking at once wait for one computation, then are answered from it.
        async with self._computing.setdefault(reader, asyncio.Lock()):
            kept = self._kept.get(reader)
            if kept is None or not still_current(kept, moved, self._moving_seconds):
                kept = Kept(moved, time.monotonic(), await self._computed(principal, flight))
                self._kept[reader] = kept
                self._kept.move_to_end(reader)
                while len(self._kept) > KEPT_READERS:
                    dropped, _ = self._kept.popitem(last=False)
                    self._computing.pop(dropped, None)
        return kept.analytics

    async def _computed(self, principal: Principal, flight: str) -> pb.FlightAnalytics:
        statement = store.flight_waits_statement(principal, flight, list(GROUPINGS.values()))
        async with self._sessions.begin() as session:
            rows = await store.flight_waits(session, statement)
            named_by = {row.named_by for row in rows if "cr_duns" in GROUPINGS[LIST_OF_BITS[row.grouping]]}
            names = await store.progress_names(session, named_by)
        shown = analytics_proto(flight, principal.is_ercot, rows, names)
        shown.computed_at = datetime.now(UTC).isoformat(timespec="seconds")
        return shown


def still_current(kept: Kept, moved: tuple[int, Any], moving_seconds: float) -> bool:
    age = time.monotonic() - kept.at
    return age < moving_seconds or (kept.moved == moved and age < KEPT_SECONDS)
