#!/bin/bash
# Whole commands on the real archive, two checkouts run alternately, process start included.
# Run: BEFORE=/path/to/old/checkout AFTER=. benchmarks/before_after.sh [ROUNDS]
# Prints, per side and round, the wall seconds of: import, import again, check, export .xlsx,
# export .csv, render --all, site build, site build again.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
X=${PRECIS_REAL_XLSX:-$here/../shared/data/alignment_newsletter.xlsx}
PRECIS=$here/.venv/bin/precis
for round in $(seq "${1:-3}"); do
  for side in before after; do
    if [ $side = before ]; then SRC=$BEFORE/src; else SRC=$AFTER/src; fi
    D=$(mktemp -d)
    t() { /usr/bin/time -f "%e" -o "$D/t" env PYTHONPATH="$SRC" "$PRECIS" --db "$D/an.db" "$@" >/dev/null 2>&1; echo -n "$(cat "$D/t" | tail -1) "; }
    echo -n "$side round $round: import "; t import "$X"
    echo -n "reimport "; t import "$X"
    echo -n "check "; t check
    echo -n "export.xlsx "; t export "$D/out.xlsx"
    echo -n "export.csv "; t export "$D/out.csv"
    echo -n "render-all "; t render --all --out "$D/ed"
    echo -n "site "; t site build "$D/site"
    echo -n "site-again "; t site build "$D/site"
    echo
    rm -rf "$D"
  done
done
