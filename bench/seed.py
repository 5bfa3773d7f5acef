"""Seed each server's own database with the same scores, fast, and reuse it across runs.

Both servers get a project of N scores (1,000,000 by default) whose ids are
time-ordered UUIDv7 strings computed from the row number, so the harness
knows any row's id without asking. The project holds RUNS evaluation runs,
one after another, each over the same dataset of N / (4 RUNS) rows: a run
has one prediction per dataset row (with inputs and an output) and each
prediction one score of each of 4 scorers, so every score names a
prediction and a run (1,000,000 scores: 25 runs of 10,000 predictions).
Our database gets the runs and predictions too, and its statistics tables
are counted by the app's own code (`flask stats recount`); the peer's has
the scores alone. Rows go in with SQLAlchemy Core executemany on SQLite and
COPY on PostgreSQL, with the secondary indexes dropped and rebuilt around
the load. A marker table records what was seeded; a database whose marker
matches is reused as it is.
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
from bench.settings import ENTITY, RUNS, SCORERS_PER_PREDICTION, Profile

SEED_VERSION = "seed-v2"
BATCH = 50_000
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
BASE_MS = int(BASE_TIME.timestamp() * 1000)
SCORERS = tuple(
    f"weave:///{ENTITY}/scorers/object/{name}:v1"
    for name in ("exact_match", "llm_judge", "bleu", "relevance")
)
assert len(SCORERS) == SCORERS_PER_PREDICTION
EVALUATION = f"weave:///{ENTITY}/evals/object/qa:v1"
OURS_COLUMNS = (
    "id", "entity", "project", "prediction_id", "scorer", "scorer_digest", "value_json",
    "evaluation_run_id", "created_by", "source", "created_at",
)  # fmt: skip
PREDICTION_COLUMNS = (
    "id", "entity", "project", "evaluation_run_id", "model", "inputs_json", "output_json",
    "row_digest", "genai_span_ref_json", "created_by", "created_at", "finished_at",
)  # fmt: skip
RUN_COLUMNS = (
    "entity", "project", "id", "evaluation", "model", "source_evaluation_run_id", "status",
    "summary_json", "created_by", "started_at", "finished_at",
)  # fmt: skip
PEER_COLUMNS = (
    "id", "entity", "project", "prediction_id", "scorer", "value", "evaluation_run_id",
    "wb_user_id", "created_at",
)  # fmt: skip
USERNAME = "bench"
_MASK = (1 << 64) - 1
# The tables the create cases write to, per server, emptied of the create project before a run.
CREATED_TABLES = {
    "ours": (
        "scores",
        "score_stats",
        "fold_horizons",
        "predictions",
        "run_prediction_counts",
        "evaluation_runs",
    ),
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


def _uuid7(ms: int, counter: int, salt: int) -> str:
    """A UUIDv7 at `ms` milliseconds, its other bits computed from counter and salt."""
    stamp = f"{ms:012x}"
    mixed = ((counter + 1) * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9) & _MASK
    return (
        f"{stamp[:8]}-{stamp[8:]}-7{counter & 0xFFF:03x}-"
        f"{0x8 | (mixed >> 62):x}{(mixed >> 48) & 0xFFF:03x}-{mixed & 0xFFFFFFFFFFFF:012x}"
    )


def score_id(row: int) -> str:
    """The id of seeded row number `row`: a UUIDv7 one millisecond after the previous row."""
    stamp = f"{BASE_MS + row:012x}"
    mixed = (row * 0x9E3779B97F4A7C15) & _MASK
    return (
        f"{stamp[:8]}-{stamp[8:]}-7{row & 0xFFF:03x}-"
        f"{0x8 | (mixed >> 62):x}{(mixed >> 48) & 0xFFF:03x}-{mixed & 0xFFFFFFFFFFFF:012x}"
    )


def prediction_id(number: int) -> str:
    """Prediction `number`, made in the millisecond of its first score."""
    return _uuid7(BASE_MS + number * SCORERS_PER_PREDICTION, number, 1)


def run_id(run: int, profile: Profile) -> str:
    """Run `run` (0 to RUNS - 1), started a millisecond before its first prediction."""
    first_row = run * profile.run_predictions * SCORERS_PER_PREDICTION
    return _uuid7(BASE_MS + first_row - 1, run, 2)


def run_row(run: int, fraction: float, profile: Profile) -> int:
    """The number of a score of `run`, `fraction` of the way through it."""
    return run * profile.run_size + int(profile.run_size * fraction)


def _moment(ms_after_base: int, postgres: bool) -> str:
    moment = BASE_TIME + timedelta(milliseconds=ms_after_base)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + ("+00" if postgres else "")


def _mix(*numbers: int) -> int:
    """A well-spread number from a few small ones, the same on every run of the seed."""
    mixed = 0
    for number in numbers:
        mixed = ((mixed ^ (number + 1)) * 0x9E3779B97F4A7C15) & _MASK
    return mixed >> 32


def inputs_of(row: int) -> dict:
    """The inputs of dataset row `row`: the same in every run."""
    return {"question": f"What is {row} plus {row}?", "row": row}


def output_of(row: int, run: int) -> str:
    """What run `run`'s model answered for dataset row `row`: some runs miss some rows."""
    return str(2 * row + (1 if _mix(row, run, 7) % 10 == 0 else 0))


