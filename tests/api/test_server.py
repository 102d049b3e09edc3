"""`samplemind serve` for real: uvicorn (uvloop, httptools) in a subprocess, over TCP."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from samplemind.cli.main import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(scanned: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(scanned[1], data)
    port = free_port()
    env = {
        **os.environ,
        "SAMPLEMIND_DATA_DIR": str(data),
        "SAMPLEMIND_VECTOR_BACKEND": "memory",
        "SAMPLEMIND_API_WORKERS": "1",
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "samplemind", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail((tmp_path / "server.log").read_text())
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    assert process.returncode == 0, (tmp_path / "server.log").read_text()


def test_served_over_tcp_and_uploads_never_block_the_loop(server: str, tmp_path: Path) -> None:
    spec = httpx.get(f"{server}/api/openapi.json").json()
    assert spec["info"]["title"] == "SampleMind AI" and "/api/samples" in spec["paths"]
    assert httpx.get(f"{server}/api/docs").status_code == 200
    assert httpx.get(f"{server}/api/redoc").status_code == 200
    assert httpx.get(f"{server}/api/samples", params={"q": "is:loop"}).json()["total"] == 2

    # A long file at the heaviest level keeps a worker busy for seconds; meanwhile the event
    # loop must go on answering.
    rng = np.random.default_rng(1)
    long = io.BytesIO()
    sf.write(long, rng.normal(0, 0.1, 44_100 * 90).astype(np.float32), 44_100, format="WAV")
    result: dict[str, int] = {}

    def upload() -> None:
        response = httpx.post(
            f"{server}/api/audio/analyze",
            params={"level": "professional"},
            files={"file": ("long.wav", long.getvalue())},
            timeout=120,
        )
        result["status"] = response.status_code

    worker = threading.Thread(target=upload)
    worker.start()
    answered = 0
    while worker.is_alive() and answered < 5:
        assert httpx.get(f"{server}/api/samples/1", timeout=10).status_code == 200
        answered += 1
    analysis_still_running = worker.is_alive()
    worker.join(120)
    assert result["status"] == 200
    assert answered == 5 and analysis_still_running


def test_serve_refuses_other_addresses_without_a_key(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAMPLEMIND_DATA_DIR", str(tmp_path))
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0 without an API key" in capfd.readouterr().err


@pytest.mark.parametrize("flag", ["--access-log", "--no-access-log"])
def test_the_access_log_can_be_turned_off(
    flag: str, scanned: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(scanned[1], data)
    port = free_port()
    env = {**os.environ, "SAMPLEMIND_DATA_DIR": str(data), "SAMPLEMIND_API_WORKERS": "1"}
    env["SAMPLEMIND_VECTOR_BACKEND"] = "memory"
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "samplemind", "serve", "--port", str(port), flag],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(log_path.read_text())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)
    logged = '"GET /health HTTP/1.1" 200' in log_path.read_text()
    assert logged == (flag == "--access-log"), log_path.read_text()
