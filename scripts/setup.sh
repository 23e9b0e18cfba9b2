#!/usr/bin/env bash
# Install what Hetu needs on a fresh Debian/Ubuntu machine, from Debian and PyPI packages only.
#   bash scripts/setup.sh            # the app: Python packages, offline basemap tiles
#   bash scripts/setup.sh --tests    # also Chromium (for the real-browser tests) and poppler-utils
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WITH_TESTS=0
[ "${1:-}" = "--tests" ] && WITH_TESTS=1

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

need_apt=()
if [ "$WITH_TESTS" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "setup: installing Python packages (requirements.txt)"
$PY -m pip install -q --disable-pip-version-check -r requirements.txt

# The offline basemap: the COG is committed; its XYZ tiles are cut once on each machine.
if ! $PY -c "import sys; from gislib.geo.basemap import tiles_ready; sys.exit(0 if tiles_ready('putuo') else 1)"; then
  echo "setup: cutting offline basemap tiles from data/geo/basemap_putuo.tif"
  $PY -m gislib basemap --dataset putuo
fi
# The CJK web font: the bundled OTF (assets/fonts, for PDFs) cut to WOFF2 for browsers without a CJK font.
$PY -c "from layers.assets import build_web_fonts; build_web_fonts() and print('setup: cut the CJK web fonts (static/fonts)')"
echo "setup: done"
