#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit-verdict.py JSON LOG SUITE... - judge a kunit.py --json result.

Passes only if the run produced results, nothing failed or crashed, and every
named suite is present with at least one case and every case passed, or
skipped because of the PW locks mode it booted in: a case that cannot fail in
one mode skips there with a reason starting "PW locks off" or "PW locks on"
(read from the raw KTAP LOG).  Any other skip fails.  Prints one line per run:
the label, suites and case counts.
"""
import json
import os
import re
import sys

MODE_SKIP = re.compile(r'^\s*ok \d+ (\S+) # SKIP PW locks (off|on)\b')


def mode_skips(log):
    """Names of the cases the log shows skipped for the booted mode."""
    if not os.path.exists(log):
        return set()
    with open(log, errors='replace') as f:
        return {m.group(1) for m in map(MODE_SKIP.match, f) if m}


def walk(group):
    yield group
    for sub in group.get('sub_groups', []):
        yield from walk(sub)


def main():
    path, log, expected = sys.argv[1], sys.argv[2], sys.argv[3:]
    allowed = mode_skips(log)
    label = os.path.basename(path).removesuffix('.json')
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        print(f'kunit {label}: FAIL (no results: kernel crashed or did not boot)')
        return 1
    with open(path) as f:
        top = json.load(f)
    suites = {g['name']: g for g in walk(top) if g is not top}
    errors = []
    for name in expected:
        if name not in suites:
            errors.append(f'suite {name} missing')
    cases = passed = skipped = 0
    for name, group in suites.items():
        for case in group.get('test_cases', []):
            cases += 1
            if case['status'] == 'PASS':
                passed += 1
            elif case['status'] == 'SKIP' and (case['name'] in allowed or name not in expected):
                skipped += 1
            else:
                errors.append(f"{name}.{case['name']}: {case['status']}")
        if name in expected and not group.get('test_cases'):
            errors.append(f'suite {name} ran no cases')
    verdict = 'ok' if not errors else 'FAIL (' + '; '.join(errors) + ')'
    print(f'kunit {label}: {verdict}; {len(suites)} suites, {passed}/{cases} cases passed, '
          f'{skipped} skipped for the mode')
    return 0 if not errors else 1


if __name__ == '__main__':
    sys.exit(main())
