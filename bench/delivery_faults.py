"""The long fault run: `lettercast worker` processes on PostgreSQL, SIGKILLed again and again.

Seeds letters (some refused permanently by the receiver, some failing transiently first), runs
several workers, kills one every ``--kill-every`` seconds and starts a replacement, then checks
that every letter ended sent exactly once at the receiver (after deduplication) or dead with the
receiver's reason, and reports the raw re-sends against the jobs held at the kills.

    .venv/bin/python bench/delivery_faults.py [--letters 5000] [--workers 4] [--kills 8]
"""

import argparse
import sys
from pathlib import Path

from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import make_engine
from app.delivery.models import Delivery
from app.migrations import upgrade_to_head
from tests.databases import postgres_database
from tests.delivery.conftest import SECRET, enqueue_letters
from tests.delivery.faults import run_with_kills, worker_env
from tests.delivery.receiver import Receiver
from tests.servers import serve_asgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=1.5)
    parser.add_argument("--delay", type=float, default=0.05, help="receiver answer delay (s)")
    args = parser.parse_args()
    with postgres_database() as database_url:
        upgrade_to_head(database_url)
        engine = make_engine(database_url)
        print(f"seeding {args.letters} letters ...", flush=True)
        deliveries = enqueue_letters(engine, args.letters, offices=50)
        receiver = Receiver(keep_bodies=False, delay_s=args.delay)
        refused = {d.id for d in deliveries[: args.letters // 100]}
        for d in deliveries[: args.letters // 100]:
            receiver.script(d.idempotency_key, [422])
        for d in deliveries[args.letters // 100 : args.letters // 20]:
            receiver.script(d.idempotency_key, [500, ("429", 1), "ok"])
        with serve_asgi(receiver) as url:
            run = run_with_kills(
                engine,
                receiver,
                worker_env(database_url, url, SECRET),
                workers=args.workers,
                kills=args.kills,
                kill_every_s=args.kill_every,
                timeout_s=600,
            )
        with Session(engine) as session:
            rows = session.exec(select(Delivery)).all()
        engine.dispose()
    sent = {d.idempotency_key for d in rows if d.status == "sent"}
    dead = {d.id for d in rows if d.status == "dead"}
    unfinished = [d.id for d in rows if d.status not in {"sent", "dead"}]
    checks = {
        "none lost (all sent or dead)": not unfinished,
        "sent exactly once at the receiver": set(receiver.accepted) == sent,
        "dead only when refused": dead == refused,
        "dead carry the receiver's reason": all(
            "Recipient address" in (d.last_error or "") for d in rows if d.status == "dead"
        ),
        "re-sends <= jobs held at kills": run.duplicates <= run.held_at_kills,
        "SIGTERM: exit 0, nothing left claimed": (run.stopped_exit_code, run.stopped_left_claims)
        == (0, 0),
    }
    print(run.summary())
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(
        f"RESULT letters={len(rows)} sent={len(sent)} dead={len(dead)} kills={run.kills} "
        f"held_at_kills={run.held_at_kills} raw_re_sends={run.duplicates} "
        f"all_checks={'pass' if all(checks.values()) else 'FAIL'}"
    )
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
