"""A client of GET /api/v1/events, as an API client reads it: one server-sent event at a time, kept in order."""

import asyncio
import json
from collections.abc import Callable

import httpx


class EventStream:
    """Reads the stream in the background; `until` waits for an event that matches, `events` holds all of them."""

    def __init__(self, base_url: str, headers: dict, path: str = "/api/v1/events"):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=60))
        self._headers, self._path = headers, path
        self.events: list[tuple[str, dict]] = []
        self.ended = asyncio.Event()
        self.status = 0
        self._arrived = asyncio.Condition()
        self._reading: asyncio.Task | None = None
        self._opened = asyncio.Event()

    async def __aenter__(self) -> "EventStream":
        self._reading = asyncio.create_task(self._read())
        await self._opened.wait()
        return self

    async def __aexit__(self, *exc) -> None:
        if self._reading is not None:
            self._reading.cancel()
            await asyncio.gather(self._reading, return_exceptions=True)
        await self._client.aclose()

    async def _read(self) -> None:
        try:
            async with self._client.stream("GET", self._path, headers=self._headers) as reply:
                self.status = reply.status_code
                self._opened.set()
                kind, data = "message", ""
                async for line in reply.aiter_lines():
                    if line.startswith("event:"):
                        kind = line.removeprefix("event:").strip()
                    elif line.startswith("data:"):
                        data += line.removeprefix("data:").strip()
                    elif line == "" and data:
                        async with self._arrived:
                            self.events.append((kind, json.loads(data)))
                            self._arrived.notify_all()
                        kind, data = "message", ""
        finally:
            self._opened.set()
            self.ended.set()
            async with self._arrived:
                self._arrived.notify_all()

    def items(self) -> list[dict]:
        return [data for kind, data in self.events if kind == "item"]

    async def until(self, wanted: Callable[[dict], bool], timeout: float = 60, kind: str = "item") -> dict:
        """The first event of `kind` that `wanted` accepts, waiting for it (the test fails after `timeout`)."""

        async def found() -> dict:
            async with self._arrived:
                while True:
                    for event in (data for arrived, data in self.events if arrived == kind):
                        if wanted(event):
                            return event
                    assert not self.ended.is_set(), f"the stream ended first; it sent {self.events}"
                    await self._arrived.wait()

        try:
            return await asyncio.wait_for(found(), timeout)
        except TimeoutError:
            raise AssertionError(f"no such event within {timeout} s; the stream sent {self.events}") from None
