#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kcsan-verdict.py TREE BASE LOG - sort a boot log's KCSAN reports.

A report ("BUG: KCSAN: data-race in A / B") is the series' if A or B is a
function the series adds or changes: one defined in a file it adds, or one
that a hunk of its diff falls in (git diff BASE..HEAD in TREE).  Anything else
is pre-existing in the base and is listed with its location, not hidden.
Prints one line per distinct report, and writes LOG.clean: the log without
the KCSAN report blocks, for the usual check for kernel reports.  Exit status
1 if a report is the series'.
"""
import re
import subprocess
import sys

HEADER = re.compile(r'BUG: KCSAN: (\S+) in (\S+)(?: / (\S+))?')
HUNK_FUNC = re.compile(r'^@@ [^@]+ @@.*?\b(\w+)\s*\(')
DEFINITION = re.compile(r'^[a-zA-Z_][^;=]*?\b(\w+)\s*\([^;]*$')


def series_functions(tree, base):
    """Names of the functions the series adds or changes."""
    def git(*args):
        return subprocess.run(['git', '-C', tree, *args], check=True,
                              capture_output=True, text=True).stdout
    names = set()
    for path in git('diff', '--name-only', '--diff-filter=A', base, 'HEAD',
                    '--', '*.c', '*.h').split():
        for line in git('show', f'HEAD:{path}').splitlines():
            m = DEFINITION.match(line)
            if m:
                names.add(m.group(1))
    for line in git('diff', '-U0', '--diff-filter=M', base, 'HEAD', '--',
                    '*.c', '*.h').splitlines():
        m = HUNK_FUNC.match(line)
        if m:
            names.add(m.group(1))
    return names


def func(frame):
    """foo+0x12/0x40 [mod] -> foo"""
    return frame.split('+')[0].split('.')[0]


def main():
    tree, base, log = sys.argv[1:4]
    ours = series_functions(tree, base)
    with open(log, errors='replace') as f:
        lines = f.read().splitlines()
    clean, reports, inside = [], {}, False
    for line in lines:
        m = HEADER.search(line)
        if m:
            inside = True
            key = (m.group(1), m.group(2), m.group(3) or '')
            reports[key] = reports.get(key, 0) + 1
            continue
        if inside and '=====' in line:
            inside = False
            continue
        if not inside and not line.rstrip().endswith('=' * 20):
            clean.append(line)
    with open(log + '.clean', 'w') as f:
        f.write('\n'.join(clean) + '\n')
    bad = 0
    for (kind, a, b), n in sorted(reports.items()):
        mine = {func(a), func(b)} & ours if b else {func(a)} & ours
        where = f'{a} / {b}' if b else a
        print(f"kcsan: {'SERIES' if mine else 'base'}: {kind} in {where} ({n}x)")
        bad += bool(mine)
    print(f'kcsan: {len(reports)} distinct report(s), {bad} in code the series adds or changes')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
