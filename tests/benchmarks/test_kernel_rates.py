"""A tiny run of the kernel-rate benchmark: every shape, dtype and method gets a rate."""

import json

import pytest

import kernel_rates


@pytest.mark.slow
def test_tiny_shapes_get_rates_for_every_method(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kernel_rates, "SHAPES", {"tiny 8->16": (1, 8, 8, 16)})
    out = tmp_path / "rates.json"
    kernel_rates.main(["--output", str(out)])
    report = json.loads(out.read_text())
    assert set(report["conv_flops_per_second"]) == {"tiny 8->16 float32", "tiny 8->16 bfloat16"}
    for rates in report["conv_flops_per_second"].values():
        assert set(rates) == {"conv", "conv, step options", "im2col"} and min(rates.values()) > 0
    assert report["matmul_flops_per_second"]["bfloat16"] > 0 and report["batch_norm_apply_8x128x128x64_ms"] > 0
    assert "tiny 8->16 float32" in capsys.readouterr().out
