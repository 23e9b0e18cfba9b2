#!/usr/bin/env bash
# Install and start Hetu on the demo data: http://localhost:8501
#   HETU_DATASET=city bash scripts/run_app.sh   # the city-scale set (60,000 outfalls; built on first run)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash scripts/setup.sh
if [ "${HETU_DATASET:-putuo}" = "city" ] && [ ! -f data/geo/city/city.gpkg ]; then
  $PY -m gislib build-demo --only-city
fi
# the server prepares the record store (records, demo problems and patrols) and the default map before the first
# visitor, in its own process (scripts/serve.py), then serves app.py
exec $PY scripts/serve.py --server.port "${PORT:-8501}" "$@"
