#!/usr/bin/env bash
# The test suite, once per Keras backend (BACKENDS="tensorflow jax torch" by default), then the
# documentation site built with `mkdocs build --strict`. Arguments go to pytest.
EXTRAS=dev,docs,tensorflow,jax,keras-rs
EXTRA_PACKAGES="torch==2.13.0"  # the CPU wheel; the torch extra alone may pick a CUDA build
source "$(dirname "$0")/setup_env.sh"
status=0
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "=== KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend TF_CPP_MIN_LOG_LEVEL=2 python -m pytest -p no:cacheprovider \
    --ignore=tests/distributed "$@" || status=1
done
# The distributed recipes start their own processes, each on the backend its engine needs
# (JAX's keras.distribution, TensorFlow's MirroredStrategy): one run covers them.
if [ $# -eq 0 ]; then
  echo "=== tests/distributed (each recipe on its own backend)"
  TF_CPP_MIN_LOG_LEVEL=2 python -m pytest -p no:cacheprovider tests/distributed || status=1
fi
echo "=== mkdocs build --strict"
site="$(mktemp -d)"
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet -d "$site" || status=1
rm -rf "$site"
exit $status
