"""Settings: one pydantic-settings class, read from the environment (prefix ``LANYAN_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-development-only"
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 12
SECRET_KEY_RULE = (
    f"a production secret key must be at least {SECRET_KEY_MIN_LENGTH} characters long, "
    f"use at least {SECRET_KEY_MIN_DISTINCT} different characters and not be the shipped "
    "placeholder (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
)


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak for production, or None if it passes ``SECRET_KEY_RULE``."""
    if PLACEHOLDER_SECRET in key or "change-me" in key.lower():
        return "it is the shipped placeholder"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is {len(key)} characters long"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return f"it uses only {len(set(key))} different characters"
    return None


class Settings(BaseSettings):
    """Everything a deployment can choose. Built once in the app factory or CLI, then passed on."""

    model_config = SettingsConfigDict(env_prefix="LANYAN_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    secret_key: str = PLACEHOLDER_SECRET
    audit_hash: Literal["sha256", "sm3"] = "sha256"
    # A raster tile URL template for deployments that have one on their intranet (e.g. 天地图).
    # Empty: the map draws the region's own roads and boundaries and nothing from outside.
    tile_url: str = ""
    tile_attribution: str = ""
    # Log-in rate limits (see lanyan.accounts.login_limits): failures of one username from one
    # address before that pair is refused for login_lockout_minutes; failures from one address
    # across usernames before the address is; failures of one username from anywhere before each
    # further attempt waits login_account_delay_s. Counted over login_failure_window_minutes.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_address_max_failures: int = Field(default=20, ge=1)
    login_account_max_failures: int = Field(default=50, ge=1)
    login_account_delay_s: float = Field(default=10.0, ge=0)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    # Public portal (公众服务) submissions: at most public_submit_max forms (complaints,
    # declarations, applications) from one client address per public_submit_window_minutes;
    # 0 turns the limit off (a benchmark; a closed network with its own gateway limit).
    public_submit_max: int = Field(default=10, ge=0)
    public_submit_window_minutes: int = Field(default=60, ge=1)
    # Status lookups (tracking number + phone digits) from one address in the same window: enough
    # for a reporter, too few to try the 10,000 phone endings of a number someone has seen.
    public_lookup_max: int = Field(default=30, ge=0)
    # Behind a reverse proxy: the header it puts the client's address in (e.g. X-Forwarded-For).
    # Empty: the connection's own peer address. Never set it without a proxy in front.
    trusted_proxy_header: str = ""
    session_hours: int = 12
    default_language: Literal["zh", "en"] = "zh"
    # The address phones reach the platform at: equipment QR labels encode pages under it.
    public_base_url: str = "http://127.0.0.1:8000"
    # A CJK TrueType font for PNG label sheets; empty: look for a common system font.
    label_font: str = ""
    # Enforcement documents (执法文书): the number (文号) pattern, with {org} (doc_org, or the
    # issuing jurisdiction's name when empty), {kind} (the template's short word: 责改, 临封,
    # 行罚决, 检), {year} and {seq} (per kind, year and issuing jurisdiction). The default is
    # the platform's own choice in the usual 文号 shape, not a national rule.
    doc_number_pattern: str = "{org}消{kind}字〔{year}〕第{seq:04d}号"
    doc_org: str = Field(default="", max_length=20)
    # How often ``lanyan serve`` turns confirmed IoT fire alarms into incidents (seconds; 0: off;
    # unset: every 2 s, except under environment "test" where tests switch it on themselves).
    incidents_from_alarms_interval_s: float | None = None
    # The unit risk index's weights (AHP matrices, factors, grades); empty: the shipped file.
    risk_weights: Path | None = None
    # Evidence attachments (证据材料): the largest file accepted, in MiB; stored under data_dir.
    attachment_max_mb: int = Field(default=20, gt=0)
    # Request size limits in MiB (README "Limits"): a data import (CSV, XLSX, GeoJSON), an image
    # (pre-plan drawings and photos), and any other request body (forms, JSON). A request over
    # its limit is refused with 413 before it is read further.
    max_import_mb: int = Field(default=20, gt=0)
    max_image_mb: int = Field(default=5, gt=0)
    max_body_mb: int = Field(default=10, gt=0)
    # 双随机 commit–reveal: hours between publishing a draw's commitment (the seed's hash and
    # the input) and the earliest time it may run. Only outside production may a caller choose
    # the seed (tests, demos); in production the server always generates it.
    draw_delay_hours: float = Field(default=24.0, ge=0)
    # Turnout orders (出动指令): seconds a station may leave an order unacknowledged (签收)
    # before the dispatcher's board shows it in red. 60 s is the platform's own default, not a
    # national figure.
    turnout_ack_s: int = Field(default=60, ge=1, le=3600)
    # Outbound webhooks (lanyan.exchange): how often ``lanyan serve`` relays emitted events
    # (seconds; 0: not in this process, use ``lanyan webhooks deliver``; unset: every 5 s, except
    # under environment "test"), attempts before a delivery is marked failing, the first retry's
    # wait (doubling each time, at most an hour) and each POST's timeout.
    webhook_relay_every_s: float | None = Field(default=None, ge=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=100)
    webhook_backoff_s: float = Field(default=10.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Public-opinion monitoring (舆情, lanyan.exchange): how often ``lanyan serve`` polls the
    # feeds (seconds; 0: not in this process, use ``lanyan opinion poll``; unset: every 600 s,
    # except under environment "test") and each fetch's timeout.
    opinion_poll_every_s: float | None = Field(default=None, ge=0)
    opinion_fetch_timeout_s: float = Field(default=10.0, gt=0)
    # Monitoring housekeeping inside ``lanyan serve`` (监控巡检): devices' heartbeat period and
    # how many may be missed before a device is offline; how long a fire alarm may stay
    # unconfirmed before it escalates; how often the round runs (0: not in this process).
    monitor_heartbeat_s: float = Field(default=60.0, gt=0)
    # The demo only (``make run``): ``lanyan serve`` keeps the demo devices reporting
    # (``demo.live``), so the desk is not flooded with offline alarms. Never in a deployment.
    demo_live: bool = False
    monitor_missed_heartbeats: int = Field(default=3, ge=1)
    monitor_escalate_after_s: float = Field(default=180.0, gt=0)
    monitor_housekeeping_every_s: float = Field(default=30.0, ge=0)
    # Days a running-state frame (GB/T 26875.3 type 21, a heartbeat) is kept as received;
    # older ones are folded into one row per sender and day (monitoring.retention). Frames
    # that raised an alarm and all other types are kept. 0 keeps everything.
    monitor_keep_heartbeats_days: int = Field(default=90, ge=0)
    # 维保合同 expiry reminder (issue #19 item 5): a contract ending within this many days is
    # listed for the unit's manager and the jurisdiction's officers. The platform's choice (no
    # standard fixes it).
    maintenance_remind_days: int = Field(default=30, ge=1, le=365)
    # Whose desk gets the alarms of senders not in the registry (未登记设备, quarantined):
    # the GB/T 2260 code of the jurisdiction this deployment's gateways serve. Empty: the
    # administrators and the users of a top jurisdiction (issue #14). Admins always see them.
    monitor_unregistered_jurisdiction: str = Field(default="", pattern=r"^(\d{6}(\d{3})?)?$")
    # The JT/T 808 vehicle terminal gateway inside ``lanyan serve``: the TCP port it listens on
    # (0: not in this process; run ``lanyan jt808 serve`` instead) and the interface. Only with
    # one worker process: each worker would try to listen on the port.
    jt808_port: int = Field(default=0, ge=0, le=65535)
    jt808_host: str = "0.0.0.0"
    # How often the live alarm feed reads the store for changes made by other processes.
    monitor_feed_poll_s: float = Field(default=1.0, gt=0)
    # Monitoring intake: "embedded" stores device messages in-process (one gateway, group
    # commit); "nats" is service mode — gateways publish to a JetStream stream and
    # ``lanyan monitor process`` workers store them (see monitoring.jetstream).
    monitoring_mode: Literal["embedded", "nats"] = "embedded"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "LANYAN_MONITORING"
    nats_subject: str = "lanyan.monitoring"
    nats_durable: str = "lanyan-alarm-processor"
    # Scheduled backups inside ``lanyan serve`` (lanyan.ops): the folder archives go to (unset:
    # no scheduled backups), how often one is made, how many daily and weekly ones are kept,
    # and a key file to encrypt them with (AES-256-GCM; unset: not encrypted).
    backup_dir: Path | None = None
    backup_interval_hours: float = Field(default=24.0, gt=0)
    backup_keep_daily: int = Field(default=7, ge=1)
    backup_keep_weekly: int = Field(default=4, ge=0)
    backup_key_file: Path | None = None
    # Operations (lanyan.ops): who may read /metrics — with a token set, a scraper sending
    # ``Authorization: Bearer <token>``; without one, only clients on this host (loopback).
    metrics_token: str = ""
    # The MQTT broker (host:port) that ``lanyan mqtt ingest`` reads, if this deployment uses
    # one: ``/readyz`` then also checks that it accepts connections. Empty: not checked.
    mqtt_broker: str = Field(default="", pattern=r"^([^:\s]+:\d{1,5})?$")
    # Log lines as text (the default) or one JSON object per line for a log collector.
    log_format: Literal["text", "json"] = "text"

    @field_validator("doc_number_pattern")
    @classmethod
    def _doc_pattern(cls, value: str) -> str:
        if "{seq" not in value:
            raise ValueError("must contain {seq} (e.g. 第{seq:04d}号)")
        try:
            value.format(org="蓝", kind="罚", year=2026, seq=1)
        except (ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"may use only {{org}}, {{kind}}, {{year}}, {{seq}}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        if self.environment == "production":
            weakness = secret_key_weakness(self.secret_key)
            if weakness:
                raise ValueError(f"LANYAN_SECRET_KEY: {weakness}; {SECRET_KEY_RULE}")
        return self

    @property
    def draw_seed_allowed(self) -> bool:
        """Whether a draw's seed may be chosen by the caller (never in production)."""
        return self.environment != "production"

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lanyan.db').resolve()}"
