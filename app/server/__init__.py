"""Serving: gunicorn's settings, the balanced worker, and what the server tells the app."""
