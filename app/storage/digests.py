"""Short stand-ins for long keys, and what no stored key can equal."""

import hashlib
from functools import lru_cache


@lru_cache(maxsize=1024)
def scorer_digest(scorer: str) -> str:
    """The indexed stand-in for a scorer name (see Score.scorer_digest).

    Cached: a project's creates name a handful of scorers over and over.
    """
    return hashlib.sha256(scorer.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def could_be_stored(text: str) -> bool:
    """Whether a stored id or name could equal text: validation refuses NUL, and
    PostgreSQL cannot even compare against a string that holds one."""
    return "\x00" not in text
