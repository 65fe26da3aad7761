#!/usr/bin/env bash
# The main job: the SparrowRecSys Embedding+MLP lesson on MovieLens, end to end.
# Arguments go to examples/sparrow_embedding_mlp.py (try --help).
EXTRAS=tensorflow,examples
source "$(dirname "$0")/setup_env.sh"
exec python examples/sparrow_embedding_mlp.py "$@"
