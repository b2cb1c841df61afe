"""Base of the domain errors. Each carries a Spanish message a cashier can act on."""


class BusinessError(Exception):
    """A rule said no. ``message`` is user-facing Spanish; ``code`` is for programs."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
