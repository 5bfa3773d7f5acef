"""The benchmark of issue 4: our service against a FastAPI peer and a bare-Flask ceiling."""
