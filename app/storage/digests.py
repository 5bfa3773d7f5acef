"""Short stand-ins for long keys, and what no stored key can equal."""

import hashlib
import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def scorer_digest(scorer: str) -> str:
    """The indexed stand-in for a scorer name (see Score.scorer_digest).

    Cached: a project's creates name a handful of scorers over and over.
    """
    return hashlib.sha256(scorer.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# NUL and unpaired surrogates: validation refuses both, PostgreSQL cannot
# even compare against a string holding NUL, and neither database driver can
# encode a surrogate.
_NEVER_STORED = re.compile("[\x00\ud800-\udfff]")


def could_be_stored(text: str) -> bool:
    """Whether a stored id or name could equal text; False for text no database can hold."""
    return _NEVER_STORED.search(text) is None
