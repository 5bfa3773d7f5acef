"""A URL converter for the free-text ids of runs and predictions.

A run id a score names is any text up to 256 characters: slashes, dots,
spaces, '?', '#', '%' and all. Most go in a path as they are (percent-encoded
where needed, slashes kept, so a URL stays readable). Those a browser or the
router would change on the way (an empty, '.' or '..' segment: a leading,
trailing or doubled slash; a '.' or '..' part) travel as '~' and the base64url
of their UTF-8 instead, as does any id that itself starts with '~', so every
id reads back exactly as it was.
"""

import base64
import binascii
from urllib.parse import quote

from werkzeug.routing import BaseConverter

ESCAPE = "~"


def _plain(value: str) -> bool:
    """Whether the id survives a path unchanged as it is."""
    if not value or value.startswith(ESCAPE):
        return False
    return all(part not in ("", ".", "..") for part in value.split("/"))


def encode_id(value: str) -> str:
    """The id as a path: itself, or '~' and the base64url of its UTF-8."""
    if _plain(value):
        return quote(value, safe="/")
    encoded = base64.urlsafe_b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")
    return ESCAPE + encoded.rstrip("=")


def decode_id(path: str) -> str:
    """The id a path names; a '~' that is not followed by valid base64url stays as it is."""
    if not path.startswith(ESCAPE):
        return path
    body = path[len(ESCAPE) :]
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return path


class AnyIdConverter(BaseConverter):
    """Matches the rest of the path (slashes too) and reads it as decode_id does."""

    regex = "[^/].*?"
    part_isolating = False
    weight = 200

    def to_python(self, value: str) -> str:
        return decode_id(value)

    def to_url(self, value: str) -> str:
        return encode_id(value)
