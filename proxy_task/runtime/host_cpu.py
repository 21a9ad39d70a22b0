"""The host processor, as records and benchmarks name it.

Rewards and timings differ from one CPU to another (different instruction sets
change the numerics of a training, not only its speed), so launches and
benchmark results record the processor they ran on.
"""

from __future__ import annotations

from pathlib import Path

# The instruction sets that decide which kernels the frameworks can use: TF's
# oneDNN runs bfloat16 convolutions on AVX512-BF16 and AMX, XLA's CPU backend
# converts them to float32 (``benchmarks/kernel_rates.py``).
CPU_FEATURES = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def host_cpu(cpuinfo: str | None = None) -> str:
    """The host processor's model name and its relevant instruction sets, from ``/proc/cpuinfo``.

    Returns ``'unknown'`` where ``/proc/cpuinfo`` cannot be read (not Linux).
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return "unknown"
    fields: dict[str, str] = {}
    for key, _, value in (line.partition(":") for line in cpuinfo.splitlines()):
        fields.setdefault(key.strip(), value.strip())  # the first processor's; the others repeat it
    model = fields.get("model name", "unknown")
    flags = set(fields.get("flags", "").split())
    return f"{model} [{' '.join(f for f in CPU_FEATURES if f in flags) or 'no AVX2'}]"
