"""A SpineNet spec exported by spinenet-nas (search_space.export, format 'python').

Import it and use ``SPEC``. ``search_space.load_spec_file(path)`` reads it too
(the file name becomes the spec's name).
"""

from search_space.serialization import spec_from_tuples
from search_space.spec import StemSpec

# (level, block_fn, (parent0, parent1), is_output); parents index net, whose first 2 entries
# are the stem blocks (levels STEM_LEVELS).
BLOCK_SPECS = [
    (3, 'bottleneck', (0, 1), False),
    (4, 'bottleneck', (0, 2), False),
    (4, 'bottleneck', (2, 3), False),
    (4, 'bottleneck', (3, 4), False),
    (3, 'bottleneck', (0, 4), False),
    (7, 'bottleneck', (4, 5), False),
    (4, 'residual', (6, 7), False),
    (4, 'bottleneck', (7, 8), False),
    (4, 'residual', (8, 9), False),
    (5, 'bottleneck', (1, 9), False),
    (6, 'residual', (1, 8), True),
    (4, 'bottleneck', (1, 6), True),
    (3, 'bottleneck', (2, 6), True),
    (7, 'residual', (11, 14), True),
    (5, 'bottleneck', (13, 15), True),
]
STEM_LEVELS = (2, 2)
MIN_LEVEL = 3
MAX_LEVEL = 7

SPEC = spec_from_tuples(
    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS), name='spinenet-49-trial0', min_level=MIN_LEVEL, max_level=MAX_LEVEL
)
