"""Each target's verdict over several blocks of seeds: which passes hold whatever seeds a validation draws.

A validation judges each target on one block of seeds (1-8 for most in-vivo
targets). ``run.py validate --seed-offset N`` evaluates the same targets on the
block moved by N; this reads several such validations (folders holding
validation.json, the first one the reference) and prints, as markdown, each
target's verdict per block, how many blocks it passed, and every check that did not
pass in every block it was run in, with its count; it draws the verdicts in
docs/figures/seed_blocks.png. It reports; it checks nothing. The README's table reads
the folders kept in docs/validation/, made at 91af9ba, when most in-vivo targets ran 8 seeds
(about 6 minutes a block on 2 cores, T13 left out; the reference, seeds 1-8, is now in
docs/validation/eight_seeds)::

    python run.py validate --seed-offset 2000 --only T1 T2 T3 T4 T5 T6 T7 T8 T9 T10 T11 T12 T14 T15 T16 T17 \\
        T18 T19 T20 --compare docs/validation --out docs/validation/blocks/2000   # and so for 3000 and 4000
    python -m analysis.seed_blocks docs/validation/eight_seeds docs/validation/replication \\
        docs/validation/blocks/2000 docs/validation/blocks/3000 docs/validation/blocks/4000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from niche_abm.io import png_metadata
from niche_abm.validation.replication import load_validation

FIGURE = Path(__file__).resolve().parent.parent / "docs" / "figures" / "seed_blocks.png"
VERDICTS = {"FAIL": 0, "PASS": 1}
"""Verdict -> colour index (a target not run in a block, or one that crashed, is left grey)."""


def block_label(validation: dict) -> str:
    """A block's name: its seed offset (and scale) and the seeds of the most common in-vivo design, that of T3
    or else of its first target (e.g. 'offset 1000: 1001-1008')."""
    offset, scale = validation.get("seed_offset", 0), validation.get("seed_scale", 1)
    entries = {t["id"]: t for t in validation["targets"]}
    seeds = (entries.get("T3") or validation["targets"][0]).get("seeds", [])
    return f"offset {offset}" + (f" x{scale}" if scale != 1 else "") + (f": {seeds[0]}-{seeds[-1]}" if seeds else "")


def readouts(validations: list[dict]) -> dict[str, str]:
    """Each target's readout kind (emergent, direct or calibrated), as the validations declare it."""
    return {t["id"]: t.get("readout", "") for v in validations for t in v["targets"]}


def verdict_table(validations: list[dict]) -> tuple[list[str], np.ndarray, dict[str, dict[str, list[bool]]]]:
    """Target ids (in number order), their verdicts (targets x blocks: 1 PASS, 0 FAIL, NaN not run or crashed)
    and each target's check results per block it was run in."""
    by_block = [{t["id"]: t for t in v["targets"]} for v in validations]
    ids = sorted({target for block in by_block for target in block}, key=lambda target: int(target[1:]))
    verdicts = np.full((len(ids), len(validations)), np.nan)
    checks: dict[str, dict[str, list[bool]]] = {target: {} for target in ids}
    for column, block in enumerate(by_block):
        for row, target in enumerate(ids):
            entry = block.get(target)
            if entry is None or entry["status"] not in VERDICTS:
                continue
            verdicts[row, column] = VERDICTS[entry["status"]]
            for name, passed in ((entry.get("details") or {}).get("checks") or {}).items():
                checks[target].setdefault(name, []).append(bool(passed))
    return ids, verdicts, checks


def markdown(validations: list[dict]) -> str:
    """The table: one row per target, its verdict in each block, blocks passed, and the checks that did not hold
    in every block."""
    ids, verdicts, checks = verdict_table(validations)
    kinds = readouts(validations)
    labels = [block_label(v) for v in validations]
    lines = [
        "| target | readout | " + " | ".join(labels) + " | passed | checks that did not hold in every block |",
        "|---|---|" + "---|" * len(labels) + "---|---|",
    ]
    names = {1.0: "PASS", 0.0: "**FAIL**"}
    for row, target in enumerate(ids):
        ran = verdicts[row][~np.isnan(verdicts[row])]
        unstable = [
            f"{name}: {sum(results)} of {len(results)}" for name, results in checks[target].items() if not all(results)
        ]
        cells = [names.get(value, "-") for value in verdicts[row]]
        lines.append(
            f"| {target} | {kinds[target]} | " + " | ".join(cells) + f" | {int(ran.sum())} of {len(ran)} | "
            f"{'; '.join(unstable) or '-'} |"
        )
    return "\n".join(lines)


def draw(validations: list[dict], out: Path = FIGURE) -> Path:
    """The verdicts as a grid: targets down, seed blocks across; green PASS, red FAIL, grey not run."""
    ids, verdicts, _ = verdict_table(validations)
    kinds = readouts(validations)
    fig = Figure(figsize=(1.6 + 1.3 * len(validations), 0.32 * len(ids) + 1.4))
    ax = fig.add_subplot()
    colours = ListedColormap(["#d9534f", "#5cb85c"])
    ax.imshow(np.ma.masked_invalid(verdicts), cmap=colours, vmin=0, vmax=1, aspect="auto")
    ax.set_facecolor("#cccccc")
    ax.set_xticks(range(len(validations)), [block_label(v).replace(": ", "\n") for v in validations], fontsize=8)
    ax.set_yticks(range(len(ids)), [f"{target} ({kinds[target]})" for target in ids], fontsize=8)
    ax.set_xticks(np.arange(len(validations) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(ids) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    passed = np.nansum(verdicts, axis=1)
    ran = np.sum(~np.isnan(verdicts), axis=1)
    for row in range(len(ids)):
        ax.text(len(validations) - 0.35, row, f"{passed[row]:.0f}/{ran[row]}", va="center", fontsize=8)
    ax.set_title("Each target's verdict per block of seeds\n(green PASS, red FAIL, grey not run)", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, metadata=png_metadata())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="validation folders, the reference first")
    parser.add_argument("--figure", type=Path, default=FIGURE, help=f"where to draw the grid (default {FIGURE})")
    args = parser.parse_args(argv)
    validations = [load_validation(folder, "folders") for folder in args.folders]
    print(markdown(validations))
    print(f"drew {draw(validations, args.figure)}")


if __name__ == "__main__":
    main()
