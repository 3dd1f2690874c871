"""SQLite engine for a case: WAL, foreign keys, immediate write transactions, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import QueuePool

from app.errors import SchemaTooNew, StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
BEGIN_OPTION = "threadline_begin"


def make_engine(db_path: Path, key: bytes | None = None) -> Engine:
    """An engine on the case database with the pragmas every connection needs.

    With a `key` (32 raw bytes) the database is SQLCipher's: every page, of the database
    and of its WAL, encrypted. SQLAlchemy's pysqlcipher dialect keys each new connection
    first (`PRAGMA key = "x'…'"`: a raw key, so no key derivation per connection).
    """
    if key is None:
        engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    else:
        if len(key) != 32:
            raise ValueError("a SQLCipher key is 32 bytes")
        url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(db_path))
        # The dialect would pool one connection per thread; keep the plain engine's pool.
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Imports write large transactions into several indexes: a 64 MiB page cache keeps
        # them in memory instead of spilling B-tree pages while the transaction is open.
        cursor.execute("PRAGMA cache_size=-65536")
        if key is not None:
            # Sorts and temporary indexes stay in memory: nothing spills to a temporary
            # file, which SQLCipher would leave in plaintext.
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(BEGIN_OPTION, "BEGIN"))

    return engine


def connect(db_path: Path, key: bytes | None = None, *, readonly: bool = False) -> Any:
    """A bare DB-API connection to a case database (sqlite3, or sqlcipher3 keyed with the
    raw key), for what SQLAlchemy does not offer: the online backup API."""
    target = f"file:{db_path}?mode=ro" if readonly else str(db_path)
    if key is None:
        import sqlite3

        return sqlite3.connect(target, uri=readonly, timeout=30)
    from sqlcipher3 import dbapi2

    con = dbapi2.connect(target, uri=readonly, timeout=30)
    con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return con


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest schema revision this program knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision a case database is at (None for an empty one)."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DatabaseError as exc:
        raise StoreError(f"the case database cannot be read: {exc.orig}") from exc


def migrate(engine: Engine) -> str:
    """Bring the schema up to this program's head; refuse a schema from a newer program."""
    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    head = script.get_current_head()
    assert head is not None
    if current == head:
        return head
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaTooNew(
            f"the case was written by a newer Threadline (schema {current}); "
            f"this program knows schemas up to {head}: please update Threadline"
        )
    with engine.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"}).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head
