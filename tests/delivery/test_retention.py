"""The worker runs the supporter retention purge, so personal data does not outlive its period."""

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.supporters.models import Supporter
from tests.delivery.conftest import enqueue_letters, run_worker


def test_supporters_past_retention_are_erased_by_the_worker(
    committed_engine: Engine, delivery_settings: Settings
) -> None:
    old, recent = enqueue_letters(committed_engine, 2)
    long_ago = utcnow() - timedelta(days=90)
    with Session(committed_engine) as session:
        for delivery in session.exec(select(Delivery)):
            delivery.status = "sent"
            if delivery.id == old.id:
                delivery.updated_at = long_ago
                letter = session.get(Letter, delivery.letter_id)
                assert letter is not None
                supporter = session.get(Supporter, letter.supporter_id)
                assert supporter is not None
                supporter.created_at = long_ago
                session.add(supporter)
            session.add(delivery)
        session.commit()
    retention = delivery_settings.model_copy(update={"supporter_retention_days": 30})
    run_worker(committed_engine, retention, lambda s: False, timeout_s=0.5)
    with Session(committed_engine) as session:
        erased = {
            letter_id: supporter.erased_at is not None
            for letter_id, supporter in session.exec(
                select(Letter.id, Supporter).join(Supporter, Supporter.id == Letter.supporter_id)
            )
        }
    assert erased == {old.letter_id: True, recent.letter_id: False}
