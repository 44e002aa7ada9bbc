"""The two DynamoDB emulators of the proof, as local HTTP servers on free loopback ports, and their clients.

No emulator is faithful on its own (/work/shared/reference/engines.md §3 measured 39 probes), so the
DynamoDB proof runs every request on both:

* **dynalite** 4.0.0 (npm, installed by ``scripts/test.sh`` into ``.cache/dynalite``): validates
  ``CreateTable`` (GSI/LSI counts and key rules, names, billing mode), key and GSI-key typing, item size and
  expression hygiene (unused names and values, reserved words) as AWS does. It has no
  ``TransactWriteItems``, ``TransactGetItems`` or ``UpdateTimeToLive`` (``UnknownOperationException``).
* **moto** 5.2.5 in server mode (``ThreadedMotoServer`` in a child Python process; a test dependency in
  pyproject): runs transactions (``TransactionCanceledException`` with its ``CancellationReasons``) and TTL,
  but accepts many invalid ``CreateTable`` requests.

Both run as child processes in their own session; ``stop()`` terminates the process and waits until its PID
is gone. The clients use dummy credentials and botocore's client-side parameter validation is OFF, so that
the server is what is tested, and one attempt only (no retry hides an error). Every operation any client
sends is recorded (a botocore ``before-call`` hook) in :data:`SENT`, so a test can assert that no request
anywhere was a ``Scan``.

Fixtures (registered in ``tests/conftest.py``): ``dynalite_server`` and ``moto_server`` (session).
A missing emulator fails the tests that use it (never a skip), naming ``scripts/test.sh``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
from botocore.config import Config

Kind = Literal["dynalite", "moto"]
KINDS: tuple[Kind, ...] = ("dynalite", "moto")
REPO = Path(__file__).resolve().parents[2]
DYNALITE_BIN = REPO / ".cache" / "dynalite" / "node_modules" / ".bin" / "dynalite"
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
START_TIMEOUT = 30.0

# Every DynamoDB operation sent by any client made here: (server kind, operation name) -> count.
SENT: Counter[tuple[str, str]] = Counter()

_MOTO_MAIN = """
import sys, threading
from moto.server import ThreadedMotoServer
ThreadedMotoServer(ip_address=sys.argv[1], port=int(sys.argv[2]), verbose=False).start()
threading.Event().wait()
"""


class EmulatorError(RuntimeError):
    """An emulator could not be provided; the message says why and how to fix it."""


@dataclass
class DdbServer:
    """One running emulator: its kind, endpoint and child process."""

    kind: Kind
    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path
    sent: Counter[str] = field(default_factory=Counter)

    def client(self) -> Any:
        """A boto3 DynamoDB client for this server: dummy credentials, no client-side validation, no retry."""
        client = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        client.meta.events.register("before-call.dynamodb", self._record)
        return client

    def _record(self, model: Any, **_: Any) -> None:
        self.sent[model.name] += 1
        SENT[(self.kind, model.name)] += 1

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server's process group and wait until the process is gone."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self.log.unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((LOOPBACK, port)) == 0


def _launch(kind: Kind, cmd: Sequence[str], port: int) -> DdbServer:
    """Start ``cmd`` in its own session, wait until ``port`` accepts connections; its log on failure."""
    fd, name = tempfile.mkstemp(prefix=f"schemac-{kind}-", suffix=".log")
    log = Path(name)
    with os.fdopen(fd, "wb") as out:
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = DdbServer(kind, f"http://{LOOPBACK}:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-3000:]
            server.stop()
            raise EmulatorError(f"{kind} did not start on port {port} (exit {process.poll()}):\n{text}")
        time.sleep(0.05)
    return server


def start_dynalite() -> DdbServer:
    """dynalite 4.0.0, in memory, tables ACTIVE at once (no 500 ms in CREATING)."""
    if not os.access(DYNALITE_BIN, os.X_OK):
        raise EmulatorError(f"dynalite is not installed at {DYNALITE_BIN}: "
                            "run `bash scripts/test.sh`, which installs it")
    port = _free_port()
    cmd = [str(DYNALITE_BIN), "--host", LOOPBACK, "--port", str(port),
           "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    return _launch("dynalite", cmd, port)


def start_moto() -> DdbServer:
    """moto's ThreadedMotoServer in a child interpreter (this venv's, which has moto[dynamodb] and flask)."""
    try:
        import flask_cors  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise EmulatorError(f"moto's server mode is not installed ({exc}): run `bash scripts/test.sh`") from None
    port = _free_port()
    return _launch("moto", [sys.executable, "-c", _MOTO_MAIN, LOOPBACK, str(port)], port)


def _serve(start: Any, label: str) -> Iterator[DdbServer]:
    try:
        server = start()
    except EmulatorError as exc:
        problem = f"{label} test server: {exc}"
    else:
        try:
            yield server
        finally:
            server.stop()
        return
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def dynalite_server() -> Iterator[DdbServer]:
    """dynalite for the whole session; stopped at the end (its PID waited for)."""
    yield from _serve(start_dynalite, "dynalite")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[DdbServer]:
    """moto's server mode for the whole session; stopped at the end (its PID waited for)."""
    yield from _serve(start_moto, "moto")


def server_of(request: pytest.FixtureRequest, kind: Kind) -> DdbServer:
    """The session server of that kind, for tests parametrised over :data:`KINDS`."""
    server: DdbServer = request.getfixturevalue(f"{kind}_server")
    return server
