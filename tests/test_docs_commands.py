"""The commands the README and docs/ show exist as written: every `python run.py COMMAND` names a command and only
options it has, every `python -m analysis.NAME` and `python analysis/NAME.py` names a script that is there and
only options its --help lists."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from niche_abm.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"(?:python run\.py|niche-abm)((?:[ \t]+[^\s`|#;&]+)*)")
SCRIPT = re.compile(r"python (?:-m analysis\.(\w+)|analysis/(\w+)\.py)((?:[ \t]+[^\s`|#;&)]+)*)")


def _code(text: str) -> list[str]:
    """Every line of a fenced block and every inline code span."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    prose = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.S)
    return lines + re.findall(r"`([^`\n]+)`", prose)


def _mentions() -> list[tuple[str, str]]:
    """(page, code) for every code line or span that runs run.py or an analysis script."""
    return [
        (page.name, code)
        for page in PAGES
        for code in _code(page.read_text(encoding="utf-8"))
        if COMMAND.search(code) or SCRIPT.search(code)
    ]


def _options() -> dict[str | None, set[str]]:
    """Each command's option strings (None: the top level, which runs the main job)."""
    parser = build_parser()
    top = {option for action in parser._actions for option in action.option_strings}
    commands = next(action for action in parser._actions if action.dest == "command").choices
    found = {name: {o for a in sub._actions for o in a.option_strings} for name, sub in commands.items()}
    return {None: top, **found}


MENTIONS = _mentions()


@pytest.mark.parametrize(("page", "code"), MENTIONS, ids=[f"{p}: {c[:60]}" for p, c in MENTIONS])
def test_a_command_shown_in_the_docs_exists_with_the_options_shown(page, code):
    options = _options()
    for match in COMMAND.finditer(code):
        words = match.group(1).split()
        if words and words[0].isupper():
            continue  # a placeholder: python run.py COMMAND ...
        name = words[0] if words and not words[0].startswith("-") and words[0] in options else None
        if words and name is None and not words[0].startswith("-") and words[0].isidentifier():
            pytest.fail(f"{page}: {code!r} names no command {words[0]!r}")
        shown = {w.strip("[]().,").split("=")[0] for w in words if w.strip("[(").startswith("--")}
        unknown = sorted(shown - options[name] - {"--"})
        assert not unknown, f"{page}: {code!r}: {name or 'run.py'} has no option {', '.join(unknown)}"
    for module, path, rest in SCRIPT.findall(code):
        script = ROOT / "analysis" / f"{module or path}.py"
        assert script.is_file(), f"{page}: {code!r} names {script.relative_to(ROOT)}, which is not there"
        shown = {w.strip("[]().,").split("=")[0] for w in rest.split() if w.strip("[(").startswith("--")}
        if not shown:
            continue
        unknown = sorted(shown - _script_options(script.stem, as_module=bool(module)) - {"--"})
        assert not unknown, f"{page}: {code!r}: analysis/{script.name} has no option {', '.join(unknown)}"


@functools.cache
def _script_options(name: str, as_module: bool) -> set[str]:
    """The options an analysis script's --help lists, run as the docs show it (a module, or a file)."""
    how = ["-m", f"analysis.{name}"] if as_module else [str(ROOT / "analysis" / f"{name}.py")]
    shown = subprocess.run([sys.executable, *how, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, f"analysis/{name}.py --help failed: {shown.stderr[-300:]}"
    return set(re.findall(r"--[a-z][a-z0-9-]*", shown.stdout))
