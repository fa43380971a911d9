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
    # First wait between geocoder retries; doubles each time.
    lookup_backoff_s: float = 0.5
    # Where `lettercast reps sync` downloads officials data from when no --from is given
    # (the JSON editions: same content as the YAML, parsed several times faster).
    reps_congress_url: str = (
        "https://unitedstates.github.io/congress-legislators/legislators-current.json"
    )
    reps_district_offices_url: str = (
        "https://unitedstates.github.io/congress-legislators/legislators-district-offices.json"
    )
    reps_openstates_url: str = "https://github.com/openstates/people/archive/refs/heads/main.tar.gz"
    reps_zcta_url: str = (
        "https://raw.githubusercontent.com/OpenSourceActivismTech/"
        "us-zipcodes-congress/master/zccd.csv"
    )
    # Run one delivery worker inside `lettercast serve`; turn off when separate workers run.
    run_worker_in_process: bool = True
    # Delivery engine (app/delivery): how a worker claims, retries and gives up on jobs.
    delivery_concurrency: int = 16  # requests in flight per worker
    delivery_batch: int = 100  # jobs claimed per database round trip
    delivery_lease_s: float = 30.0  # a dead worker's jobs are re-queued after this
    delivery_max_attempts: int = 8  # then the job is dead, with the last reason
    delivery_backoff_base_s: float = 10.0  # doubled per attempt, with jitter
    delivery_backoff_max_s: float = 3600.0
    delivery_retry_after_max_s: float = 3600.0  # a downstream's Retry-After is honoured up to this
    delivery_poll_s: float = 0.5  # idle wait between claims when nothing is due
    delivery_send_timeout_s: float = 120.0  # a channel taking longer is retried
    delivery_shutdown_grace_s: float = 10.0  # in-flight sends may finish this long on stop
    http_transport: str = "aiohttp"  # every outgoing client; or "httpx" (its own pool; slower)
    # Pacing across all workers: sends per minute per channel ({"cwc": 600}), and per office,
    # keyed by channel or "*" for every channel ({"*": 30}); burst = sends allowed back to back.
    delivery_channel_rates: dict[str, float] = {}
    delivery_office_rates: dict[str, float] = {}
    delivery_rate_burst: int = 1
    # The webhook channel (campaign settings may override: {"webhook": {"url", "secret"}}).
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout_s: float = 10.0
    # Channels cwc, email, form and supporters' own copies (docs/channels.md has the details).
    # The sending organisation: From of every e-mail, CWC <Organization> (6+ characters).
    organisation_name: str = "Lettercast"
    mail_from: str | None = None  # e.g. letters@example.org; no address, no e-mail
    smtp_host: str | None = None  # SMTP relay; STARTTLS when offered unless smtp_ssl
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_ssl: bool = False  # implicit TLS (port 465)
    # HTTP mail API in Resend's format (POST {url}/emails, bearer token); preferred over SMTP.
    mail_api_url: str = "https://api.resend.com"
    mail_api_token: str | None = None
    mail_timeout_s: float = 30.0
    # House CWC 2.0 (test service: https://test-cwc.house.gov). No API key: cwc letters wait.
    cwc_base_url: str = "https://cwc.house.gov"
    cwc_api_key: str | None = None
    cwc_delivery_agent: str = ""
    cwc_delivery_agent_ack_email: str = ""
    cwc_delivery_agent_contact_name: str = ""
    cwc_delivery_agent_contact_email: str = ""
    cwc_delivery_agent_contact_phone: str = ""  # 202-555-0100
    cwc_campaign_id: str | None = None  # default: the campaign's slug
    cwc_schema_path: Path | None = None  # your copy of the CWC 2.0 .rng, checked before sending
    cwc_timeout_s: float = 30.0
    # Senate offices through the Senate's own endpoint (full message URL) and office codes,
    # keyed by office key or official id; otherwise Senate letters go by e-mail or wait.
    cwc_senate_url: str | None = None
    cwc_senate_api_key: str | None = None
    cwc_senate_office_codes: dict[str, str] = {}
    # Office contact forms (YAML, see docs/channels.md); the form channel is off without it.
    contact_forms_path: Path | None = None
    # Requests in flight per process before new ones are refused with 503 + Retry-After
    # (0 turns shedding off).
    # Measured (bench/load.py): far above the database pool, requests only queue for the pool
    # and time out; a few times the pool keeps accepted requests fast and refuses the rest.
    max_requests_in_flight: int = 32
    # Seconds a request waits for a database connection before failing (then answered 503).
    db_pool_timeout_s: float = 10.0
    # Submissions (app/submissions): rate limits per client address and per e-mail, counted in
    # the database (or Redis when redis_url is set) so they hold across API processes.
    rate_limit_enabled: bool = True
    rate_limit_ip: int = 30  # submissions per client address per window
    rate_limit_ip_window_s: int = 60
    rate_limit_email: int = 5  # submissions per e-mail address per window
    rate_limit_email_window_s: int = 3600
    # Client addresses of reverse proxies (IPs or CIDRs, comma-separated) whose
    # X-Forwarded-For is believed; from anyone else the header is ignored.
    trusted_proxies: str = ""
    redis_url: str | None = None
    # Idempotency-Key records are kept this long (the IETF draft asks for at least 24 hours).
    idempotency_ttl_hours: int = 24
    # Supporters' personal data is erased this many days after all their letters are final
    # (sent, dead or cancelled); unset keeps it until `lettercast supporters delete`.
    supporter_retention_days: int | None = None
    # Signs anti-forgery tokens and session cookies. Set it in production (every process the
    # same); when unset, one is generated once and kept in `secret_key_file`.
    secret_key: str | None = None
    secret_key_file: Path = Path("./.lettercast-secret")
    # Organiser sessions end after this long without a request, and this long after sign-in.
    organiser_idle_timeout_minutes: int = 60
    organiser_absolute_timeout_hours: int = 12
    # Plain-HTTP development on http://127.0.0.1 only: browsers refuse a Secure `__Host-` cookie
    # there, so the session cookie drops Secure and is named `lettercast_session` instead.
    insecure_cookies: bool = False
    # Sign-in throttling: failed tries within the window, per account and per client address.
    signin_window_minutes: int = 15
    signin_max_failures_per_account: int = 5
    signin_max_failures_per_ip: int = 30
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
