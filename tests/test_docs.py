"""The generated documentation matches the code it is generated from."""

import re
from pathlib import Path

from niche_abm.params import parameter_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_parameters_md_is_generated_from_the_parameter_table():
    """docs/parameters.md is `python run.py params --markdown`; regenerate with `make docs`."""
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == parameter_markdown() + "\n"


def test_every_relative_link_in_the_readme_and_docs_points_at_a_file_that_exists():
    """Links between the README and docs/ (and to figures) resolve from the file that holds them."""
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "#", "mailto:")):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken
