"""The campaign driver never loads TensorFlow (a signal inside it once crashed the driver)."""

import subprocess
import sys


def test_a_campaign_driver_with_tensorboard_loads_no_tensorflow(tmp_path):
    """A whole surrogate campaign (TensorBoard on, the default) in one driver process, and a proxy config's trial setup."""
    script = f"""
import sys
from nas.campaign import config_loading as campaign_config
from nas.campaign.trainable import TrialSettings
from nas.cli import main
status = main(["search", "--dir", {str(tmp_path / 'campaign')!r}, "--set", "trial.kind=surrogate",
               "--set", "search.space=r0-sp53", "--set", "search.num_trials=2", "--set", "trial.dispatch=tasks"])
TrialSettings.from_config(campaign_config.resolve(["trial.kind=proxy"]), "unused").task(0, {{}})
print(status, sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "tensorflow_datasets")))
"""
    driver = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert driver.stdout.splitlines()[-1] == "0 []", driver.stdout + driver.stderr
    assert list((tmp_path / "campaign" / "tensorboard").glob("events.out.tfevents.*"))
