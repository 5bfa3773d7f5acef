"""Reading the review pages in tests: a scorer card's text, a table's rows, links."""

import html
import re
from html.parser import HTMLParser


class _Text(HTMLParser):
    """The visible text of some markup, whitespace collapsed."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("title", "script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(markup: str) -> str:
    """The text a reader sees, with single spaces."""
    parser = _Text()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def scorer_card(page: str, key: str) -> str:
    """The visible text of the run page's card for one scorer."""
    for card in page.split('<section class="card scorer-card"')[1:]:
        card = card.split("</section>", 1)[0]
        if re.search(rf">{re.escape(key)}</h3>", card):
            return visible("<div " + card)
    raise AssertionError(f"no card for {key}")


def table_rows(page: str, table_class: str) -> list[str]:
    """The visible text of each body row of the table with this class."""
    start = page.index(f'class="table {table_class}')
    body = page[start:].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [visible("<tr" + row) for row in body.split("<tr")[1:]]


def hrefs(page: str, prefix: str) -> list[str]:
    """Every link on the page starting with prefix, in order, unescaped."""
    return [
        html.unescape(found) for found in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)
    ]


def link(page: str, rel: str) -> str | None:
    """The pager's link with this rel, unescaped."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def counts(markup: str) -> list[list[tuple[str, int, bool]]]:
    """Each list of counts in the config's order: (label, count, named by the config)."""
    return [
        [
            (html.unescape(label), int(count.replace(",", "")), not unexpected)
            for unexpected, label, count in re.findall(
                r'<li( class="unexpected")?><span class="label-text" title="[^"]*">(.*?)</span>\s*'
                r'<span class="num">([\d,]+)</span>',
                listed,
                re.S,
            )
        ]
        for listed in re.findall(r'<ol class="labels counts"[^>]*>(.*?)</ol>', markup, re.S)
    ]


def row_inputs(html: str) -> list[str]:
    """The Compare page's rows, by their inputs' q (r0, r1, ...), in order."""
    return re.findall(r"&#34;q&#34;: &#34;(r\d)&#34;", html)


def stat_row(html: str, scorer: str, field: str) -> str:
    """The cells of the Compare page's statistics line of a scorer's leaf (the scorer as the
    page names it: its short name, or its config's display name), after its direction note."""
    match = re.search(
        rf'<th scope="row" data-label="Scorer"(?: title="[^"]*")?>{re.escape(scorer)}'
        r'(?: <span class="muted direction">[^<]*</span>)?</th>\s*'
        rf'<td data-label="Field">{field}</td>(.*?)</tr>',
        html,
        re.S,
    )
    assert match, (scorer, field)
    return match.group(1)
