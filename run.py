"""niche_abm command line: `python run.py` runs the main job; `python run.py --help` lists the commands.

Installed, the same commands are `niche-abm ...`.
"""

import sys

from niche_abm.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="run.py"))
