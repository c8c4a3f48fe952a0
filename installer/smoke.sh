#!/usr/bin/env bash
# Build the one-folder app with build_installer.spec and smoke-test the frozen programs:
# xihu --version, xihu init --demo, xihu export-pdf on the demo database; check the PDF;
# the bundled pandas and sqlite-utils load and work, and xihu search finds Chinese text.
# Usage: installer/smoke.sh [python]   (the python of an environment with ".[build]" installed)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
"$PY" -m PyInstaller build_installer.spec --noconfirm --log-level WARN \
    --distpath "$work/dist" --workpath "$work/build"
end=$(date +%s)
app="$work/dist/xihu-desktop"
echo "build: $((end - start)) s, size: $(du -sh "$app" | cut -f1)"

export XIHU_DATA_DIR="$work/data"
"$app/xihu" --version | grep -q "xihu "
"$app/xihu" init --db "$work/demo.sqlite3" --demo
"$app/xihu" check --db "$work/demo.sqlite3" >/dev/null
# pandas and sqlite-utils (imported lazily, so only a run proves they were bundled): a pivot
# table and a trigram FTS5 index; then the search index rebuilt by sqlite-utils and searched.
"$app/xihu" check --db "$work/demo.sqlite3" --libraries >"$work/check.txt"
grep "组件：ok" "$work/check.txt"
grep -q "搜索索引：ok" "$work/check.txt"
"$app/xihu" search --db "$work/demo.sqlite3" --rebuild >"$work/rebuild.txt"
grep -q "已重建搜索索引" "$work/rebuild.txt"
"$app/xihu" search --db "$work/demo.sqlite3" 挂图作战 --year 2025 --limit 3 >"$work/search.txt"
grep -q "^2025 .*【挂图作战】" "$work/search.txt"
"$app/xihu" search --db "$work/demo.sqlite3" --json 挂图作战 >"$work/search.json"
"$PY" - "$work/search.json" <<'PYEOF'
import json
import sys

hits = json.load(open(sys.argv[1], encoding="utf-8"))
keys = {"entry_id", "ledger_id", "unit", "year", "category", "name", "snippet"}
assert hits and all(set(h) == keys for h in hits), "frozen xihu search --json: no hits"
assert all("【挂图作战】" in h["snippet"] for h in hits)
print(f"frozen xihu search: {len(hits)} hit(s), {len({h['unit'] for h in hits})} unit(s)")
PYEOF
# pandas at work in the frozen app: the plan monitoring table and the 中期评估 report (PDF with
# one small chart per target, drawn by reportlab) and the dashboard's ranking.
"$app/xihu" monitor --db "$work/demo.sqlite3" --year 2025 --json >"$work/monitor.json"
"$PY" -c "import json,sys; rows=json.load(open(sys.argv[1])); assert len(rows) == 43, len(rows)" "$work/monitor.json"
"$app/xihu" monitor --db "$work/demo.sqlite3" --year 2023 --out "$work/evaluation.pdf"
"$PY" -c "
import sys
from pypdf import PdfReader
text = ''.join(p.extract_text() or '' for p in PdfReader(sys.argv[1]).pages)
assert '中期评估' in text and '地区生产总值' in text, 'frozen monitor --out: report text missing'
print('frozen monitor: 43 targets, mid-term report ok')
" "$work/evaluation.pdf"
"$app/xihu" dashboard --db "$work/demo.sqlite3" --year 2025 --json >/dev/null
"$app/xihu" export-pdf --db "$work/demo.sqlite3" --year 2025 --unit 北山街道 --out "$work/sheet.pdf"
"$PY" - "$work/sheet.pdf" <<'PYEOF'
import sys
from pypdf import PdfReader

reader = PdfReader(sys.argv[1])
text = "".join(page.extract_text() or "" for page in reader.pages)
for needle in ("北山街道", "2025", "考核表", "单位负责人"):
    assert needle in text, f"frozen export-pdf: {needle!r} missing from the PDF"
print(f"frozen export-pdf: {len(reader.pages)} page(s), text ok")
PYEOF
"$app/xihu" export-excel --db "$work/demo.sqlite3" --year 2025 --unit 北山街道 --out "$work/return.xlsx"
"$app/xihu" import-excel --db "$work/demo.sqlite3" "$work/return.xlsx" --dry-run --allow-submitted
"$app/xihu" verify --db "$work/demo.sqlite3" "$work/sheet.pdf"
# The windowed program starts and quits on its own under the offscreen platform.
QT_QPA_PLATFORM=offscreen XIHU_SMOKE_QUIT_MS=1500 timeout 60 "$app/xihu-desktop" --db "$work/demo.sqlite3"
echo "smoke test passed"
