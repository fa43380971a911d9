"""Processes for the load and fault runs: a private PostgreSQL cluster, the stand-in upstreams,
and Lettercast's own API and worker processes, each started, SIGKILLed and restarted by id.

Shared by ``bench/load.py``, ``bench/faults.py`` and the short runs in ``tests/scale``. Every
process listens on 127.0.0.1 only; each one's output goes to a log file in the run's directory,
so a server error can be traced afterwards.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LETTERCAST = str(Path(sys.executable).parent / "lettercast")
UVICORN = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
SECRET = "bench-webhook-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; this machine's sessions do.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    """A throwaway PostgreSQL cluster (``initdb`` in a temp dir, a spare port), never the shared
    server, so a run may crash and restart it at will."""

    def __init__(self, directory: Path) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = Path(binaries[-1]).parent
        self.directory = directory / "pg"
        self.port = free_port()
        self.log = directory / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/lettercast"

    def _run(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / args[0]), *args[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def init(self) -> None:
        self.directory.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory.parent, "postgres")
            shutil.chown(self.directory, "postgres")
        self._run("initdb", "-D", str(self.directory), "-A", "trust", "-U", "postgres")
        self.start()
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lettercast"
        )

    def start(self) -> None:
        # fsync off: the run crashes the server process, not the machine, so the OS still holds
        # every committed write; it keeps a 2-core machine's disk out of the figures.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.directory), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint, open connections cut."""
        self._run("pg_ctl", "-D", str(self.directory), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.directory), "-m", "fast", "-w", "stop"]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@contextmanager
def private_cluster() -> Iterator[tuple[Cluster, Path]]:
    directory = Path(tempfile.mkdtemp(prefix="lettercast-faults-"))
    os.chmod(directory, 0o755)
    cluster = Cluster(directory)
    try:
        cluster.init()
        yield cluster, directory
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Fleet:
    """Lettercast processes sharing one database: API servers (one port each) and workers."""

    env: dict[str, str]
    logs: Path
    api_ports: list[int]
    api_workers: int = 1  # uvicorn processes behind each port (`lettercast serve --workers`)
    worker_concurrency: int = 16
    apis: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0

    def _spawn(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = open(self.logs / f"{name}-{self.started}.log", "wb")  # noqa: SIM115
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ | self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so `--workers` children stop with it
        )

    def start_api(self, port: int) -> None:
        command = [LETTERCAST, "serve", "--port", str(port), "--no-migrate"]
        self.apis[port] = self._spawn([*command, "--workers", str(self.api_workers)], "api")

    def start_worker(self) -> None:
        command = [LETTERCAST, "worker", "--concurrency", str(self.worker_concurrency)]
        self.workers.append(self._spawn(command, "worker"))

    def start(self, workers: int) -> None:
        for port in self.api_ports:
            self.start_api(port)
        for _ in range(workers):
            self.start_worker()

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        for port in self.api_ports:
            wait_http(f"http://127.0.0.1:{port}/readyz", timeout_s)

    def kill_api(self, port: int) -> None:
        _kill_group(self.apis.pop(port), signal.SIGKILL)

    def kill_worker(self, index: int) -> int:
        victim = self.workers.pop(index)
        _kill_group(victim, signal.SIGKILL)
        return victim.pid

    def stop(self) -> None:
        processes = [*self.apis.values(), *self.workers]
        for process in processes:  # all at once: each one's graceful stop takes seconds
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            _kill_group(process, signal.SIGTERM, wait_s=20)
        self.apis.clear()
        self.workers.clear()


def _kill_group(process: subprocess.Popen[bytes], sig: int, wait_s: float = 10.0) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(wait_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_http(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout_s:.0f}s")


@dataclass
class Upstreams:
    geocoder: str
    receiver: str
    processes: list[subprocess.Popen[bytes]]

    def mode(self, default: object) -> None:
        httpx.post(f"{self.receiver}/_mode", json={"default": default}, timeout=5)

    def keys(self) -> dict[str, object]:
        return dict(httpx.get(f"{self.receiver}/_keys", timeout=30).json())


@contextmanager
def upstreams(logs: Path, refuse_every: int = 0) -> Iterator[Upstreams]:
    """The stand-in geocoder and the deduplicating receiver, each in its own process."""
    ports = {"geocoder": free_port(), "receiver": free_port()}
    processes = []
    env = os.environ | {"BENCH_REFUSE_EVERY": str(refuse_every)}
    for name, port in ports.items():
        command = [*UVICORN, "--factory", f"bench._upstreams:{name}_app", "--port", str(port)]
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
    geocoder, receiver = (f"http://127.0.0.1:{port}" for port in ports.values())
    try:
        wait_http(f"{receiver}/_keys")
        wait_http(f"{geocoder}/geographies/onelineaddress?address=x")
        yield Upstreams(geocoder, receiver, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


def service_env(database_url: str, up: Upstreams, **extra: str) -> dict[str, str]:
    """Settings every Lettercast process of a run shares (one secret, so idempotency keys and
    rate-limit buckets hash alike in every process)."""
    return {
        "LETTERCAST_DATABASE_URL": database_url,
        "LETTERCAST_MIGRATE_ON_START": "false",
        "LETTERCAST_RUN_WORKER_IN_PROCESS": "false",
        "LETTERCAST_CENSUS_GEOCODER_URL": up.geocoder,
        "LETTERCAST_LOOKUP_RETRIES": "0",
        "LETTERCAST_WEBHOOK_URL": f"{up.receiver}/hook",
        "LETTERCAST_WEBHOOK_SECRET": SECRET,
        "LETTERCAST_SECRET_KEY": "bench-secret-key-shared-by-every-process",
        "LETTERCAST_LOG_LEVEL": "WARNING",
        # The limiter stays on, raised: every request comes from one address (the generator).
        "LETTERCAST_RATE_LIMIT_ENABLED": "true",
        "LETTERCAST_RATE_LIMIT_IP": "100000000",
        **extra,
    }


def seed(database_url: str) -> str:
    """Migrate, then the shipped SJR 11 campaign with every letter going through the webhook."""
    sys.path.insert(0, str(ROOT))
    from bench.submissions import seed as seed_campaign

    return seed_campaign(database_url, worker=True)
