#!/usr/bin/env python3
"""Print the kernel modules NAMES need, dependencies first, as paths relative to MODULE_DIR.

Usage: module_closure.py MODULE_DIR NAME...

Reads each module's "depends=" entry from its .modinfo section, so it needs neither depmod's
modules.dep (a package unpacked with dpkg -x has none) nor the host's kmod tools.
"""

import os
import re
import sys


def index_modules(module_dir):
    paths = {}
    for root, _, files in os.walk(module_dir):
        for name in files:
            if name.endswith(".ko"):
                paths[name[:-3].replace("-", "_")] = os.path.relpath(os.path.join(root, name),
                                                                      module_dir)
    return paths


def depends(module_dir, relpath):
    with open(os.path.join(module_dir, relpath), "rb") as f:
        match = re.search(rb"\0depends=([^\0]*)\0", f.read())
    if not match or not match.group(1):
        return []
    return [d.decode().replace("-", "_") for d in match.group(1).split(b",")]


def closure(module_dir, names):
    paths = index_modules(module_dir)
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        if name not in paths:
            sys.exit(f"module_closure: no module {name} in {module_dir}")
        seen.add(name)
        for dep in depends(module_dir, paths[name]):
            visit(dep)
        ordered.append(paths[name])

    for name in names:
        visit(name.replace("-", "_"))
    return ordered


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    print("\n".join(closure(sys.argv[1], sys.argv[2:])))
