"""Extension objects, created unbound and initialised in create_app."""

from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth, MultiAuth
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter tables on SQLite (batch mode) and
# produce the same names on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# expire_on_commit=False: views keep using the objects a service committed
# (the current user, a new score) without another SELECT per attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


class _AnyCaseScheme:
    """Picks this auth for its scheme in any letter case, as RFC 9110 says schemes are.

    Flask-HTTPAuth's MultiAuth compares the scheme case-sensitively, so
    "bearer KEY" went to Basic and was refused.
    """

    scheme: str

    def is_compatible_auth(self, headers) -> bool:
        try:
            scheme, _credentials = headers.get("Authorization", "").split(None, 1)
        except ValueError:  # malformed, as Flask-HTTPAuth judges it
            return False
        return scheme.lower() == self.scheme.lower()


class BasicAuth(_AnyCaseScheme, HTTPBasicAuth):
    pass


class TokenAuth(_AnyCaseScheme, HTTPTokenAuth):
    pass


basic_auth = BasicAuth()
token_auth = TokenAuth(scheme="Bearer")
api_auth = MultiAuth(basic_auth, token_auth)
