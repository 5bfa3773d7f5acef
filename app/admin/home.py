"""The home page: the entities and projects the user may see."""

from flask import render_template
from flask_login import current_user

from app.admin import bp
from app.services import overview


@bp.get("/")
def home():
    """Projects grouped by entity, with bounded counts and the last score time."""
    cards = overview.visible_projects(current_user)
    entities: dict[str, list] = {}
    if not current_user.is_admin:
        entities = {entity: [] for entity in current_user.entities}
    for card in cards:
        entities.setdefault(card.entity, []).append(card)
    return render_template("admin/home/index.html", entities=entities, count_cap=overview.COUNT_CAP)
