"""Jinja filters for the pages: times, scorer names, value previews, highlighted JSON."""

import json
import re
from datetime import UTC, datetime

from markupsafe import Markup, escape

from app.admin import bp

_WEAVE_PREFIX = "weave:///"
_TOKENS = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<literal>true|false|null)"
)


@bp.app_template_filter("reltime")
def reltime(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 min ago' style text for a past moment."""
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now" if seconds < 5 else f"{seconds} s ago"


@bp.app_template_filter("exacttime")
def exacttime(moment: datetime | None) -> str:
    """The moment in UTC to the millisecond."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


@bp.app_template_filter("isotime")
def isotime(moment: datetime) -> str:
    """The moment in UTC as ISO 8601, for a <time datetime=...> attribute."""
    return moment.astimezone(UTC).isoformat()


@bp.app_template_filter("short_scorer")
def short_scorer(scorer: str) -> str:
    """The name of a weave:/// ref (its last path part, version cut short); others as they are."""
    if not scorer.startswith(_WEAVE_PREFIX):
        return scorer
    last = scorer.rstrip("/").rsplit("/", 1)[-1]
    name, _, version = last.partition(":")
    if len(version) > 10:
        version = version[:8] + "…"
    return f"{name}:{version}" if version else name


def value_kind(text: str) -> str:
    """The JSON type of stored value text, from its first character."""
    first = text[:1]
    if first in "{[":
        return "object" if first == "{" else "array"
    if first == '"':
        return "string"
    if text in ("true", "false"):
        return "boolean"
    return "null" if text == "null" else "number"


@bp.app_template_filter("value_kind")
def _value_kind_filter(text: str) -> str:
    return value_kind(text)


@bp.app_template_filter("preview")
def preview(text: str, full_length: int, limit: int = 80) -> str:
    """One line of a value: cut to `limit` characters, with … when longer."""
    line = text.replace("\n", " ")
    if len(line) > limit or full_length > len(text):
        return line[:limit] + "…"
    return line


@bp.app_template_filter("pretty_json")
def pretty_json(text: str) -> Markup:
    """Indented JSON with each token wrapped in a span for highlighting."""
    pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    parts: list[str] = []
    position = 0
    for match in _TOKENS.finditer(pretty):
        parts.append(str(escape(pretty[position : match.start()])))
        parts.append(f'<span class="j-{match.lastgroup}">{escape(match.group())}</span>')
        position = match.end()
    parts.append(str(escape(pretty[position:])))
    # Safe: every piece of the text went through escape(); only our spans are markup.
    return Markup("".join(parts))


@bp.app_template_filter("thousands")
def thousands(number: int) -> str:
    """1234567 as '1,234,567'."""
    return f"{number:,}"


@bp.app_template_filter("stat")
def stat(number: float) -> str:
    """A statistic to four significant digits."""
    return f"{number:.4g}"


@bp.app_template_filter("percent")
def percent(share: float) -> str:
    """0.8333 as '83.3%'."""
    return f"{share * 100:.1f}%"


_UUID_DASHES = (8, 13, 18, 23)


@bp.app_template_filter("short_id")
def short_id(value: str) -> str:
    """A UUID by its last twelve digits (the random part of a UUIDv7); other ids as they are."""
    if len(value) == 36 and all(value[index] == "-" for index in _UUID_DASHES):
        return "…" + value[-12:]
    return value
