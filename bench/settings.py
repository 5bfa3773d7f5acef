"""What a run measures and where it keeps its files: one Profile per mode."""

from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
LUA_DIR = BENCH_DIR / "lua"
RESULTS_DIR = BENCH_DIR / "results"
# Seeded databases, logs and instance folders: outside the repository, reused across runs.
WORK_DIR = Path("/tmp/scores-bench")
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

ENTITY = "bench"
CREATE_PROJECT = "create"  # emptied before each run
RUNS = 25  # evaluation runs in the seeded project, one after another; they hold all its scores
SCORERS_PER_PREDICTION = 4  # each prediction of a run has one score of each of 4 scorers
WORKERS = 2
# Threads per worker on each database, as `make serve` runs ours when WEB_THREADS
# is not set (default_web_threads in app/config.py); every server of a run gets them.
THREADS = {"sqlite": 32, "postgresql": 16}
SECTIONS = ("create", "read", "list", "stream", "admin", "evals", "queues")


@dataclass(frozen=True)
class Profile:
    name: str
    scores: int  # in the seeded project
    create_seconds: int  # per round
    read_seconds: int  # per round
    rounds: int  # each case runs this many times on each server, in rotated order; best kept
    create_clients: tuple[int, ...] = (1, 16, 64)
    read_clients: int = 8
    # Offsets as fractions of the rows listed: 0, 10k, 100k, 500k and 900k of 1,000,000.
    ladder: tuple[float, ...] = (0.0, 0.01, 0.1, 0.5, 0.9)
    deep: float = 0.9
    limit: int = 100
    postgres_suffix: str = field(default="")

    @property
    def project(self) -> str:
        return f"seeded-{self.scores}"

    @property
    def run_size(self) -> int:
        """Scores per run."""
        return self.scores // RUNS

    @property
    def predictions(self) -> int:
        return self.scores // SCORERS_PER_PREDICTION

    @property
    def run_predictions(self) -> int:
        """Predictions per run: the rows of the dataset every run evaluates."""
        return self.predictions // RUNS


FULL = Profile("full", scores=1_000_000, create_seconds=5, read_seconds=2, rounds=2)
QUICK = Profile(
    "quick", scores=100_000, create_seconds=3, read_seconds=1, rounds=1, postgres_suffix="_quick"
)
