#!/usr/bin/env bash
# Record the golden answers again (after a change in what users get, made on purpose; say why in
# tests/golden/demo/README.md). Run from the repository root: bash tests/golden/demo/regenerate.sh
set -euo pipefail
here=tests/golden/demo
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
k() { KUAIFAN_HOME="$home" KUAIFAN_LANG=en .venv/bin/kuaifan "$@"; }
k demo --rooms 2 --minutes 10 >/dev/null
cp "$home"/reports/{rooms.csv,comments.json,signals.json,plan.json,sensitivity.json} "$here"/
rm -f "$here"/PO-*.csv
cp "$home"/reports/purchase_orders/PO-*.csv "$here"/
k stats --json >"$here"/cli_stats.json
k signals --json --days 0 >"$here"/cli_signals.json
k text report --json >"$here"/cli_text_report.json
k forecast --costs examples/costs.toml --top 3 --json --out "$home"/plan_input.json >"$here"/cli_forecast.json
.venv/bin/python -c "
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
print(hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest())
" "$home"/plan_input.json >"$here"/cli_plan_input.sha256
