"""Running the real ``slotwise`` command and server processes from tests."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

SLOTWISE = shutil.which("slotwise", path=str(Path(sys.executable).parent)) or shutil.which(
    "slotwise"
)
START_SECONDS = 20


def cli_env(database_url: str, **variables: str) -> dict:
    """The caller's environment without any SLOTWISE_* setting, plus the given ones."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLOTWISE_")}
    env["SLOTWISE_DATABASE_URL"] = database_url
    env.update({f"SLOTWISE_{name}": value for name, value in variables.items()})
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, key: str | None = None) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=5)


@contextlib.contextmanager
def serving(tmp_path: Path, database_url: str, *args: str, **variables: str):
    """Run ``slotwise serve`` until /healthz answers; yield (base URL, stdout path, stderr path)."""
    with serving_several(1, tmp_path, database_url, *args, **variables) as [server]:
        yield server


@contextlib.contextmanager
def serving_several(count: int, tmp_path: Path, database_url: str, *args: str, **variables: str):
    """Run ``count`` ``slotwise serve`` processes on their own ports, started together.

    Yield a list of (base URL, stdout path, stderr path), one per process, once every
    /healthz answers.
    """
    processes: list[subprocess.Popen] = []
    servers = []
    try:
        ports: set[int] = set()
        while len(ports) < count:
            ports.add(free_port())
        for port in sorted(ports):
            run_dir = Path(tempfile.mkdtemp(prefix=f"serve-{port}-", dir=tmp_path))
            out_path, err_path = run_dir / "stdout", run_dir / "stderr"
            with out_path.open("w") as out, err_path.open("w") as err:
                processes.append(
                    subprocess.Popen(
                        [SLOTWISE, "serve", "--port", str(port), "--log-level", "warning", *args],
                        env=cli_env(database_url, **variables),
                        cwd=tmp_path,
                        stdout=out,
                        stderr=err,
                    )
                )
            servers.append((f"http://127.0.0.1:{port}", out_path, err_path))
        deadline = time.monotonic() + START_SECONDS
        for process, (base, _out_path, err_path) in zip(processes, servers, strict=True):
            _wait_until_answering(process, base, err_path, deadline)
        yield servers
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_answering(
    process: subprocess.Popen, base: str, err_path: Path, deadline: float
) -> None:
    while True:
        if process.poll() is not None:
            pytest.fail(f"slotwise serve exited early:\n{err_path.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if get(base + "/healthz").status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"slotwise serve did not answer:\n{err_path.read_text()}")
        time.sleep(0.05)
