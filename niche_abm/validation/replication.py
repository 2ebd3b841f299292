"""Two validations of the same targets side by side: which verdicts hold on other seeds (or another machine).

A validation run with ``--seed-offset`` evaluates every target on seeds that no
target or rule was developed on; ``run.py validate --compare FOLDER`` then writes
``replication.md`` into its output folder: each target's verdict in the reference
validation (FOLDER's ``validation.json``) and in this one, the checks whose result
differs, and both measured values. A verdict that flips with the seeds was the
luck of its seeds, whichever way it fell.
"""

from __future__ import annotations

import json
from pathlib import Path

from niche_abm.params import ParameterError
from niche_abm.validation.runner import status_label, table_cell

FILE = "validation.json"


def load_validation(path: Path, option: str = "--compare") -> dict:
    """A validation's json (a folder holding validation.json, or the file itself); ParameterError naming the
    option if it is missing or is not a validation."""
    path = Path(path)
    file = path / FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(option, f"{file} does not exist; expected a validation folder holding {FILE}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParameterError(option, f"{file} is not readable JSON ({error})") from None
    targets = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(targets, list) or not all(isinstance(t, dict) and "id" in t and "status" in t for t in targets):
        raise ParameterError(option, f"{file} is not a validation: expected 'targets', each with 'id' and 'status'")
    return data


def _verdict(entry: dict | None) -> str:
    return "not run" if entry is None else status_label(entry)


def _commits(validation: dict) -> list[str]:
    """The commits a validation's targets ran at (each entry's own; the manifest's for entries without one)."""
    manifest = (validation.get("manifest") or {}).get("git_commit", "unknown")
    return sorted({entry.get("git_commit", manifest) for entry in validation["targets"]})


def _seeds(entry: dict | None) -> str:
    seeds = (entry or {}).get("seeds") or []
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def differing_checks(reference: dict | None, replicate: dict | None) -> list[str]:
    """The checks (details.checks) whose result differs between the two entries, as 'check: yes → no' (none
    when a target was run in only one)."""
    if reference is None or replicate is None:
        return []
    first = (reference.get("details") or {}).get("checks") or {}
    second = (replicate.get("details") or {}).get("checks") or {}
    words = {True: "yes", False: "no", None: "absent"}
    return [
        f"{name}: {words[first.get(name)]} → {words[second.get(name)]}"
        for name in dict.fromkeys([*first, *second])
        if first.get(name) != second.get(name)
    ]


def compare(reference: dict, replicate: dict) -> str:
    """The markdown comparison of two validations (each a loaded validation.json)."""
    first = {t["id"]: t for t in reference["targets"]}
    second = {t["id"]: t for t in replicate["targets"]}
    ids = sorted(set(first) | set(second), key=lambda target: int(str(target)[1:]))
    run_in_both = [t for t in ids if t in first and t in second]
    held = [t for t in run_in_both if first[t]["status"] == second[t]["status"]]
    lost = [t for t in ids if first.get(t, {}).get("status") == "PASS" and second.get(t, {}).get("status") == "FAIL"]
    gained = [t for t in ids if first.get(t, {}).get("status") == "FAIL" and second.get(t, {}).get("status") == "PASS"]
    both = [t for t in held if first[t]["status"] == "PASS"]
    commits = [_commits(v) for v in (reference, replicate)]
    offsets = [v.get("seed_offset", 0) for v in (reference, replicate)]
    lines = [
        "# Replication of the validation",
        "",
        f"Reference: seed offset {offsets[0]}, targets run at commit {', '.join(commits[0])}. Replicate: seed offset "
        f"{offsets[1]}, targets run at commit {', '.join(commits[1])}."
        + (" The two ran different commits." if commits[0] != commits[1] else ""),
        "",
        f"{len(held)} of the {len(run_in_both)} targets run in both kept their verdict. PASS in both: "
        f"{', '.join(both) or 'none'}. PASS → FAIL: {', '.join(lost) or 'none'}. FAIL → PASS: "
        f"{', '.join(gained) or 'none'}.",
        "",
        "| target | readout | reference | seeds | replicate | seeds | checks that differ |",
        "|---|---|---|---|---|---|---|",
    ]
    for target in ids:
        a, b = first.get(target), second.get(target)
        readout = (a or b or {}).get("readout", "")
        lines.append(
            f"| {target} | {readout} | **{_verdict(a)}** | {_seeds(a)} | **{_verdict(b)}** | {_seeds(b)} | "
            f"{table_cell('; '.join(differing_checks(a, b)) or '-')} |"
        )
    for target in ids:
        a, b = first.get(target), second.get(target)
        lines += ["", f"## {target}: {_verdict(a)} → {_verdict(b)}", ""]
        lines += [f"**Reference** (seeds {_seeds(a)}). {table_cell((a or {}).get('measured', ''))}", ""]
        lines += [f"**Replicate** (seeds {_seeds(b)}). {table_cell((b or {}).get('measured', ''))}"]
    return "\n".join(lines) + "\n"
