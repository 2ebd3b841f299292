"""A pyABC sampler that computes each generation's particles on a niche_abm engine, reproducibly.

pyABC's own parallel samplers re-seed every worker from the operating system's entropy, so the same calibration
gives other particles each time. Here every generation's ``n`` accepted particles are ``n`` jobs of
:mod:`niche_abm.jobs` on a local or Dask engine (:mod:`niche_abm.engines`), each sampling until it accepts one
particle (as pyABC's ``MappingSampler`` does) with numpy's and Python's random generators seeded from the
calibration's seed, the generation and the job's index. Jobs are gathered in index order, so one seed gives the
same posterior on one worker or many, locally or on Dask, and when a lost job is computed again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler
from tqdm import tqdm

from niche_abm.engines import Engine
from niche_abm.jobs import JobFailed, describe_lost, run_jobs


@dataclass(frozen=True)
class Draw:
    """One job: sample particles until one is accepted, with the random generators seeded by ``seed``.

    Attributes:
        index: the job's place in its generation.
        seed: the seed of numpy's and Python's global generators, which pyABC samples parameters with and
            :class:`niche_abm.calibration.simulator.Simulator` draws each run's model seed from.
        payload: pyABC's ``simulate_one`` and sample factory, pickled once per generation (cloudpickle).
    """

    index: int
    seed: int
    payload: bytes


def draw_accepted(draw: Draw) -> tuple[object, int]:
    """A worker's job: pyABC's sample holding one accepted particle (and none rejected, which pyABC does not
    record here), and how many simulations it took."""
    simulate_one, sample_factory = cloudpickle.loads(draw.payload)
    np.random.seed(draw.seed)  # noqa: NPY002 (pyABC samples parameters from numpy's global generator)
    random.seed(draw.seed)
    sample, simulations = sample_factory(), 0
    while True:
        particle = simulate_one()
        simulations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, simulations


def draw_seed(root: int, generation: int, index: int) -> int:
    """The seed of job `index` of a generation (pyABC numbers the prior sample that sets the first tolerance −1)."""
    return int(np.random.SeedSequence([root, generation + 1, index]).generate_state(1)[0])


class EngineSampler(Sampler):
    """Samples each generation as jobs on one engine, kept open between generations (its owner closes it; an
    interrupt or a failed job closes it at once).

    Args:
        engine: computes :func:`draw_accepted`.
        seed: the calibration's root seed.
        retries: how often a job whose run raised or whose worker died is tried again (same seed, same result).
        progress: show a progress bar per generation.
    """

    def __init__(self, engine: Engine, seed: int, retries: int, progress: bool = True):
        super().__init__()
        self.engine = engine
        self.seed = seed
        self.retries = retries
        self.progress = progress

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """Generation `t`'s n accepted particles, one job each, gathered in job order; KeyboardInterrupt when
        stopped (the generation is then not stored), JobFailed when a job failed after its retries."""
        payload = cloudpickle.dumps((simulate_one, self.sample_factory))
        draws = [Draw(i, draw_seed(self.seed, t, i), payload) for i in range(n)]
        finished: dict[int, tuple[object, int]] = {}

        def give_up(draw: Draw, outcome, attempts: int) -> None:
            reason = describe_lost(outcome) if isinstance(outcome, BaseException) else str(outcome)
            raise JobFailed(f"generation {t}, particle {draw.index} failed {attempts} times: {reason}")

        label = "prior sample" if t < 0 else f"generation {t}"
        with tqdm(total=n, desc=label, unit="particle", disable=not self.progress, leave=False) as bar:
            session = run_jobs(
                draws,
                self.engine,
                lambda draw, outcome, _: finished.update({draw.index: outcome}),
                give_up,
                self.retries,
                bar=bar,
                keep_open=True,
            )
        if session.interrupted:
            raise KeyboardInterrupt
        sample = self._create_empty_sample()
        simulations = 0
        for index in range(n):
            part, count = finished[index]
            sample += part
            simulations += count
        self.nr_evaluations_ = simulations
        return sample
