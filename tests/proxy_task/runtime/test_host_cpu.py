"""Launches and benchmark results name the host CPU: numerics and speed differ from one processor to another."""

from proxy_task.runtime.host_cpu import host_cpu

TWO_PROCESSORS = """processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse avx2 fma avx512f avx512bw avx512_bf16 amx_tile amx_bf16

processor\t: 1
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse avx2 fma avx512f avx512bw avx512_bf16 amx_tile amx_bf16
"""


def test_model_name_and_relevant_instruction_sets_of_the_first_processor():
    assert host_cpu(TWO_PROCESSORS) == "Intel(R) Xeon(R) Processor [avx2 avx512f avx512_bf16 amx_bf16]"


def test_a_cpu_without_avx2_or_without_a_model_name_says_so():
    assert host_cpu("processor : 0\nmodel name : Old CPU\nflags : fpu sse\n") == "Old CPU [no AVX2]"
    assert host_cpu("") == "unknown [no AVX2]"
