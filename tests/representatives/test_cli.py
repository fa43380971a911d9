"""lettercast reps sync / lookup, as an administrator runs them."""

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.staticfiles import StaticFiles
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.representatives.models import Official, ZipDistrict
from tests.factories import make_office, make_official
from tests.representatives.conftest import FIXTURES
from tests.servers import serve_asgi

runner = CliRunner()


@pytest.fixture
def cli_env(
    committed_engine: Engine,
    database_url: str,
    census_stub: tuple[str, list[dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", database_url)
    monkeypatch.setenv("LETTERCAST_CENSUS_GEOCODER_URL", census_stub[0])
    monkeypatch.setenv("LETTERCAST_LOOKUP_RETRIES", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[str]:
    """A local web server holding the files as upstream publishes them (people as an archive)."""
    site = tmp_path / "site"
    site.mkdir()
    for name in ("legislators-current.yaml", "legislators-district-offices.yaml"):
        (site / name).write_bytes((FIXTURES / "congress-legislators" / name).read_bytes())
    (site / "zccd.csv").write_bytes((FIXTURES / "zcta" / "zccd.csv").read_bytes())
    with tarfile.open(site / "main.tar.gz", "w:gz") as archive:
        archive.add(FIXTURES / "people" / "data", arcname="people-main/data")
    with serve_asgi(StaticFiles(directory=site)) as base_url:
        yield base_url


def _in_office(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Official).where(col(Official.in_office).is_(True))).all())


def test_sync_from_a_local_folder_imports_and_prints_a_summary(
    cli_env: None, committed_engine: Engine
) -> None:
    result = runner.invoke(cli, ["reps", "sync", "--from", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["officials"]["added"] == 12
    assert summary["by_chamber"]["us_house"]["vacant"] == 1
    assert "Officials: 12 added, 0 updated, 0 retired." in result.stderr
    assert _in_office(committed_engine) == 10


def test_sync_if_empty_does_nothing_once_officials_are_loaded(
    cli_env: None, committed_engine: Engine
) -> None:
    with Session(committed_engine) as session:  # a campaign's own target is not officials data
        make_official(session, make_office(session, key="custom:envoy", kind="custom"))
        session.commit()
    offline = runner.invoke(cli, ["reps", "sync", "--if-empty", "--from", "/nonexistent"])
    assert offline.exit_code == 1 and "no such file" in offline.stderr
    assert runner.invoke(cli, ["reps", "sync", "--from", str(FIXTURES)]).exit_code == 0
    result = runner.invoke(cli, ["reps", "sync", "--if-empty", "--from", "/nonexistent"])
    assert result.exit_code == 0
    assert "already loaded" in result.stderr


def test_sync_downloads_the_upstream_files_and_the_people_archive(
    cli_env: None, committed_engine: Engine, upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LETTERCAST_REPS_CONGRESS_URL", f"{upstream}/legislators-current.yaml")
    monkeypatch.setenv(
        "LETTERCAST_REPS_DISTRICT_OFFICES_URL", f"{upstream}/legislators-district-offices.yaml"
    )
    monkeypatch.setenv("LETTERCAST_REPS_OPENSTATES_URL", f"{upstream}/main.tar.gz")
    monkeypatch.setenv("LETTERCAST_REPS_ZCTA_URL", f"{upstream}/zccd.csv")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["reps", "sync", "--state", "ca"])
    assert result.exit_code == 0, result.output
    with Session(committed_engine) as session:
        assert session.get(Official, "ocd-person/11111111-1111-4111-8111-111111111111")
        assert session.get(Official, "X000030")
        assert session.get(Official, "X000201") is None  # DC was not asked for
        assert {z.state for z in session.exec(select(ZipDistrict)).all()} == {"CA"}


def test_sync_offline_says_what_failed_and_how_to_use_local_files(
    cli_env: None, committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "LETTERCAST_REPS_CONGRESS_URL", "http://127.0.0.1:9/legislators-current.yaml"
    )
    get_settings.cache_clear()
    result = runner.invoke(cli, ["reps", "sync", "--if-empty"])
    assert result.exit_code == 1
    assert "127.0.0.1:9/legislators-current.yaml" in result.stderr
    assert "--from ../shared/data" in result.stderr
    assert _in_office(committed_engine) == 0


def test_sync_of_a_malformed_file_changes_nothing(
    cli_env: None, committed_engine: Engine, tmp_path: Path
) -> None:
    assert runner.invoke(cli, ["reps", "sync", "--from", str(FIXTURES)]).exit_code == 0
    bad = tmp_path / "legislators-current.yaml"
    bad.write_text("- id: {bioguide: X9}\n  name: {first: A, last: B}\n  terms: [{type: rep}]\n")
    result = runner.invoke(cli, ["reps", "sync", "--from", str(bad)])
    assert result.exit_code == 1
    assert "entry 1" in result.stderr and "Nothing was changed" in result.stderr
    assert _in_office(committed_engine) == 10


def test_lookup_json_prints_offices_and_exits_non_zero_with_an_error_json(
    cli_env: None, committed_engine: Engine
) -> None:
    assert runner.invoke(cli, ["reps", "sync", "--from", str(FIXTURES)]).exit_code == 0
    result = runner.invoke(cli, ["reps", "lookup", "100 Example St, Los Angeles, CA", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["offices"][0]["officials"][0]["id"] == "X000030"
    assert answer["offices"][0]["vacant"] is False

    failed = runner.invoke(cli, ["reps", "lookup", "--zip", "90002", "--json"])
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["error"]["candidates"] == ["CA-30", "CA-32"]


def test_sync_refuses_an_unknown_state_code(cli_env: None) -> None:
    result = runner.invoke(cli, ["reps", "sync", "--state", "XX", "--from", str(FIXTURES)])
    assert result.exit_code == 2
    assert "XX" in result.stderr
