"""Seed each server's own database with the same scores, fast, and reuse it across runs.

Both servers get a project of N scores (1,000,000 by default) whose ids are
time-ordered UUIDv7 strings computed from the row number, so the harness
knows any row's id without asking. Half of the rows belong to one of RUNS
evaluation runs, interleaved evenly, so the run filter is meaningful at any
depth. Rows go in with SQLAlchemy Core executemany on SQLite and COPY on
PostgreSQL, with the secondary indexes dropped and rebuilt around the load.
A marker table records what was seeded; a database whose marker matches is
reused as it is.
"""

import hashlib
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bench import settings
from bench.floor import TABLE as FLOOR_TABLE
from bench.settings import ENTITY, RUNS, Profile

SEED_VERSION = "seed-v1"
BATCH = 50_000
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
BASE_MS = int(BASE_TIME.timestamp() * 1000)
SCORERS = tuple(
    f"weave:///{ENTITY}/scorers/object/{name}:v1" for name in ("exact_match", "llm_judge", "bleu")
)
OURS_COLUMNS = (
    "id", "entity", "project", "prediction_id", "scorer", "scorer_digest", "value_json",
    "evaluation_run_id", "created_by", "source", "created_at",
)  # fmt: skip
PEER_COLUMNS = (
    "id", "entity", "project", "prediction_id", "scorer", "value", "evaluation_run_id",
    "wb_user_id", "created_at",
)  # fmt: skip
USERNAME = "bench"
# The tables the create cases write to, per server, emptied of the create project before a run.
CREATED_TABLES = {
    "ours": ("scores", "score_stats", "predictions", "run_prediction_counts", "evaluation_runs"),
    "peer": ("scores", "predictions", "evaluation_runs"),
}


@dataclass
class Database:
    """One server's seeded database and the credentials the harness uses on it."""

    server: str  # "ours", "peer" or "floor"
    kind: str  # "sqlite" or "postgresql"
    url: str  # a SQLAlchemy URL
    api_key: str = ""
    password: str = ""
    seed_seconds: float = 0.0  # 0 when an existing seed was reused

    @property
    def env_url(self) -> str:
        """The URL as the server reads it from its environment."""
        return self.url.replace("postgresql+psycopg://", "postgresql://")


def score_id(row: int) -> str:
    """The id of seeded row number `row`: a UUIDv7 one millisecond after the previous row."""
    stamp = f"{BASE_MS + row:012x}"
    mixed = (row * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)
    return (
        f"{stamp[:8]}-{stamp[8:]}-7{row & 0xFFF:03x}-"
        f"{0x8 | (mixed >> 62):x}{(mixed >> 48) & 0xFFF:03x}-{mixed & 0xFFFFFFFFFFFF:012x}"
    )


def run_id(row: int) -> str | None:
    """Rows alternate between no run and one of RUNS runs, so each run is spread evenly."""
    return None if row % 2 else f"run-{(row // 2) % RUNS}"


