# Sourced by the run and test scripts: makes ./.venv and installs deepcross[EXTRAS] (and
# EXTRA_PACKAGES) into it. It installs only when .venv is new or when pyproject.toml, EXTRAS or
# EXTRA_PACKAGES changed since the last install: .venv/.deepcross-installed keeps a sha256 of
# the three for each install done, so later runs need no package index.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  echo "deepcross: creating .venv and installing dependencies (first run only takes a few minutes)"
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
fi
stamp=.venv/.deepcross-installed
wanted="$({ cat pyproject.toml; echo "EXTRAS=${EXTRAS}"; echo "EXTRA_PACKAGES=${EXTRA_PACKAGES:-}"; } |
  .venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if ! grep -qxF "$wanted" "$stamp" 2>/dev/null; then
  echo "deepcross: installing deepcross[${EXTRAS}] ${EXTRA_PACKAGES:+$EXTRA_PACKAGES }into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS}]" ${EXTRA_PACKAGES:-}
  echo "$wanted" >> "$stamp"
fi
# The shared MovieLens copy beside the checkout, when there is one; else the library downloads.
if [ -z "${DEEPCROSS_DATA_DIR:-}" ] && [ -d ../shared/data/ml-latest-small ]; then
  export DEEPCROSS_DATA_DIR="$(cd ../shared/data && pwd)"
fi
export PATH="$PWD/.venv/bin:$PATH"
