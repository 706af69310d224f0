"""The error a service raises for input it refuses; its message is for people."""


class ServiceError(Exception):
    """Refused input. ``message`` is a translated sentence for the user;
    ``field`` names the form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ServiceError):
    """An edit based on an old version of a record."""

    def __init__(self, message: str, current: object = None):
        super().__init__(message)
        self.current = current
