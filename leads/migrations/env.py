"""Alembic environment: runs on the connection leads.db hands over, or one made from the URL.

Either way the connection comes from ``leads.db.migration_connection``, which on SQLite turns
foreign keys off for batch migrations and checks them afterwards.
"""

from __future__ import annotations

from alembic import context

from leads.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from leads.db import make_engine, migration_connection

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("alembic: no sqlalchemy.url configured")
    engine = make_engine(url)
    try:
        with migration_connection(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
