#!/bin/bash
# Alternating before/after runs of whole commands on the real archive.
X=/work/shared/data/alignment_newsletter.xlsx
for round in 1 2 3; do
  for side in before after; do
    if [ $side = before ]; then SRC=/work/wt-before/src; else SRC=/work/main/src; fi
    D=/tmp/ba-$side; rm -rf $D; mkdir -p $D
    t() { /usr/bin/time -f "%e" -o $D/t env PYTHONPATH=$SRC /work/main/.venv/bin/precis --db $D/an.db "$@" >/dev/null 2>&1; echo -n "$(cat $D/t) "; }
    echo -n "$side round $round: import "; t import $X
    echo -n "reimport "; t import $X
    echo -n "check "; t check
    echo -n "export.xlsx "; t export $D/out.xlsx
    echo -n "export.csv "; t export $D/out.csv
    echo -n "render-all "; t render --all --out $D/ed
    echo -n "site "; t site build $D/site
    echo -n "site-again "; t site build $D/site
    echo
  done
done
