#!/usr/bin/env bash
# Create (or check) a SoftHSM2 demo token in DIR: token/softhsm2.conf, pki/, secrets/token-pin.
# Idempotent: running it again changes nothing. Usage: make-demo-token.sh DIR [--label LABEL]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${here}/.venv/bin/python"
[ -x "$py" ] || py=python3
exec "$py" -m node.signing.softhsm "$@"
