#!/usr/bin/env bash
# Build the one-folder app with build_installer.spec and smoke-test the frozen programs:
# xihu --version, xihu init --demo, xihu export-pdf on the demo database; check the PDF.
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
