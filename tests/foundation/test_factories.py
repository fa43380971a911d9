from sqlmodel import Session, select

from app.delivery.models import Delivery
from tests.factories import (
    make_campaign,
    make_delivery,
    make_letter,
    make_office,
    make_official,
    make_supporter,
)


def test_a_queued_delivery_can_be_built_on_both_databases(session: Session) -> None:
    campaign = make_campaign(session)
    office = make_office(session)
    make_official(session, office)
    supporter = make_supporter(session, campaign)
    letter = make_letter(session, supporter, office)
    make_delivery(session, letter)
    delivery = session.exec(select(Delivery)).one()
    assert delivery.status == "queued"
    assert delivery.next_attempt_at.tzinfo is not None
