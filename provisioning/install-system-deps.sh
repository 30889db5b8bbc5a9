#!/usr/bin/env bash
# Installs the Debian packages the node needs. Idempotent: installs only what is missing.
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-dev
  softhsm2 opensc
  tesseract-ocr tesseract-ocr-vie
  ghostscript qpdf unpaper pngquant poppler-utils
  chromium fonts-noto-core fonts-dejavu-core
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1
  sqlite3 make git ca-certificates
  systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