def _rows(profile: Profile) -> Iterator[tuple]:
    """(id, prediction_id, scorer index, correct, score, run id, created_at) per row."""
    second_prefix = ""
    for row in range(profile.scores):
        millisecond = row % 1000
        if millisecond == 0 or not second_prefix:
            moment = BASE_TIME + timedelta(seconds=row // 1000)
            second_prefix = moment.strftime("%Y-%m-%d %H:%M:%S")
        created = f"{second_prefix}.{millisecond:03d}000"
        yield (
            score_id(row),
            f"pred-{row:07d}",
            row % 3,
            row % 4 != 0,
            (row % 100) / 100,
            run_id(row),
            created,
        )


def ours_rows(profile: Profile, postgres: bool, app_root: Path) -> Iterator[tuple]:
    """Rows of our `scores` table (app/models/score.py)."""
    digests = _scorer_digests(app_root)
    zone = "+00" if postgres else ""
    for sid, prediction, scorer, correct, value, run, created in _rows(profile):
        value_json = f'{{"correct":{"true" if correct else "false"},"score":{value}}}'
        yield (
            sid,
            ENTITY,
            profile.project,
            prediction,
            SCORERS[scorer],
            digests[scorer],
            value_json,
            run,
            USERNAME,
            "api",
            created + zone,
        )


def _scorer_digests(app_root: Path) -> list[str]:
    """scorer_digest of each scorer, computed by the measured code (where its revision keeps it)."""
    program = (
        "import json, sys\n"
        "try:\n"
        "    from app.storage import scorer_digest\n"
        "except ImportError:\n"
        "    from app.services.scores import scorer_digest\n"
        "print(json.dumps([scorer_digest(s) for s in json.loads(sys.argv[1])]))"
    )
    done = subprocess.run(
        [str(settings.VENV_BIN / "python"), "-c", program, json.dumps(SCORERS)],
        cwd=app_root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def peer_rows(profile: Profile, postgres: bool) -> Iterator[tuple]:
    """Rows of the peer's `scores` table, the value as SQLAlchemy's JSON type writes it."""
    zone = "+00" if postgres else ""
    for sid, prediction, scorer, correct, value, run, created in _rows(profile):
        value_json = json.dumps({"correct": correct, "score": value})
        yield (
            sid,
            ENTITY,
            profile.project,
            prediction,
            SCORERS[scorer],
            value_json,
            run,
            USERNAME,
            created + zone,
        )


# Where each database lives ------------------------------------------------------------


def database_for(server: str, kind: str, profile: Profile) -> Database:
    """The Database record (not yet checked or seeded) of one server on one database kind."""
    if kind == "sqlite":
        path = settings.WORK_DIR / "sqlite" / f"{server}-{profile.scores}.db"
        return Database(server, kind, f"sqlite:///{path}")
    name = ("bench_app" if server == "ours" else "bench_peer") + profile.postgres_suffix
    return Database(server, kind, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")


def fresh_floor(kind: str) -> Database:
    """The floor's database, emptied: its SQLite file deleted, or its PostgreSQL database
    created if missing and its table dropped. The floor creates the table at startup."""
    if kind == "sqlite":
        database = Database("floor", kind, f"sqlite:///{settings.WORK_DIR / 'sqlite' / 'floor.db'}")
        _recreate(database)
        return database
    name = "bench_floor"
    database = Database("floor", kind, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    if not _postgres_exists(name):
        _recreate(database)
        return database
    engine = create_engine(database.url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    finally:
        engine.dispose()
    return database


def _marker(server: str, profile: Profile, app_root: Path) -> str:
    if server == "ours":
        sources = sorted((app_root / "migrations" / "versions").glob("*.py"))
    else:
        sources = [settings.BENCH_DIR / "peer" / "models.py"]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return f"{SEED_VERSION} {server} rows={profile.scores} schema={digest.hexdigest()[:16]}"


def _read_marker(database: Database) -> tuple[str, str, str] | None:
    if database.kind == "sqlite":
        if not Path(database.url.removeprefix("sqlite:///")).exists():
            return None
    elif not _postgres_exists(database.url.rsplit("/", 1)[1]):
        return None
    engine = create_engine(database.url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT marker, api_key, password FROM bench_seed")).first()
    except DBAPIError:
        return None
    finally:
        engine.dispose()
    return tuple(row) if row else None


def _postgres_exists(name: str) -> bool:
    engine = create_engine(settings.POSTGRES_ADMIN_URL.replace("://", "+psycopg://", 1))
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            return conn.execute(query, {"name": name}).first() is not None
    finally:
        engine.dispose()


def _recreate(database: Database) -> None:
    if database.kind == "sqlite":
        path = Path(database.url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = database.url.rsplit("/", 1)[1]
    engine = create_engine(
        settings.POSTGRES_ADMIN_URL.replace("://", "+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


# Seeding ------------------------------------------------------------------------------


def ensure_seeded(server: str, kind: str, profile: Profile, app_root: Path, log=print) -> Database:
    """Reuse the server's seeded database if its marker matches; otherwise build it anew."""
    database = database_for(server, kind, profile)
    marker = _marker(server, profile, app_root)
    found = _read_marker(database)
    if found and found[0] == marker:
        database.api_key, database.password = found[1], found[2]
        _clear_created(database)
        log(f"  {server}/{kind}: reusing the seeded database ({profile.scores:,} scores)")
        return database
    log(f"  {server}/{kind}: seeding {profile.scores:,} scores ...")
    started = time.monotonic()
    _recreate(database)
    if server == "ours":
        _ours_schema_and_key(database, app_root)
        rows = ours_rows(profile, kind == "postgresql", app_root)
        columns = OURS_COLUMNS
    else:
        _peer_schema_and_key(database)
        rows = peer_rows(profile, kind == "postgresql")
        columns = PEER_COLUMNS
    engine = create_engine(database.url)
    try:
        _bulk_load(engine, columns, rows)
        _finish(engine, database, marker)
    finally:
        engine.dispose()
    database.seed_seconds = time.monotonic() - started
    log(f"  {server}/{kind}: seeded in {database.seed_seconds:.1f} s")
    return database


def server_env(database: Database) -> dict[str, str]:
    """Environment for our app's flask and gunicorn processes on this database."""
    instance = settings.WORK_DIR / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": database.env_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-secret-key-not-for-production",
    }


def _ours_schema_and_key(database: Database, app_root: Path) -> None:
    env = server_env(database)
    flask = [str(settings.VENV_BIN / "flask"), "--app", "app"]

    def run(*args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [*flask, *args],
            cwd=app_root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    run("db", "upgrade")
    database.password = secrets.token_urlsafe(12)
    run("users", "create", USERNAME, "--admin", "--password-stdin", stdin=database.password + "\n")
    database.api_key = run("keys", "create", USERNAME).strip().splitlines()[-1]


def _peer_schema_and_key(database: Database) -> None:
    from sqlalchemy.orm import Session

    from bench.peer.database import Base, make_engine
    from bench.peer.models import ApiKey, User

    engine = make_engine(database.url)
    Base.metadata.create_all(engine)
    database.api_key = "sk_" + secrets.token_urlsafe(32)
    database.password = ""
    with Session(engine) as session:
        user = User(username=USERNAME, is_admin=True)
        session.add(user)
        session.flush()
        key_hash = hashlib.sha256(database.api_key.encode()).hexdigest()
        session.add(ApiKey(user_id=user.id, key_hash=key_hash))
        session.commit()
    engine.dispose()


def _bulk_load(engine: Engine, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    with engine.begin() as conn:
        indexes = _drop_secondary_indexes(conn)
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            sql = (
                f"INSERT INTO scores ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            batch: list[tuple] = []
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    conn.exec_driver_sql(sql, batch)
                    batch = []
            if batch:
                conn.exec_driver_sql(sql, batch)
        else:
            cursor = conn.connection.dbapi_connection.cursor()
            with cursor.copy(f"COPY scores ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for ddl in indexes:
            conn.exec_driver_sql(ddl)


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop the scores table's non-key indexes; return the DDL that recreates them."""
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'scores' AND sql IS NOT NULL"
        ).all()
    else:
        found = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scores' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ).all()
    for name, _ddl in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [ddl for _name, ddl in found]


def _finish(engine: Engine, database: Database, marker: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE bench_seed (marker TEXT NOT NULL, api_key TEXT NOT NULL, "
            "password TEXT NOT NULL)"
        )
        conn.execute(
            text("INSERT INTO bench_seed VALUES (:marker, :key, :password)"),
            {"marker": marker, "key": database.api_key, "password": database.password},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql("VACUUM ANALYZE")


def _clear_created(database: Database) -> None:
    """Remove what earlier runs created (scores, predictions, runs and what is kept beside
    them), so every run starts from the same data."""
    tables = CREATED_TABLES[database.server]
    engine = create_engine(database.url)
    try:
        with engine.begin() as conn:
            for table in tables:
                conn.execute(
                    text(f"DELETE FROM {table} WHERE entity = :entity AND project = :project"),
                    {"entity": ENTITY, "project": settings.CREATE_PROJECT},
                )
        # Leave nothing for the database to tidy up during the run: the WAL
        # checkpointed, or (PostgreSQL) the deleted rows vacuumed and the
        # statistics fresh, rather than autovacuum starting mid-measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if database.kind == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                for table in tables:
                    conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    finally:
        engine.dispose()
