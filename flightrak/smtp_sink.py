"""A local SMTP server that accepts every mail and keeps it: `flightrak run` starts one when no
FLIGHTRAK_SMTP_URL is set, so the demo's market notices land in an mbox file under the data directory
(open it with any mail reader, or `mail -f`, or read it as text)."""

import signal
import threading
import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller


class MailKeeper:
    """Appends each accepted mail to an mbox file, and keeps it in memory when asked (tests, benchmarks)."""

    def __init__(self, mbox: Path | None = None, keep: bool = False):
        self.mbox = mbox
        self.keep = keep
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.count = 0
        self._lock = threading.Lock()
        if mbox is not None:
            mbox.parent.mkdir(parents=True, exist_ok=True)
            mbox.touch()

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        with self._lock:
            self.count += 1
            if self.keep:
                self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), content))
            if self.mbox is not None:
                with self.mbox.open("ab") as out:
                    out.write(_mbox_entry(envelope.mail_from, content))
        return "250 Message accepted for delivery"

    def parsed(self) -> list:
        """Every kept mail as an email.message.EmailMessage."""
        with self._lock:
            return [BytesParser(policy=default).parsebytes(content) for _, _, content in self.messages]


def _mbox_entry(sender: str, content: bytes) -> bytes:
    lines = content.replace(b"\r\n", b"\n").split(b"\n")
    escaped = [b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines]
    stamp = time.asctime(time.gmtime()).encode()
    return b"From " + (sender or "MAILER-DAEMON").encode() + b" " + stamp + b"\n" + b"\n".join(escaped) + b"\n\n"


class MailSink:
    """The SMTP server on host:port; stop() and start() again to play an outage."""

    def __init__(self, port: int, mbox: Path | None = None, keep: bool = False, host: str = "127.0.0.1"):
        self.keeper = MailKeeper(mbox, keep)
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> "MailSink":
        # A busy machine may take more than aiosmtpd's default 1 s to answer its own readiness probe.
        self._controller = Controller(
            self.keeper, hostname=self.host, port=self.port, data_size_limit=25 * 1024 * 1024, ready_timeout=30
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def main(port: int, mbox: Path) -> None:
    sink = MailSink(port, mbox).start()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"SMTP sink on {sink.url}, keeping mail in {mbox}", flush=True)
    stopped.wait()
    sink.stop()
