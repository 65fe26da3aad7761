# Sourced by the run and test scripts: makes ./.venv and installs deepcross with EXTRAS into it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  echo "deepcross: creating .venv and installing dependencies (first run only takes a few minutes)"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS}]" ${EXTRA_PACKAGES:-}
# The shared MovieLens copy beside the checkout, when there is one; else the library downloads.
if [ -z "${DEEPCROSS_DATA_DIR:-}" ] && [ -d ../shared/data/ml-latest-small ]; then
  export DEEPCROSS_DATA_DIR="$(cd ../shared/data && pwd)"
fi
export PATH="$PWD/.venv/bin:$PATH"
