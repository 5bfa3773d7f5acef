"""One prediction: its inputs and output, every score given to it, its row in other runs."""

from flask import abort, render_template

from app.admin import bp
from app.admin.access import require_entity
from app.services import prediction_page


@bp.get("/p/<entity>/<project>/predictions/<anyid:prediction_id>")
def prediction(entity: str, project: str, prediction_id: str):
    """A stored prediction, or one only named by scores; 404 when neither."""
    require_entity(entity, project)
    view = prediction_page.prediction_view(entity, project, prediction_id)
    if view is None:
        abort(404)
    return render_template("admin/predictions/show.html", entity=entity, project=project, view=view)
