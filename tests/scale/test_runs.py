"""Short versions of bench/load.py and bench/faults.py: real processes on PostgreSQL.

Both start `lettercast serve` and `lettercast worker` processes against a throwaway database on
the PostgreSQL server (they cannot run on SQLite: several processes write at once), with the
stand-in geocoder and the deduplicating receiver as their own processes. They check behaviour,
never speed: no server errors, and every accepted letter ends sent (at the receiver) or dead
with a reason, none doubled. The database crash of the long fault run needs a private cluster
and stays in bench/faults.py.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench._upstreams import refused
from bench.faults import REFUSE_EVERY, run_faults
from bench.load import run_load
from tests.databases import postgres_database


@pytest.fixture
def scratch_database() -> Iterator[str]:
    with postgres_database() as url:  # fails in CI when no server answers; skips elsewhere
        yield url


@pytest.mark.postgres_only
def test_rising_load_on_two_api_processes_sheds_politely_and_every_accepted_letter_ends(
    scratch_database: str, tmp_path: Path
) -> None:
    run = run_load(
        scratch_database,
        tmp_path,
        rates=[5, 10, 20],
        seconds=2.0,
        workers=1,
        drain_s=60,
        trivial_s=0,  # no figures here: the bench measures
    )
    steps = [*run.steps, *([run.overload] if run.overload else [])]
    for step in steps:
        print(step.offered, step.counts(), f"p99 {step.p(0.99):.0f} ms")
    assert run.server_errors == 0  # only 429/503 with Retry-After when busy; never a 500
    assert all(set(step.statuses) <= {200, 201, 429, 503} for step in steps)
    assert run.audit.accepted > 0 and run.audit.letters >= 3 * run.audit.accepted
    assert run.audit.lost == 0
    assert run.audit.doubled == 0
    assert run.audit.sent + run.audit.dead == run.audit.letters


@pytest.mark.postgres_only
def test_killing_a_worker_and_an_api_process_mid_run_loses_and_doubles_nothing(
    scratch_database: str, tmp_path: Path
) -> None:
    step, audit, keys, faults = run_faults(
        scratch_database,
        None,
        tmp_path,
        seconds=10.0,
        rate=8.0,
        drain_s=60,
        worker_kills=1,
        api_kills=1,
        db_crashes=0,
    )
    print("\n".join(faults.events), step.counts(), audit, keys["raw_resends"])
    assert sum("SIGKILL" in event for event in faults.events) == 2
    assert step.server_errors == 0 and step.shed_without_retry_after == 0
    assert step.mismatched_repeats == 0  # a supporter writing again gets their own letters
    assert audit.accepted > 0
    assert audit.lost == 0
    assert audit.doubled == 0
    assert audit.received_not_sent == 0
    assert audit.sent + audit.dead == audit.letters
    # Dead only where the receiver refused the letter itself, with its words.
    assert all(refused(key, REFUSE_EVERY) for key in audit.dead_reasons)
    assert all("Recipient address" in reason for reason in audit.dead_reasons.values())
