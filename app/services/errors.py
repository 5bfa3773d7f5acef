"""Domain errors that views translate into responses."""


class DomainError(Exception):
    """A request that the rules refuse; `field` names the input it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request contradicts what is already stored."""


class NotAuthenticated(DomainError):
    """The credentials presented are not those of an active key."""


class Forbidden(DomainError):
    """The caller is known but may not use what it asked for."""


class InvalidQuery(DomainError):
    """A query names what does not exist; `loc` and `value` say where and what, as pydantic
    reports a field (locs without the 'body' prefix)."""

    def __init__(self, message: str, loc: tuple, value):
        super().__init__(message, str(loc[0]) if loc else None)
        self.loc = loc
        self.value = value


class CompareError(Exception):
    """A filter or sort that cannot run; `where` is ('f', index), ('q', 0) or ('sort', 0)."""

    def __init__(self, message: str, where: tuple[str, int]):
        super().__init__(message)
        self.message = message
        self.where = where
