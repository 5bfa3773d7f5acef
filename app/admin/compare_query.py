"""The Compare page's query string: runs, score filters, text search, sort, toggle and page.

?runs=A&runs=B             the runs, the first the baseline
&f=correctness.passed = false&f=relevance < 0.5
                           score filters (ops = != < <= > >=; values true, false,
                           null, numbers, or text, quoted or not)
&q=paris                   text in the inputs or the output
&sort=worst:exact_match    worst regression first (best:, low:, high: too)
&every=1                   only rows in every run
&page=2
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from app.services.compare import SORTS, CompareRequest, ScoreFilter, SortChoice

MAX_RUNS = 8
MAX_FILTERS = 10
PAGE_SIZE = 50
_FILTER = re.compile(r"^\s*(?P<leaf>[^\s=!<>]+)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>.*?)\s*$")


@dataclass
class ParsedView:
    """The request for the service, the texts as typed (to show back), and what was wrong."""

    request: CompareRequest
    filter_texts: list[str] = field(default_factory=list)
    filter_index: list[int] = field(default_factory=list)  # request filter i is text [i]
    sort_text: str = ""
    problems: dict[tuple[str, int], str] = field(default_factory=dict)

    def link(self, **changes) -> str:
        """This view's query string with some parameters replaced (None drops one)."""
        params: dict = {
            "runs": self.request.run_ids,
            "f": self.filter_texts,
            "q": self.request.text or None,
            "sort": self.sort_text or None,
            "every": "1" if self.request.every else None,
            "page": None,
        }
        params.update(changes)
        pairs = [
            (name, value)
            for name, values in params.items()
            if values is not None
            for value in (values if isinstance(values, list) else [values])
        ]
        return "?" + urlencode(pairs)


def _value(text: str):
    """true, false, null and numbers as JSON; quoted text without its quotes; else the text."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if value is None or isinstance(value, bool | int | float) else text


def parse_filter(text: str) -> ScoreFilter:
    """`leaf op value`; ValueError with a message for anything else."""
    match = _FILTER.match(text)
    if match is None or not match.group("value"):
        raise ValueError(
            f"'{text}' is not a filter: write a score, an operator (= != < <= > >=) and a value,"
            " like 'exact_match = false' or 'llm_judge.score < 0.5'"
        )
    return ScoreFilter(match.group("leaf"), match.group("op"), _value(match.group("value")))


def parse_view(args: MultiDict) -> ParsedView:
    """Read the query string; a malformed filter or sort goes to problems and is left out."""
    run_ids = list(dict.fromkeys(run for run in args.getlist("runs") if run.strip()))[:MAX_RUNS]
    view = ParsedView(CompareRequest(run_ids))
    texts = [text for text in args.getlist("f") if text.strip()][:MAX_FILTERS]
    for index, text in enumerate(texts):
        view.filter_texts.append(text)
        try:
            view.request.filters.append(parse_filter(text))
            view.filter_index.append(index)
        except ValueError as exc:
            view.problems[("f", index)] = str(exc)
    view.request.text = args.get("q", "").strip()
    sort = args.get("sort", "").strip()
    if sort:
        view.sort_text = sort
        kind, _colon, leaf = sort.partition(":")
        if kind in SORTS and leaf:
            view.request.sort = SortChoice(kind, leaf)
        else:
            view.problems[("sort", 0)] = (
                f"'{sort}' is not a sort: use worst:, best:, low: or high: and a score,"
                " like 'worst:exact_match'"
            )
    view.request.every = args.get("every") == "1"
    page = args.get("page", "")
    view.request.page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    view.request.size = PAGE_SIZE
    return view
