"""The ceiling: a bare Flask app answering constants, served like ours.

Whatever our service does per request costs on top of what this measures:
gunicorn, WSGI, Flask routing and a response object.
Run: gunicorn --workers 2 --threads 8 'bench.ceiling:create_app()'
"""

from flask import Flask, Response

SCORE_ID = "019ab6c1-0000-7000-8000-000000000000"


def create_app() -> Flask:
    """A Flask app with the scores URLs and /health, each returning a constant."""
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return Response('{"status":"ok"}', mimetype="application/json")

    @app.route("/v2/<entity>/<project>/scores", methods=["GET", "POST"])
    @app.get("/v2/<entity>/<project>/scores/<score_id>")
    def scores(entity: str, project: str, score_id: str | None = None):
        return Response(f'{{"score_id":"{SCORE_ID}"}}', mimetype="application/json")

    return app
