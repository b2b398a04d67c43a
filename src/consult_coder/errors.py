"""The one error type users see: a single line saying what is wrong and where."""


class UserError(Exception):
    """Bad input or an unusable location. The message is shown as-is, never with a traceback."""
