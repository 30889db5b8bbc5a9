"""Run every benchmark (or the ones named): ``python -m benchmarks [name ...]``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "common")))
    if names:
        scripts = [p for p in scripts if p.stem in names]
    if not scripts:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for script in scripts:
        print(f"== {script.stem}")
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
