"""The one exception type of the input data: a dataset that is not prepared."""


class DatasetNotFoundError(FileNotFoundError):
    """A dataset (or a held-out id list) is missing from the data dir.

    The message names the dataset, the data dir looked in, and the exact
    command or call that prepares it.
    """
