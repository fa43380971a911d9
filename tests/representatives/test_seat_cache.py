"""Offices and officials are cached per process, and any change to them, by anyone, is seen by
the very next lookup (change tokens set by database triggers)."""

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.representatives.lookup import DistrictResult
from app.representatives.service import offices_for_districts
from tests.factories import make_office, make_official

HERE = DistrictResult("1 Main St", "CA", {"us_house": "CA-07"})


def _holders(engine: Engine) -> list[str]:
    with Session(engine) as session:
        representation = offices_for_districts(session, HERE, ["us_house"])
        return [o.name for match in representation.offices for o in match.officials]


def test_a_change_made_elsewhere_reaches_the_next_lookup(committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        office = make_office(session, key="us_house:CA-07", district="07")
        make_official(session, office, id="X000001", name="Ana Before")
        session.commit()
        office_id = office.id
    assert _holders(committed_engine) == ["Ana Before"]
    assert _holders(committed_engine) == ["Ana Before"]  # now from the cache

    # Plain SQL on another connection, as a sync in another process would write it.
    with committed_engine.begin() as connection:
        connection.execute(text("UPDATE official SET name = 'Ana After' WHERE id = 'X000001'"))
    assert _holders(committed_engine) == ["Ana After"]

    with committed_engine.begin() as connection:
        connection.execute(text("UPDATE official SET in_office = false WHERE id = 'X000001'"))
    assert _holders(committed_engine) == []  # the seat is vacant now

    with committed_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO official (id, office_id, in_office, name, first_name, last_name, "
                "title, source, extra, updated_at) VALUES ('X000002', :office, true, "
                "'Bo Newcomer', 'Bo', 'Newcomer', 'Representative', '', '{}', "
                "CURRENT_TIMESTAMP)"
            ),
            {"office": office_id},
        )
    assert _holders(committed_engine) == ["Bo Newcomer"]


def test_a_rolled_back_change_is_not_kept(committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        office = make_office(session, key="us_house:CA-07", district="07")
        make_official(session, office, id="X000003", name="Kept Name")
        session.commit()
    with Session(committed_engine) as session:
        session.execute(text("UPDATE official SET name = 'Never Committed'"))
        representation = offices_for_districts(session, HERE, ["us_house"])
        assert representation.offices[0].officials[0].name == "Never Committed"
        session.rollback()
    assert _holders(committed_engine) == ["Kept Name"]
