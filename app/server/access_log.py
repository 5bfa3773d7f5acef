"""gunicorn's logger, with credentials kept out of the access log.

gunicorn's default access log format prints the Basic username (%(u)s),
and a client that sends its API key as the username (curl -u "$KEY:")
had the key written in clear. A format may also name the Authorization or
Cookie headers. Whatever format is configured, those fields log as "-".
"""

from gunicorn.glogging import Logger

LOGGER_CLASS = "app.server.access_log.RedactingLogger"

# The atoms (gunicorn's names for what a format can print) that carry credentials.
SECRET_ATOMS = (
    "u",
    "{authorization}i",
    "{proxy-authorization}i",
    "{cookie}i",
    "{set-cookie}o",
    "{http_authorization}e",
    "{http_proxy_authorization}e",
    "{http_cookie}e",
)


class RedactingLogger(Logger):
    """Logs every request as gunicorn does, with credentials replaced by '-'."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in SECRET_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms
