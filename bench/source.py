"""Which code of our app is measured: the working tree, or a committed revision exported to /tmp.

Others edit app/ while a benchmark may run; `--rev HEAD` measures exactly
what is committed, and the results name the commit either way.
"""

import subprocess
import tarfile
import tempfile
from pathlib import Path

from bench import settings

EXPORTED = ("app", "migrations", "templates", "static", "pyproject.toml")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=settings.PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def app_root(rev: str | None) -> tuple[Path, dict]:
    """The directory to run our app from, and a description of the code it holds."""
    if rev is None:
        dirty = bool(_git("status", "--porcelain", "--", "app", "migrations", "templates"))
        return settings.PROJECT_ROOT, {
            "source": "working tree",
            "commit": _git("rev-parse", "HEAD"),
            "dirty": dirty,
        }
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    root = settings.WORK_DIR / "src" / commit
    if not (root / "app").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as archive:
            subprocess.run(
                ["git", "archive", "--format=tar", commit, *_present(commit)],
                cwd=settings.PROJECT_ROOT,
                stdout=archive,
                check=True,
            )
            archive.seek(0)
            with tarfile.open(fileobj=archive) as tar:
                tar.extractall(root, filter="data")
    return root, {"source": f"git archive of {rev}", "commit": commit, "dirty": False}


def _present(commit: str) -> list[str]:
    names = set(_git("ls-tree", "--name-only", commit).splitlines())
    return [name for name in EXPORTED if name in names]
