"""A proxy study's configuration: which architectures, which fidelities, how many reruns, the verdict's bar.

Every fidelity (the target and each candidate proxy) is the preset's proxy
config with ``key=value`` overrides of ``proxy_task.config.ProxyConfig``
(``train.epochs=1``, ``data.synthetic.num_train=200``...), checked when the
study config is built. Keys are set with ``--set key=value`` (or a JSON/TOML
file) through ``nas.overrides``, like a campaign's.
"""

from __future__ import annotations

import dataclasses

from nas.campaign.config import ResourcesConfig, TrialConfig
from nas.overrides import ConfigError, apply_overrides
from proxy_task.config import PRESETS, ProxyConfig, get_preset

TARGET = "target"


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """What a proxy study trains and how it judges the candidates.

    Attributes:
      preset: the proxy preset every fidelity starts from.
      space: the search space the architectures are sampled from.
      architectures: sampled architectures, thinned for spread from ``pool``
        uniform samples (``nas.study.plan``).
      pool: uniform samples the spread architectures are chosen among.
      named: architectures added by name (``spinenet-49``, ``r50-fpn``) or spec file.
      seed: the sampling seed; trial seeds are 0, 1, ... per architecture.
      common: overrides of every fidelity's proxy config, first (``data.data_dir=/data/tfds``).
      target: overrides of the preset's proxy config for the target fidelity.
      proxies: candidate proxies, ``{name: [overrides]}``.
      rerun_architectures: how many architectures (the first of the list) are
        trained again under ``reruns - 1`` more seeds at every fidelity, for the
        reward's coefficient of variation.
      reruns: seeds per rerun architecture, the first included.
      reads: fractions of the steps at which the target's trainings are also
        read (``train.read_at``); each read is one more candidate proxy, named
        ``target@<fraction>``, that costs no training of its own.
      min_tau: the verdict's bar for Kendall's tau against the target.
      max_cv: the verdict's bar for the coefficient of variation over seeds.
      reuse: directories of other studies (relative to where the command runs)
        whose trainings this study takes instead of training them again, where
        one is the same training (``nas.study.reuse``).
    """

    preset: str = "smoke"
    space: str = "spinenet-49"
    architectures: int = 4
    pool: int = 32
    named: tuple[str, ...] = ("spinenet-49", "r50-fpn")
    seed: int = 0
    common: tuple[str, ...] = ()
    target: tuple[str, ...] = ("train.epochs=2",)
    proxies: dict = dataclasses.field(default_factory=lambda: {"epochs-1": ["train.epochs=1"]})
    rerun_architectures: int = 2
    reruns: int = 3
    reads: tuple[float, ...] = ()
    min_tau: float = 0.65
    max_cv: float = 0.4
    reuse: tuple[str, ...] = ()
    resources: ResourcesConfig = dataclasses.field(default_factory=ResourcesConfig)
    trial: TrialConfig = dataclasses.field(default_factory=TrialConfig)

    def __post_init__(self):
        from search_space.errors import SpecError
        from search_space.spaces import get_space

        if self.preset not in PRESETS:
            raise ConfigError(f"preset={self.preset!r}: unknown preset; choose one of {sorted(PRESETS)}")
        try:
            get_space(self.space)
        except SpecError as err:
            raise ConfigError(f"space: {err}") from None
        if self.architectures < 0 or self.pool < self.architectures:
            raise ConfigError(f"architectures={self.architectures} and pool={self.pool}: use 0 <= architectures "
                              f"<= pool")
        if self.architectures + len(self.named) < 2:
            raise ConfigError("a study ranks at least 2 architectures: raise architectures or name some")
        if not 0 <= self.rerun_architectures <= self.architectures + len(self.named) or self.reruns < 1:
            raise ConfigError(f"rerun_architectures={self.rerun_architectures} must be at most the study's "
                              f"{self.architectures + len(self.named)} architectures, and reruns={self.reruns} >= 1")
        object.__setattr__(self, "reads", tuple(sorted(set(self.reads))))
        if not all(0 < f < 1 for f in self.reads):
            raise ConfigError(f"reads={list(self.reads)}: fractions of the steps must be in (0, 1), e.g. [0.25, 0.5]")
        if not (self.proxies or self.reads) or TARGET in self.proxies or any("@" in p for p in self.proxies):
            raise ConfigError(f"proxies: name at least one candidate (or read the trainings part-way with "
                              f"reads), none of them {TARGET!r} or with an '@', "
                              f"e.g. proxies={{\"epochs-1\": [\"train.epochs=1\"]}}")
        if isinstance(self.reuse, str) or not all(isinstance(path, str) for path in self.reuse):
            raise ConfigError(f"reuse={self.reuse!r}: give a list of study directories, e.g. "
                              f"reuse=[\"results/studies/proxy-study-cpu\"]")
        object.__setattr__(self, "reuse", tuple(self.reuse))
        if not -1 <= self.min_tau <= 1 or self.max_cv <= 0:
            raise ConfigError(f"min_tau={self.min_tau} must be in [-1, 1] and max_cv={self.max_cv} > 0")
        for name in self.fidelities:
            self.proxy_config(name)  # every fidelity's overrides checked now

    @property
    def fidelities(self) -> tuple[str, ...]:
        """The trained fidelities: the target first, then the candidate proxies in the order given."""
        return (TARGET, *self.proxies)

    @property
    def read_fidelities(self) -> dict[str, tuple[str, float]]:
        """Each part-way read of the target as a candidate: ``'target@0.5' -> ('target', 0.5)``."""
        return {f"{TARGET}@{fraction:g}": (TARGET, fraction) for fraction in self.reads}

    @property
    def reported(self) -> tuple[str, ...]:
        """The report's rows: the trained fidelities, then the reads."""
        return (*self.fidelities, *self.read_fidelities)

    def proxy_config(self, fidelity: str, seed: int = 0) -> ProxyConfig:
        """The proxy config of ``fidelity`` with ``seed`` as its training and data seed (as ``compare`` does).

        The seed is set first, so ``common`` and the fidelity's own overrides
        may pin one of them: a fidelity with ``data.seed=0`` reruns under new
        initialisations on the same data order, one with ``train.seed=0`` the
        other way round (how the noise study tells the two apart).
        """
        overrides = self.target if fidelity == TARGET else self.proxies[fidelity]
        for name, given in (("common", self.common), (fidelity, overrides)):
            if isinstance(given, str) or not all(isinstance(o, str) for o in given):
                raise ConfigError(f"{name}: overrides are a list of 'key=value' strings, got {given!r}")
        seeds = [f"train.seed={seed}", f"data.seed={seed}"]
        try:
            config = apply_overrides(get_preset(self.preset), [*seeds, *self.common, *overrides])
        except ConfigError as err:
            raise ConfigError(f"{fidelity} (overrides of preset {self.preset}'s proxy config): {err}") from None
        if self.reads and fidelity == TARGET:
            config = dataclasses.replace(config, train=dataclasses.replace(config.train, read_at=self.reads))
        return config
