"""adapt on many chunks: 2M rows of two high-cardinality id columns, 65,536 rows a chunk.

python benchmarks/adapt_chunks.py
"""

import time, numpy as np, pandas as pd, deepcross as dc

rng = np.random.default_rng(0)
n = 2_000_000
df = pd.DataFrame({"userId": rng.integers(0, 1_000_000, n), "movieId": rng.integers(0, 200_000, n)})
chunks = [df[i : i + 65_536] for i in range(0, n, 65_536)]
spec = dc.FeatureSpec([dc.Categorical("userId"), dc.Categorical("movieId")])
t = time.perf_counter()
spec.adapt(iter(chunks))
print(
    f"adapt {n:,} rows in {len(chunks)} chunks: {time.perf_counter() - t:.1f} s; vocab {len(spec.learned['userId']):,}"
)
