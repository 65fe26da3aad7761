#!/usr/bin/env bash
# The main job: the SparrowRecSys Embedding+MLP lesson on MovieLens, end to end.
# Arguments go to examples/sparrow_embedding_mlp.py (try --help).
# Relative paths in the arguments (--out, --data-dir) are the caller's.
EXTRAS=tensorflow,examples
caller="$PWD"
source "$(dirname "$0")/setup_env.sh"
example="$PWD/examples/sparrow_embedding_mlp.py"
cd "$caller"
exec python "$example" "$@"
