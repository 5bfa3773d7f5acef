"""Security headers on every UI response (the JSON API keeps its own headers)."""

from flask import Flask, Response

from app.api.errors import is_api_request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    """Add the headers to pages, error pages, redirects and static files alike."""
    if not is_api_request():
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def register_security_headers(app: Flask) -> None:
    """Send the headers with every response that is not the API's."""
    app.after_request(_security_headers)
