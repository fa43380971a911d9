"""Killed workers lose nothing and double nothing (PostgreSQL; the long run is in bench/)."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.delivery.models import Delivery
from tests.delivery.conftest import SECRET, enqueue_letters
from tests.delivery.faults import MODULE_WORKER, run_with_kills, worker_env
from tests.delivery.receiver import Receiver
from tests.servers import serve_asgi


@pytest.mark.postgres_only
# Several worker processes share one PostgreSQL; SQLite has one writer.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_workers_killed_mid_run_lose_no_letter_and_double_none(
    committed_engine: Engine, database_url: str
) -> None:
    # Slow answers and few connections keep every worker busy for seconds, longer than a
    # replacement takes to start on a loaded machine, so kills land mid-run.
    receiver = Receiver(keep_bodies=False, delay_s=0.25)
    deliveries = enqueue_letters(committed_engine, 240, offices=20)
    refused = deliveries[:5]
    flaky = deliveries[5:15]
    for delivery in refused:
        receiver.script(delivery.idempotency_key, [422])
    for delivery in flaky:
        receiver.script(delivery.idempotency_key, [500, ("429", 0), "ok"])
    with serve_asgi(receiver) as url:
        run = run_with_kills(
            committed_engine,
            receiver,
            worker_env(database_url, url, SECRET),
            concurrency=4,
            kill_every_s=0.5,
            timeout_s=45,
            command=MODULE_WORKER,
        )
    print("fault run:", run.summary())
    with Session(committed_engine) as session:
        rows = {d.id: d for d in session.exec(select(Delivery)).all()}
    # Every letter ended: sent, or dead with a reason; none lost in "sending".
    assert run.kills == 3
    assert run.held_at_kills > 0  # the kills really landed mid-run
    # SIGTERM mid-run: the worker finished or handed back everything it held, and exited 0.
    assert (run.stopped_exit_code, run.stopped_left_claims) == (0, 0)
    assert {d.status for d in rows.values()} <= {"sent", "dead"}
    dead = {d.id for d in rows.values() if d.status == "dead"}
    # Dead only where the receiver refused the letter itself, with its own words.
    assert dead == {d.id for d in refused}
    assert all("Recipient address is not on file" in (rows[i].last_error or "") for i in dead)
    # Each sent letter was accepted exactly once at the receiver (after deduplication).
    sent_keys = {d.idempotency_key for d in rows.values() if d.status == "sent"}
    assert set(receiver.accepted) == sent_keys
    assert len(sent_keys) == 235
    # Re-sends happen only for jobs the killed workers held at the moment they died.
    assert run.duplicates <= run.held_at_kills
