"""The generated documentation matches the code it is generated from."""

from pathlib import Path

from niche_abm.params import parameter_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_parameters_md_is_generated_from_the_parameter_table():
    """docs/parameters.md is `python run.py params --markdown`; regenerate with `make docs`."""
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == parameter_markdown() + "\n"
