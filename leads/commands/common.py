"""What every command shares: the application context (database, acting user) and error handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from leads.errors import DatabaseError, LeadsError


@dataclass
class App:
    """Per-invocation context: which database, who is acting, how talkative."""

    db_url: str
    user: str
    verbose: int = 0
    _db: Any = field(default=None, repr=False)

    def database(self, *, ensure_schema: bool = True, must_exist: bool = False) -> Any:
        """The Database, opened once; by default checked to be at the current schema (created if empty).

        ``must_exist`` is for read-only commands: a SQLite path that does not exist is an error, not a
        new empty database (and no folders are made for it)."""
        if self._db is None:
            from leads.db import Database, missing_sqlite_file

            if must_exist:
                missing = missing_sqlite_file(self.db_url)
                if missing is not None:
                    raise DatabaseError(
                        f"no database at {missing}: check --db / LEADS_DATABASE_URL, "
                        "or create one with `leads db upgrade` (or try `leads demo`)"
                    )

            self._db = Database(self.db_url)
            self.db_url = self._db.url  # normalized: postgres:// reads as postgresql://
            if ensure_schema:
                self._db.ensure_current()
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


pass_app = click.make_pass_decorator(App)


class LeadsGroup(click.Group):
    """A group that turns domain and database errors into `Error: ...` with a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LeadsError as exc:
            raise click.ClickException(str(exc)) from exc
        except OverflowError as exc:
            # SQLite binds at most a 64-bit integer: a lead id or --limit beyond that is the user's.
            raise click.ClickException(f"a number given is too large ({exc})") from exc
        except Exception as exc:  # database errors that escaped a session
            from sqlalchemy import exc as sa_exc

            if isinstance(exc, sa_exc.DBAPIError):
                from leads.db import translate_error

                app = ctx.find_object(App)
                translated = translate_error(exc, app.db_url) if app else None
                if translated is not None:
                    raise click.ClickException(str(translated)) from exc
                # Anything else the database refused: one readable line, nothing was saved.
                detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                raise click.ClickException(f"the database refused the change ({detail}); nothing was saved") from exc
            raise


def note_truncated(shown: int, limit: int | None, total: Callable[[], int]) -> None:
    """After a listing cut at --limit: "showing 50 of 62 (--limit 0 for all)" on stderr.

    ``total`` is only asked when the page is full, so an untruncated list costs no count query."""
    if limit and shown >= limit:
        n = total()
        if n > shown:
            click.echo(f"showing {shown} of {n} (--limit 0 for all)", err=True)


def setup_logging(verbose: int) -> None:
    """Log to stderr at WARNING (-v INFO, -vv DEBUG). The level sits on the handler, so a log file
    added later (the nightly's) can still record INFO without making the console chatty."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
