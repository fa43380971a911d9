"""The Docker image's command, run here as the image runs it: migrate, serve, answer /healthz.

No Docker engine runs in CI, so the test reads CMD and HEALTHCHECK from the Dockerfile and runs
the same ``lettercast`` command (on a free port, with a temporary SQLite database).
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from tests.servers import free_port

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def dockerfile_instruction(name: str) -> str:
    joined = DOCKERFILE.replace("\\\n", " ")
    matches = re.findall(rf"^{name}\s+(.+)$", joined, flags=re.MULTILINE)
    assert len(matches) == 1, f"expected one {name} in the Dockerfile"
    return matches[0].strip()


def test_the_image_is_slim_and_runs_as_a_non_root_user() -> None:
    assert dockerfile_instruction("FROM").startswith("python:3.11-slim")
    assert dockerfile_instruction("USER") not in ("root", "0")
    assert "pip install ." in DOCKERFILE
    assert "/healthz" in dockerfile_instruction("HEALTHCHECK")


def test_the_image_command_migrates_and_serves_healthz(tmp_path: Path) -> None:
    command = json.loads(dockerfile_instruction("CMD"))
    assert command[:2] == ["lettercast", "serve"]
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    command[0] = str(Path(sys.executable).parent / "lettercast")
    env = os.environ | {
        "LETTERCAST_DATABASE_URL": f"sqlite:///{tmp_path / 'image.db'}",
        "LETTERCAST_SECRET_KEY_FILE": str(tmp_path / "secret"),
        "LETTERCAST_RUN_WORKER_IN_PROCESS": "false",
    }
    log = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "service.log").read_text()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.json() == {"status": "ready"}, "migrations were not applied on start"
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
