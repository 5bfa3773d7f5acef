"""Where a form may send the browser next: a path on this site, never another one."""

import re

# Browsers drop tabs and newlines from a URL and read a backslash as a slash,
# so "/\t/evil.example" passed a check for "//" and then went to
# evil.example; CR and LF cannot go in a Location header at all.
_NOT_IN_LOCAL_PATH = re.compile(r"[\x00-\x20\x7f\\]")


def local_path(target: str | None, default: str) -> str:
    """target when it is a path on this site ("/..."), else default."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and _NOT_IN_LOCAL_PATH.search(target) is None
    ):
        return target
    return default
