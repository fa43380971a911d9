"""Settings read from the environment (prefix ``LETTERCAST_``)."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting has a safe default for a single-machine install; see the README's table."""

    model_config = SettingsConfigDict(env_prefix="LETTERCAST_", extra="ignore")

    database_url: str = "sqlite:///./dev.db"
    # Connection pool for PostgreSQL; SQLite ignores these.
    db_pool_size: int = 5
    db_max_overflow: int = 10
    # The embedded SQLite default migrates itself on start; PostgreSQL deployments run
    # `lettercast db upgrade` once, before starting several processes.
    migrate_on_start: bool | None = None
    log_level: str = "INFO"
    log_format: str = "json"
    # Public address of the service, used in links inside e-mails.
    public_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = PROJECT_ROOT / "letter_templates"
    census_geocoder_url: str = "https://geocoding.geo.census.gov/geocoder"
    lookup_timeout_s: float = 10.0
    lookup_retries: int = 2
    lookup_cache_days: int = 30
    # Run one delivery worker inside `lettercast serve`; turn off when separate workers run.
    run_worker_in_process: bool = True
    # Requests in flight per process before new ones are refused with 503 + Retry-After
    # (0 turns shedding off).
    max_requests_in_flight: int = 256
    # Signs anti-forgery tokens and session cookies. Set it in production (every process the
    # same); when unset, one is generated once and kept in `secret_key_file`.
    secret_key: str | None = None
    secret_key_file: Path = Path("./.lettercast-secret")
    # Sites allowed to frame the embeddable supporter form (`?embed=1`), space- or
    # comma-separated origins for CSP frame-ancestors, e.g. "https://example.org". Every other
    # page refuses framing.
    embed_allowed_origins: str = "'self'"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        return _load_or_create_secret(self.secret_key_file)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_migrate_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.is_sqlite


def _load_or_create_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when two processes start at once, the first one's secret wins for both.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]
