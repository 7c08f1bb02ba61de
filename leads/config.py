"""Configuration from the environment: database URL, acting user, crawl identity."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

APP_NAME = "orphan-leads"
ENV_DATABASE_URL = "LEADS_DATABASE_URL"
ENV_USER = "LEADS_USER"
ENV_CONTACT = "LEADS_CONTACT"
ENV_DATA_DIR = "LEADS_DATA_DIR"


def data_dir() -> Path:
    """Where the default database, logs and digests live (LEADS_DATA_DIR overrides)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'leads.db'}"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(ENV_DATABASE_URL) or default_database_url()


def acting_user(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get(ENV_USER)
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def crawl_contact() -> str:
    """The contact address the crawler's User-Agent carries, so an agency can reach us."""
    return os.environ.get(ENV_CONTACT, "set LEADS_CONTACT to an e-mail address")
