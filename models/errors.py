"""The exception raised for every kind of bad input in bindspace's preprocessing."""


class InputError(ValueError):
    """An input that cannot be embedded: corrupt, empty, too large, or of the wrong shape.

    The message names the problem in words a client can act on. The HTTP service maps it to a
    4xx response; the CLI prints it and exits with status 2. `param` names the input in the request
    that carried it, once the service knows which one that was.
    """

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param
