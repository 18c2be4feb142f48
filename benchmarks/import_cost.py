"""Import cost of the command line: `import coder.cli` and `coder --help`, two trees compared.

    python benchmarks/import_cost.py BASELINE_TREE [CANDIDATE_TREE] [--runs N]

Each run is a fresh interpreter (``python -X importtime -c "import coder.cli"`` and
``python -m coder --help``), alternating baseline and candidate so load on the machine
falls on both; prints the medians and the ratio candidate / baseline (1.00 = as light).
The candidate defaults to this checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("textual", "spacy", "pandas", "pyarrow", "yaml", "rapidfuzz", "matplotlib")


def import_cost(tree: Path) -> tuple[int, int, list[str]]:
    """(cumulative microseconds of coder.cli, coder modules loaded, heavy packages loaded)."""
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import coder.cli"],
                         cwd=tree, env=env, capture_output=True, text=True, check=True).stderr
    lines = err.splitlines()
    total = int([line for line in lines if line.rstrip().endswith("| coder.cli")][-1].split("|")[1])
    names = [line.split("|")[-1].strip() for line in lines if "|" in line]
    modules = sum(1 for name in names if name == "coder" or name.startswith("coder."))
    heavy = sorted({name.split(".")[0] for name in names} & set(HEAVY))
    return total, modules, heavy


def help_seconds(tree: Path) -> float:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coder", "--help"], cwd=tree, env=env,
                   capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("candidate", type=Path, nargs="?",
                        default=Path(__file__).resolve().parents[1])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    trees = {"baseline": args.baseline.resolve(), "candidate": args.candidate.resolve()}
    imports = {name: [] for name in trees}
    helps = {name: [] for name in trees}
    facts = {}
    for _ in range(args.runs):
        for name, tree in trees.items():  # alternating: the same load falls on both
            micros, modules, heavy = import_cost(tree)
            imports[name].append(micros)
            facts[name] = (modules, heavy)
            helps[name].append(help_seconds(tree))
    for name, tree in trees.items():
        modules, heavy = facts[name]
        print(f"{name:9} {tree}: import coder.cli median {statistics.median(imports[name]) / 1000:.1f} ms"
              f" ({modules} coder modules; heavy: {', '.join(heavy) or 'none'}),"
              f" coder --help median {statistics.median(helps[name]):.3f} s")
    ratio_import = statistics.median(imports["candidate"]) / statistics.median(imports["baseline"])
    ratio_help = statistics.median(helps["candidate"]) / statistics.median(helps["baseline"])
    print(f"ratio candidate/baseline: import {ratio_import:.2f}, --help {ratio_help:.2f}"
          f" ({args.runs} alternating runs each, medians)")


if __name__ == "__main__":
    main()
