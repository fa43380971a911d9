"""``lettercast campaigns load|list`` and ``lettercast letters preview`` as a user runs them."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.campaigns.models import Campaign, TemplateVersion
from app.cli import cli
from app.config import get_settings
from tests.campaigns.conftest import edit


@pytest.fixture
def run(
    committed_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        return result.exit_code, result.stdout, result.stderr

    yield invoke
    get_settings.cache_clear()


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Campaign)).one(),
            session.exec(select(func.count()).select_from(TemplateVersion)).one(),
        )


def test_load_then_list_then_load_again_changes_nothing(
    run, committed_engine: Engine, campaign_dir: Path
) -> None:
    code, out, _ = run("campaigns", "load", str(campaign_dir))
    assert code == 0 and "Created campaign sjr-11." in out
    assert counts(committed_engine) == (1, 6)
    code, out, _ = run("campaigns", "load", str(campaign_dir))
    assert code == 0 and "already up to date; nothing changed" in out
    assert counts(committed_engine) == (1, 6)
    code, out, _ = run("campaigns", "list")
    assert code == 0 and "sjr-11\tlive" in out and "us_house v1" in out


def test_a_broken_template_is_refused_with_file_and_line_and_changes_nothing(
    run, committed_engine: Engine, campaign_dir: Path
) -> None:
    assert run("campaigns", "load", str(campaign_dir))[0] == 0
    edit(campaign_dir / "us_house.subject.txt", "{{ pick(", "{{ pikc(")
    edit(campaign_dir / "us_senate.body.txt", "Sincerely,", "Yours,")
    code, _, err = run("campaigns", "load", str(campaign_dir))
    assert code == 1
    assert "nothing was changed" in err
    assert f"{campaign_dir / 'us_house.subject.txt'}:1: unknown variable 'pikc'" in err
    assert counts(committed_engine) == (1, 6)


def test_preview_before_loading_says_how_to_load(run) -> None:
    code, _, err = run("letters", "preview", "sjr-11", "--office-kind", "us_house")
    assert code == 1
    assert "lettercast campaigns load letter_templates/sjr-11" in err


def test_preview_prints_a_letter_naming_sjr11_and_its_demands(run, campaign_dir: Path) -> None:
    run("campaigns", "load", str(campaign_dir))
    code, out, _ = run("letters", "preview", "sjr-11", "--office-kind", "us_house")
    assert code == 0
    assert out.startswith("Subject: ") and "SJR 11" in out
    assert "Urge Azerbaijan to immediately return all Armenian hostages." in out
    assert "Dear Representative Example," in out
    code, out, _ = run("letters", "preview", "sjr-11", "--office-kind", "executive", "--json")
    letter = json.loads(out)
    assert code == 0 and letter["template"] == "executive"
    assert letter["body"].startswith("Dear Mr. President,")


def test_an_unmigrated_database_is_named_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["letters", "preview", "sjr-11"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "run `lettercast db upgrade`" in result.stderr
