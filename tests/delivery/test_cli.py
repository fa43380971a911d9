"""`lettercast deliveries list|retry|cancel|mark-delivered`, as an organiser would use them."""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.delivery.models import Delivery
from tests.delivery.conftest import enqueue_letters

Invoke = Callable[..., tuple[int, str]]


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("LETTERCAST_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["deliveries", *args])
        return result.exit_code, result.output

    yield invoke
    get_settings.cache_clear()


def _set(engine: Engine, ids: list[int], status: str, error: str | None = None) -> None:
    with Session(engine) as session:
        for row in session.exec(select(Delivery).where(Delivery.id.in_(ids))):  # type: ignore[union-attr]
            row.status, row.last_error = status, error
            session.add(row)
        session.commit()


def _statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {d.id: d.status for d in session.exec(select(Delivery))}  # type: ignore[misc]


def test_list_shows_jobs_with_their_reason_and_totals(
    committed_engine: Engine, run: Invoke
) -> None:
    first, second = enqueue_letters(committed_engine, 2)
    _set(committed_engine, [first.id], "dead", "HTTP 422: Recipient address is not on file")
    code, output = run("list", "--status", "dead")
    assert code == 0, output
    assert "HTTP 422: Recipient address is not on file" in output
    assert f"{second.id:>8}" not in output.splitlines()[1]
    assert "dead 1" in output and "queued 1" in output


def test_retry_sends_dead_jobs_again_and_needs_a_filter(
    committed_engine: Engine, run: Invoke
) -> None:
    first, second = enqueue_letters(committed_engine, 2)
    _set(committed_engine, [first.id], "dead", "gave up")
    code, output = run("retry")
    assert code == 2 and "Say which jobs" in output
    code, output = run("retry", "--status", "dead")
    assert code == 0 and "1 job(s) changed" in output
    assert _statuses(committed_engine) == {first.id: "queued", second.id: "queued"}


def test_cancel_by_id_leaves_sent_letters_alone(committed_engine: Engine, run: Invoke) -> None:
    first, second = enqueue_letters(committed_engine, 2)
    _set(committed_engine, [second.id], "sent")
    code, output = run("cancel", "--id", str(first.id), "--id", str(second.id))
    assert code == 0 and "1 job(s) changed, 1 left as they were" in output
    assert _statuses(committed_engine) == {first.id: "cancelled", second.id: "sent"}


def test_mark_delivered_records_the_hand_delivery_date(
    committed_engine: Engine, run: Invoke
) -> None:
    held = enqueue_letters(committed_engine, 2, campaign_settings={"channels": {}})
    code, output = run("mark-delivered", "--state", "CA", "--on", "2024-03-01")
    assert code == 0 and "2 job(s) changed" in output
    with Session(committed_engine) as session:
        rows = session.exec(select(Delivery)).all()
    assert {r.status for r in rows} == {"sent"}
    assert {str(r.delivered_by_hand_on.date()) for r in rows if r.delivered_by_hand_on} == {
        "2024-03-01"
    }
    assert len(held) == 2
    code, output = run("mark-delivered", "--state", "CA", "--on", "March 1st")
    assert code == 2 and "not a date" in output


def test_unknown_campaign_is_reported(committed_engine: Engine, run: Invoke) -> None:
    code, output = run("list", "--campaign", "no-such-campaign")
    assert code == 2 and "No campaign with slug 'no-such-campaign'" in output
