"""The one exception type of the architecture language."""


class SpecError(ValueError):
    """An architecture spec, or its text, is invalid.

    The message names where the problem is (a block index, a JSON path or a
    tuple position), the offending value and how to fix it.
    """
