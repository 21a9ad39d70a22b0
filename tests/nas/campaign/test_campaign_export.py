"""``export_top``: a campaign's best architectures in every format each can take."""

import numpy as np

from nas.campaign.export import export_top
from search_space.canonical import spec_hash
from search_space.encoding import decode
from search_space.sampling import sample_uniform
from search_space.serialization import load_spec_file, spec_to_dict
from search_space.spaces import R35_SP18


def test_export_top_writes_what_it_can_and_notes_each_refusal_once(tmp_path):
    rng = np.random.default_rng(2)
    specs = [decode(R35_SP18, sample_uniform(R35_SP18, rng)) for _ in range(3)]
    records = [{"trial": i, "status": "ok", "reward": 0.1 * (i + 1), "spec": spec_to_dict(spec),
                "spec_hash": spec_hash(spec)} for i, spec in enumerate(specs)]
    written, notes = export_top(records, tmp_path, "r35-sp18", k=3)
    assert sorted(p.name for p in written) == sorted(
        ["best.json"] + [f"rank{r}_trial{t:05d}{s}" for r, t in ((1, 2), (2, 1), (3, 0)) for s in (".json", ".py")])
    assert len(notes) == 1 and notes[0].startswith("trials 2, 1, 0: no tf export: stem [2, 2, 3")
    assert "r35-sp18-trial" not in notes[0]
    assert load_spec_file(tmp_path / "best.json").blocks == specs[2].blocks
