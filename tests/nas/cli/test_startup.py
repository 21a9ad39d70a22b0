"""Commands that read no data start without TensorFlow (seconds, no banner)."""

import subprocess
import sys
import textwrap

import pytest

# Runs in a fresh interpreter: this test process has usually imported TensorFlow already.
NO_TENSORFLOW_CHECK = textwrap.dedent("""
    import sys
    from nas.cli import main
    assert main(["describe", "spinenet-49"]) == 0
    from proxy_task.data import DataConfig                 # configs need no TensorFlow either
    from proxy_task.config import get_preset
    from nas.campaign import config_loading as campaign_config
    campaign_config.resolve(["preset=smoke"])
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "tensorflow_datasets"))
    assert not loaded, loaded[:5]
    import proxy_task.data as data
    data.build_dataset                                     # a reader: now TensorFlow loads
    assert "tensorflow" in sys.modules
    print("NO-TENSORFLOW-OK")
""")


def test_describe_and_configs_leave_tensorflow_unimported():
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW_CHECK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "NO-TENSORFLOW-OK" in done.stdout


@pytest.mark.parametrize("args, status", [(["--help"], 0), (["serach"], 2), (["describe", "spinenet-49"], 0)])
def test_commands_that_read_no_data_print_no_tensorflow_banner(args, status):
    done = subprocess.run([sys.executable, "-m", "nas.cli", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == status, done.stderr[-3000:]
    for banner in ("oneDNN", "tensorflow", "TensorFlow binary is optimized"):
        assert banner not in done.stderr


def test_an_unknown_data_name_is_an_attribute_error():
    import proxy_task.data as data

    with pytest.raises(AttributeError, match="no attribute 'build_datasets'"):
        data.build_datasets
    assert {"build_dataset", "DataConfig", "read_split"} <= set(dir(data))
