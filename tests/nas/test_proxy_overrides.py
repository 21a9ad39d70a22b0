"""``--set`` overrides of a proxy preset: a bad value is refused with the valid ones."""

import pytest

from nas.overrides import ConfigError, apply_overrides
from proxy_task.config import get_preset


def test_an_unknown_compute_dtype_is_refused():
    with pytest.raises(ConfigError, match="compute_dtype 'float8'.*float32"):
        apply_overrides(get_preset("smoke"), ["model.compute_dtype=float8"])
