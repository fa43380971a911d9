"""`lettercast reports …` as an operator runs it, the SQLite fast path, a small benchmark run."""

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import Result
from sqlmodel import Session
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.reports.csv import deliveries_csv
from app.reports.query import ExportFilters
from tests.databases import require_postgres
from tests.reports.conftest import ARMENIAN_NAME, World

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """`lettercast reports …` in this process, configured through the environment as in a shell."""
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli, ["reports", *args])
    get_settings.cache_clear()


def test_cli_export_writes_the_file_and_shows_progress_on_stderr(
    committed_world: World, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    target = tmp_path / "out.xlsx"
    done = run_cli(
        "export",
        "--campaign", committed_world.campaign.slug,
        "--format", "xlsx",
        "--state", "CA",
        "--date-from", "2024-02-04",
        "--include-personal",
        "-o", str(target),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout == ""
    assert "xlsx export: 3/3 rows (100%)" in done.stderr
    assert "Wrote 3 deliveries" in done.stderr
    sheet = openpyxl.load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    unknown = run_cli("export", "--campaign", "nope", "-o", str(tmp_path / "x"))
    assert unknown.exit_code == 2 and "No campaign called 'nope'" in unknown.stderr
    typo = run_cli("export", "--campaign", "x", "--status", "snet", "-o", str(tmp_path / "x"))
    assert typo.exit_code == 2 and "'snet' is not one of" in typo.stderr


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_shell_and_python_paths_write_the_same_rows(
    committed_world: World, db: Session, database_url: str
) -> None:
    filters = ExportFilters(campaign_id=committed_world.campaign.id)  # type: ignore[arg-type]
    shell = b"".join(deliveries_csv(db, filters, include_personal=True))
    python = b"".join(deliveries_csv(db, filters, include_personal=True, sqlite_shell=None))
    assert shell != python  # the shell quotes more eagerly ...
    read = lambda data: list(csv.reader(io.StringIO(data.decode())))  # noqa: E731
    assert read(shell) == read(python)  # ... but the values are the same
    assert any(ARMENIAN_NAME in row for row in read(shell))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_sqlite_shell_falls_back_to_the_python_writer(
    committed_world: World, db: Session, database_url: str
) -> None:
    filters = ExportFilters(campaign_id=committed_world.campaign.id)  # type: ignore[arg-type]
    # `false` exits 1 without a byte of output, as the shell does when it cannot open the file.
    data = b"".join(deliveries_csv(db, filters, include_personal=False, sqlite_shell="false"))
    assert len(list(csv.DictReader(io.StringIO(data.decode())))) == committed_world.letters


def test_benchmark_runs_small_and_prints_its_result_line(tmp_path: Path) -> None:
    require_postgres()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "export.py"), "--rows", "300", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT sqlite_rows_per_s=")
    fields = dict(part.split("=") for part in last.split()[1:])
    assert set(fields) == {
        "sqlite_rows_per_s",
        "postgres_rows_per_s",
        "ratio_vs_db_dump",
        "peak_mb",
    }
    assert float(fields["peak_mb"]) < 200
