"""Import cycles among coder's modules: Tarjan's strongly connected components over the
grimp import graph (function-level imports included).

    python benchmarks/cycles.py

Prints each group of modules that reach each other through imports, or "0 cycles".
tests/test_layers.py fails on any cycle; this shows all of them at once.
"""

from __future__ import annotations

import sys

import grimp


def strongly_connected(graph) -> list[list[str]]:
    """The groups of two or more modules (or a module importing itself) that form cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(10_000)

    def edges(module: str) -> list[str]:
        return sorted(m for m in graph.find_modules_directly_imported_by(module)
                      if m in graph.modules and m.startswith("coder"))

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for other in edges(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in edges(module):
                groups.append(sorted(group))

    for module in sorted(m for m in graph.modules if m.startswith("coder")):
        if module not in index:
            visit(module)
    return groups


def main() -> int:
    graph = grimp.build_graph("coder", cache_dir=None)
    modules = [m for m in graph.modules if m.startswith("coder")]
    groups = strongly_connected(graph)
    print(f"{len(modules)} modules, {sum(len(graph.find_modules_directly_imported_by(m)) for m in modules)}"
          f" imports; {len(groups)} cycle{'s' * (len(groups) != 1)}")
    for group in groups:
        print("  " + " <-> ".join(group))
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
