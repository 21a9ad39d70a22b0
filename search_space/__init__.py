"""The architecture language of spinenet-nas: specs, scalings, validation, cost.

Architecture is data: a ``SpineNetSpec`` (or ``ResNetFpnSpec``) is a frozen,
hashable, JSON round-trippable value. Searchers emit decisions that a search
space decodes into specs; models and cost accounting only ever see specs.
"""

from search_space.builtins import R50_FPN, SPINENET_49, SPINENET_49_MOBILE, get_builtin
from search_space.canonical import spec_hash
from search_space.encoding import decode, encode
from search_space.errors import SpecError
from search_space.export import export_spec
from search_space.scaling import SCALINGS, Scaling, get_scaling
from search_space.serialization import (
    load_spec_file,
    spec_from_dict,
    spec_from_json,
    spec_from_tuples,
    spec_to_dict,
    spec_to_json,
    spec_to_tuples_text,
)
from search_space.space import SearchSpace
from search_space.spaces import BUILTIN_SPACES, R0_SP53, R14_SP39, R23_SP30, R35_SP18, SPINENET_49_SPACE, get_space
from search_space.spec import ArchitectureSpec, BlockSpec, ResNetFpnSpec, SpineNetSpec, StemSpec
from search_space.validation import validate

__all__ = [
    "ArchitectureSpec", "BlockSpec", "ResNetFpnSpec", "SpineNetSpec", "StemSpec", "SpecError",
    "Scaling", "SCALINGS", "get_scaling", "validate", "get_builtin", "SPINENET_49", "SPINENET_49_MOBILE", "R50_FPN",
    "load_spec_file", "spec_from_dict", "spec_to_dict", "spec_from_json", "spec_to_json",
    "spec_from_tuples", "spec_to_tuples_text", "export_spec",
    "SearchSpace", "get_space", "BUILTIN_SPACES", "R35_SP18", "R23_SP30", "R14_SP39", "R0_SP53",
    "SPINENET_49_SPACE", "encode", "decode", "spec_hash",
]
