"""Benchmark results name the device, and on a CPU backend the host processor."""

import speed_jax


def test_this_machine_is_described_on_a_cpu_backend():
    description = speed_jax.device_description()
    assert description.startswith("cpu: ") and "[" in description  # the host CPU, read from /proc/cpuinfo
