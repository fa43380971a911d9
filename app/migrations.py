"""Running and checking Alembic migrations from code (the CLI, the service's start, the tests)."""

import tempfile

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "heads")


def head_revisions(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_at_head(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions(engine.url.render_as_string(False))


def new_revision(message: str, rev_id: str | None = None) -> str:
    """Autogenerate a migration from the models' difference against a fresh database at head."""
    with tempfile.TemporaryDirectory() as directory:
        config = alembic_config(f"sqlite:///{directory}/autogenerate.db")
        command.upgrade(config, "heads")
        script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
    assert script is not None and not isinstance(script, list)
    return str(script.path)
