"""The architecture language of spinenet-nas: specs, scalings, validation, cost.

Architecture is data: a ``SpineNetSpec`` (or ``ResNetFpnSpec``) is a frozen,
hashable, JSON round-trippable value. Searchers emit decisions that a search
space decodes into specs; models and cost accounting only ever see specs.
"""

from search_space.builtins import R50_FPN, SPINENET_49, get_builtin
from search_space.errors import SpecError
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
from search_space.spec import ArchitectureSpec, BlockSpec, ResNetFpnSpec, SpineNetSpec, StemSpec
from search_space.validation import validate

__all__ = [
    "ArchitectureSpec", "BlockSpec", "ResNetFpnSpec", "SpineNetSpec", "StemSpec", "SpecError",
    "Scaling", "SCALINGS", "get_scaling", "validate", "get_builtin", "SPINENET_49", "R50_FPN",
    "load_spec_file", "spec_from_dict", "spec_to_dict", "spec_from_json", "spec_to_json",
    "spec_from_tuples", "spec_to_tuples_text",
]
