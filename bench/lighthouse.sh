#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices) of the main pages of a running dashboard.
#
#   bash bench/lighthouse.sh http://127.0.0.1:8050            # every main page
#   bash bench/lighthouse.sh http://127.0.0.1:8050 / /compare  # only these paths
#
# Installs lighthouse@12.8.2 from the npm registry into bench/.node/ (gitignored) on first use, then runs it on the
# system Chromium (CHROME_PATH, default /usr/bin/chromium) with the desktop preset. Prints a table and writes
# bench/results/lighthouse.json (scores per page) and bench/results/lighthouse/<page>.json (full reports).
# Env: LH_RUNS=N runs each page N times and keeps the median performance run (default 1).
set -euo pipefail

LH_VERSION=12.8.2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_DIR="$HERE/.node"
OUT_DIR="$HERE/results"
LH="$NODE_DIR/node_modules/.bin/lighthouse"

BASE="${1:-}"
if [[ -z "$BASE" ]]; then
  echo "usage: bash bench/lighthouse.sh BASE_URL [PATH ...]   (e.g. http://127.0.0.1:8050)" >&2
  exit 2
fi
BASE="${BASE%/}"
shift
if [[ $# -gt 0 ]]; then
  PATHS=("$@")
else
  PATHS=(/ "/?lang=en" /compare "/compare?view=bar" "/compare?view=table" /trends /region/13
    /kpi/productivity_growth /indicator/gdp_nominal /municipalities /about)
fi
RUNS="${LH_RUNS:-1}"

command -v node >/dev/null || { echo "error: node not found (Node 18+ is needed for Lighthouse 12)" >&2; exit 1; }
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
[[ -x "$CHROME_PATH" ]] || { echo "error: $CHROME_PATH not found (apt-get install chromium)" >&2; exit 1; }

if [[ ! -x "$LH" ]] || [[ "$("$LH" --version 2>/dev/null)" != "$LH_VERSION" ]]; then
  echo "installing lighthouse@$LH_VERSION into bench/.node/ ..." >&2
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "lighthouse@$LH_VERSION" >&2
fi

curl -fsS -o /dev/null "$BASE/" || { echo "error: nothing answers at $BASE/ (start the app first)" >&2; exit 1; }

mkdir -p "$OUT_DIR/lighthouse"
reports=()
for path in "${PATHS[@]}"; do
  slug="$(printf '%s' "$path" | sed -e 's#^/##' -e 's#[^A-Za-z0-9]\+#_#g')"
  slug="${slug:-index}"
  for ((i = 1; i <= RUNS; i++)); do
    report="$OUT_DIR/lighthouse/${slug}.run$i.json"
    echo "lighthouse $path (run $i/$RUNS) ..." >&2
    ok=0
    for attempt in 1 2 3; do  # Lighthouse now and then fails to record the trace (NO_NAVSTART): try again
      if "$LH" "$BASE$path" --preset=desktop --only-categories=performance,accessibility,best-practices \
        --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$report" --quiet; then
        ok=1
        break
      fi
      echo "  lighthouse failed on $path (attempt $attempt/3)" >&2
    done
    [[ $ok == 1 ]] || { echo "error: lighthouse failed on $path three times" >&2; exit 1; }
  done
  reports+=("$path"$'\t'"$OUT_DIR/lighthouse/${slug}")
done

node - "$OUT_DIR/lighthouse.json" "$RUNS" "${reports[@]}" <<'JS'
const fs = require("fs");
const [out, runs, ...pairs] = process.argv.slice(2);
const pct = (x) => (x == null ? null : Math.round(x * 100));
const rows = pairs.map((pair) => {
  const i = pair.indexOf("\t");
  const path = pair.slice(0, i), stem = pair.slice(i + 1);
  const all = [];
  for (let r = 1; r <= Number(runs); r++) all.push(JSON.parse(fs.readFileSync(`${stem}.run${r}.json`, "utf8")));
  all.sort((a, b) => (a.categories.performance.score ?? 0) - (b.categories.performance.score ?? 0));
  const lh = all[Math.floor(all.length / 2)]; // median by performance
  const a = lh.audits;
  const failed = Object.values(lh.categories.accessibility.auditRefs)
    .filter((ref) => ref.weight > 0 && a[ref.id] && a[ref.id].score !== null && a[ref.id].score < 1)
    .map((ref) => ref.id);
  return {
    path,
    url: lh.finalDisplayedUrl,
    lighthouse: lh.lighthouseVersion,
    performance: pct(lh.categories.performance.score),
    accessibility: pct(lh.categories.accessibility.score),
    best_practices: pct(lh.categories["best-practices"].score),
    fcp_ms: Math.round(a["first-contentful-paint"].numericValue),
    lcp_ms: Math.round(a["largest-contentful-paint"].numericValue),
    tbt_ms: Math.round(a["total-blocking-time"].numericValue),
    cls: Number(a["cumulative-layout-shift"].numericValue.toFixed(3)),
    transfer_kib: Math.round(a["total-byte-weight"].numericValue / 1024),
    accessibility_failed: failed,
  };
});
fs.writeFileSync(out, JSON.stringify({ generated: new Date().toISOString(), preset: "desktop", runs: Number(runs), pages: rows }, null, 2) + "\n");
const cols = ["path", "performance", "accessibility", "best_practices", "fcp_ms", "lcp_ms", "tbt_ms", "cls", "transfer_kib"];
const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (vals) => vals.map((v, j) => (j === 0 ? String(v).padEnd(w[j]) : String(v).padStart(w[j]))).join("  ");
console.log(line(cols));
console.log(w.map((n) => "-".repeat(n)).join("  "));
rows.forEach((r) => console.log(line(cols.map((c) => r[c]))));
rows.filter((r) => r.accessibility_failed.length).forEach((r) => console.log(`${r.path}: accessibility audits not passed: ${r.accessibility_failed.join(", ")}`));
console.log(`\nwritten: ${out}`);
JS
