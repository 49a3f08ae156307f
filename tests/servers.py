"""Running the real ``slotwise`` command and server processes from tests."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SLOTWISE = shutil.which("slotwise", path=str(Path(sys.executable).parent)) or shutil.which(
    "slotwise"
)


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
    port = free_port()
    run_dir = tmp_path / f"serve-{port}"
    run_dir.mkdir()
    out_path, err_path = run_dir / "stdout", run_dir / "stderr"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [SLOTWISE, "serve", "--port", str(port), "--log-level", "warning", *args],
            env=cli_env(database_url, **variables),
            cwd=tmp_path,
            stdout=out,
            stderr=err,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"slotwise serve exited early:\n{err_path.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if get(base + "/healthz").status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"slotwise serve did not answer:\n{err_path.read_text()}")
            time.sleep(0.05)
        yield base, out_path, err_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
