#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cover-text.py prefix|description < 0000-cover-letter.patch

prefix:      the subject prefix, e.g. "PATCH v5" or "RFC PATCH"
description: the subject, a blank line and the text before the shortlog, in
             the form git format-patch --cover-from-description=subject reads
"""
import email
import email.policy
import re
import sys

msg = email.message_from_file(sys.stdin, policy=email.policy.default)
m = re.match(r'\[([^\]]*?)\s*\d+/\d+\]\s*(.*)', ' '.join(msg['Subject'].split()))
prefix, subject = m.group(1), m.group(2)
if sys.argv[1] == 'prefix':
    print(prefix)
    sys.exit(0)
lines = msg.get_payload().splitlines()
# The generated part starts with the shortlog: "Author Name (N):".
for i, line in enumerate(lines):
    if re.match(r'^\S.* \(\d+\):$', line) and (i == 0 or not lines[i - 1].strip()):
        lines = lines[:i]
        break
print(subject + '\n\n' + '\n'.join(lines).strip())