def _rows(profile: Profile) -> Iterator[tuple]:
    """(id, prediction_id, scorer index, correct, score, run id, created_at) per score."""
    per_run = profile.run_predictions
    runs = [run_id(run, profile) for run in range(RUNS)]
    second_prefix = ""
    for row in range(profile.scores):
        millisecond = row % 1000
        if millisecond == 0 or not second_prefix:
            moment = BASE_TIME + timedelta(seconds=row // 1000)
            second_prefix = moment.strftime("%Y-%m-%d %H:%M:%S")
        created = f"{second_prefix}.{millisecond:03d}000"
        number, scorer = divmod(row, SCORERS_PER_PREDICTION)
        run, dataset_row = divmod(number, per_run)
        # Later runs are slightly better, row by row some better and some worse.
        grade = _mix(dataset_row, run, scorer) % 100
        yield (
            score_id(row),
            prediction_id(number),
            scorer,
            (grade + run) % 4 != 0,
            grade / 100,
            runs[run],
            created,
        )


def ours_rows(profile: Profile, postgres: bool, digests: dict) -> Iterator[tuple]:
    """Rows of our `scores` table (app/models/score.py)."""
    scorer_digests = digests["scorers"]
    zone = "+00" if postgres else ""
    for sid, prediction, scorer, correct, value, run, created in _rows(profile):
        value_json = f'{{"correct":{"true" if correct else "false"},"score":{value}}}'
        yield (
            sid,
            ENTITY,
            profile.project,
            prediction,
            SCORERS[scorer],
            scorer_digests[scorer],
            value_json,
            run,
            USERNAME,
            "api",
            created + zone,
        )


def prediction_rows(profile: Profile, postgres: bool, digests: dict) -> Iterator[tuple]:
    """Rows of our `predictions` table (app/models/prediction.py)."""
    per_run = profile.run_predictions
    row_digests = digests["rows"]
    inputs = [json.dumps(inputs_of(row), separators=(",", ":")) for row in range(per_run)]
    for number in range(profile.predictions):
        run, dataset_row = divmod(number, per_run)
        ms = number * SCORERS_PER_PREDICTION
        yield (
            prediction_id(number),
            ENTITY,
            profile.project,
            run_id(run, profile),
            f"weave:///{ENTITY}/models/object/model-{run}:v1",
            inputs[dataset_row],
            json.dumps(output_of(dataset_row, run)),
            row_digests[dataset_row],
            None,
            USERNAME,
            _moment(ms, postgres),
            _moment(ms + SCORERS_PER_PREDICTION - 1, postgres),
        )


def run_rows(profile: Profile, postgres: bool) -> Iterator[tuple]:
    """Rows of our `evaluation_runs` table (app/models/evaluation_run.py), all finished."""
    per_run_ms = profile.run_predictions * SCORERS_PER_PREDICTION
    for run in range(RUNS):
        yield (
            ENTITY,
            profile.project,
            run_id(run, profile),
            EVALUATION,
            f"weave:///{ENTITY}/models/object/model-{run}:v1",
            None,
            "finished",
            None,
            USERNAME,
            _moment(run * per_run_ms - 1, postgres),
            _moment((run + 1) * per_run_ms, postgres),
        )


def _app_digests(profile: Profile, app_root: Path) -> dict:
    """scorer_digest of each scorer and the row digest of each dataset row, computed by the
    measured code (where its revision keeps them)."""
    program = (
        "import json, sys\n"
        "try:\n"
        "    from app.storage import scorer_digest\n"
        "except ImportError:\n"
        "    from app.services.scores import scorer_digest\n"
        "from app.services.predictions import row_digest\n"
        "asked = json.load(sys.stdin)\n"
        "print(json.dumps({'scorers': [scorer_digest(s) for s in asked['scorers']],\n"
        "                  'rows': [row_digest(i) for i in asked['rows']]}))"
    )
    asked = {
        "scorers": SCORERS,
        "rows": [inputs_of(row) for row in range(profile.run_predictions)],
    }
    done = subprocess.run(
        [str(settings.VENV_BIN / "python"), "-c", program],
        cwd=app_root,
        input=json.dumps(asked),
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
    postgres = kind == "postgresql"
    if server == "ours":
        flask = _ours_schema_and_key(database, app_root)
        digests = _app_digests(profile, app_root)
        tables = [
            ("evaluation_runs", RUN_COLUMNS, run_rows(profile, postgres)),
            ("predictions", PREDICTION_COLUMNS, prediction_rows(profile, postgres, digests)),
            ("scores", OURS_COLUMNS, ours_rows(profile, postgres, digests)),
        ]
    else:
        _peer_schema_and_key(database)
        tables = [("scores", PEER_COLUMNS, peer_rows(profile, postgres))]
    engine = create_engine(database.url)
    try:
        for table, columns, rows in tables:
            _bulk_load(engine, table, columns, rows)
        if server == "ours":
            # The statistics kept with the scores, counted by the app's own code.
            flask("stats", "recount", "--project", f"{ENTITY}/{profile.project}")
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


def _ours_schema_and_key(database: Database, app_root: Path):
    """Migrate, create the bench user and its key; return a function that runs flask."""
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
    return run


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


def _bulk_load(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    with engine.begin() as conn:
        indexes = _drop_secondary_indexes(conn, table)
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
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
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for ddl in indexes:
            conn.exec_driver_sql(ddl)


def _drop_secondary_indexes(conn: Connection, table: str) -> list[str]:
    """Drop a table's non-key indexes; return the DDL that recreates them."""
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).all()
    else:
        found = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (table,),
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
