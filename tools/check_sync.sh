#!/usr/bin/env bash
# Fails when nbdev_clean or nbdev_export would change a file: the notebooks and the library out of sync,
# or a notebook not clean. The same check nbdev's own CI makes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then echo "check_sync: not a git checkout, skipped"; exit 0; fi
state() { git status --porcelain --untracked-files=all; git diff | sha1sum; }
before=$(state)
nbdev_clean
nbdev_export
python tools/readme.py
after=$(state)
if [ "$before" != "$after" ]; then
  echo "ERROR: nbdev_clean / nbdev_export changed files: notebooks and library are out of sync, or a notebook is not clean."
  git status --short
  git --no-pager diff --stat
  exit 1
fi
echo "check_sync: notebooks clean and library in sync"
