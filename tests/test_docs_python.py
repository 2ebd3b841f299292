"""docs/python.md runs: every ```python block, in order, in one namespace, in an empty folder (matplotlib Agg)."""

from __future__ import annotations

import math
import re

import matplotlib
import pytest
from conftest import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "python.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
FIGURES = ("bv_tv.png", "two_arms.png", "burden.png")


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> tuple[dict, object]:
    """The page's blocks run as a notebook would: (namespace after the last block, the folder they ran in)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = tmp_path_factory.mktemp("notebook")
    namespace = {"__name__": "__main__"}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for number, code in enumerate(BLOCK.findall(PAGE.read_text(encoding="utf-8")), 1):
            exec(compile(code, f"{PAGE.name}, block {number}", "exec"), namespace)
    plt.close("all")
    return namespace, folder


def test_every_block_runs_and_draws_its_figure(session):
    _, folder = session
    for name in FIGURES:
        assert (folder / name).stat().st_size > 10_000, name


def test_the_two_arm_comparison_gives_paired_intervals_around_their_estimates(session):
    namespace, _ = session
    assert list(namespace["effects"]) == list(namespace["OUTCOMES"]) and len(namespace["effects"]) == 2
    for estimate, low, high in namespace["effects"].values():
        assert math.isfinite(low) and low <= estimate <= high


def test_the_sweep_finishes_every_run_and_writes_its_summary(session):
    namespace, folder = session
    report = namespace["report"]
    assert report.done == report.runs == 3 * 2 * 3 and report.failed == 0
    assert all((folder / path).stat().st_size > 0 for path in namespace["written"])
    assert "contrasts.csv" in {path.name for path in namespace["written"]}
    assert set(namespace["contrasts"]["arm"]) == {"denosumab"}
