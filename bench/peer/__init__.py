"""The peer: the FastAPI server a careful user would otherwise write for the same routes
(the four scores routes, and the creates of evaluation runs and predictions).

Idiomatic FastAPI + pydantic v2 + SQLAlchemy 2 (sync sessions, one per
request), served by uvicorn. It is the yardstick the benchmark compares our
service against, so it must be honest: no artificial slowness, the same
SQLite pragmas and busy timeout as ours, key auth by hash lookup like ours.
"""
