"""Every table cell names its column in data-label: narrow screens show it as a card line."""

from html.parser import HTMLParser

from app.services import keys
from tests.admin.conftest import add_score, text
from tests.builders import make_key, make_predictions, make_run

# Cells that need no label: the row's checkbox and its buttons.
UNLABELLED = {"check", "row-actions"}


class Tables(HTMLParser):
    """For each table: its column headers, and each body cell's (classes, data-label)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._where: str | None = None
        self._header = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"headers": [], "cells": []})
        elif tag in ("thead", "tbody"):
            self._where = tag
        elif tag == "th" and self._where == "thead":
            self.tables[-1]["headers"].append("")
            self._header = True
        elif tag == "td":
            classes = set((attrs.get("class") or "").split())
            self.tables[-1]["cells"].append((classes, attrs.get("data-label")))

    def handle_endtag(self, tag):
        if tag == "th":
            self._header = False

    def handle_data(self, data):
        if self._header:
            self.tables[-1]["headers"][-1] += data.strip()


def assert_every_cell_is_labelled(html: str, tables: int) -> None:
    parsed = Tables()
    parsed.feed(html)
    assert len(parsed.tables) == tables
    for table in parsed.tables:
        assert table["cells"]
        for classes, label in table["cells"]:
            if classes & UNLABELLED:
                continue
            assert label in table["headers"], (label, table["headers"])


def test_project_page_tables_are_labelled(app, signed_in):
    add_score(app, value={"correct": True, "score": 0.5})
    add_score(app, scorer="words", value="text only")
    add_score(app, evaluation_run_id="run-1", value=3)
    assert_every_cell_is_labelled(text(signed_in.get("/p/team/proj")), tables=2)


def test_home_table_is_labelled(app, signed_in):
    add_score(app, project="alpha")
    add_score(app, project="beta")
    assert_every_cell_is_labelled(text(signed_in.get("/")), tables=1)


def test_keys_table_is_labelled(app, signed_in, user):
    make_key(app, user)
    revoked = make_key(app, user)
    with app.app_context():
        keys.revoke_key(revoked[:12])
    assert_every_cell_is_labelled(text(signed_in.get("/keys")), tables=1)


def test_review_page_tables_are_labelled(app, signed_in):
    first, second = make_run(app), make_run(app)
    (mine,) = make_predictions(app, first, [({"q": 1}, "a")])
    (other,) = make_predictions(app, second, [({"q": 1}, "b")])
    for prediction_id, run_id in ((mine, first), (other, second)):
        add_score(app, prediction_id=prediction_id, evaluation_run_id=run_id, value=True)
        add_score(app, prediction_id=prediction_id, scorer="tone", value="calm")
    assert_every_cell_is_labelled(text(signed_in.get("/p/team/proj/runs")), tables=1)
    assert_every_cell_is_labelled(text(signed_in.get(f"/p/team/proj/runs/{first}")), tables=1)
    page = text(signed_in.get(f"/p/team/proj/predictions/{mine}"))
    assert_every_cell_is_labelled(page, tables=2)
