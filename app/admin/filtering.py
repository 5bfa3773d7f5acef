"""The project page's query string: filters, order, page size and cursor."""

from dataclasses import dataclass
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from app.admin.forms import FilterForm
from app.services.browse import PAGE_SIZES, Filters
from app.services.scores import SOURCES

FILTER_NAMES = (
    "scorer",
    "prediction_id",
    "evaluation_run_id",
    "author",
    "source",
    "since",
    "until",
)
VIEW_NAMES = (*FILTER_NAMES, "sort", "size")


@dataclass
class View:
    """Everything the query string asks of the project page."""

    form: FilterForm
    filters: Filters
    newest_first: bool
    size: int
    after: str | None
    before: str | None
    args: dict[str, str]  # the filters, order and size, for links that keep them


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _cursor(args: MultiDict, name: str) -> str | None:
    # A cursor is a score id the page itself wrote; anything else (NUL, say,
    # which PostgreSQL cannot compare) is no cursor.
    value = args.get(name, "")
    return value if 0 < len(value) <= 36 and value.isascii() and value.isprintable() else None


def read_view(args: MultiDict) -> View:
    """Parse the query string; a bad time goes to its field's errors and is ignored."""
    form = FilterForm(formdata=args)
    values: dict = {}
    for name in FILTER_NAMES:
        text = args.get(name, "")
        if not text:
            continue
        if name in ("since", "until"):
            try:
                values[name] = _moment(text)
            except ValueError:
                getattr(form, name).errors = ["Use a date like 2026-01-31T14:00"]
                continue
        elif name == "source" and text not in SOURCES:
            continue
        else:
            values[name] = text
    size = args.get("size", "")
    page_size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else 50
    newest_first = args.get("sort") != "old"
    kept = {name: args[name] for name in VIEW_NAMES if args.get(name)}
    return View(
        form,
        Filters(**values),
        newest_first,
        page_size,
        _cursor(args, "after"),
        _cursor(args, "before"),
        kept,
    )
