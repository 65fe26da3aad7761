"""`split_samples`: a random or a time-based train/test split of a sample table."""

import numpy as np
import pandas as pd

SPLITS = ("random", "time")


def split_samples(samples, *, how="random", test_fraction=0.2, seed=0):
    """Splits a sample table into a training and a test table.

    - `how="random"`: a seeded shuffle; `round(test_fraction * len(samples))` rows go to test.
    - `how="time"`: rows whose timestamp is at or after the `1 - test_fraction` quantile of
      the timestamps go to test (all rows of the boundary second together, so the test share
      can be a little larger); `seed` is not used.

    Both tables keep the rows' order and index.

    Args:
        samples: pd.DataFrame. A sample table (`"time"` needs its `timestamp` column).
        how: str. `"random"` or `"time"`. Defaults to `"random"`.
        test_fraction: float. Share of rows for the test table, between 0 and 1 (exclusive).
            Defaults to 0.2.
        seed: int. Seed of the random split. Defaults to 0.

    Returns:
        A tuple `(train, test)` of pd.DataFrame.

    Example:

    ```python
    train, test = dc.datasets.split_samples(samples, how="time")
    ```
    """
    if how not in SPLITS:
        raise ValueError(f"how must be one of {SPLITS}, received how={how!r}")
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, (int, float, np.integer, np.floating))
        or not 0.0 < test_fraction < 1.0
    ):
        raise ValueError(
            f"test_fraction must be a number between 0 and 1 (exclusive), received "
            f"test_fraction={test_fraction!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, received seed={seed!r}")
    if not isinstance(samples, pd.DataFrame):
        raise ValueError(f"samples must be a pandas DataFrame, received {type(samples).__name__}")
    n = len(samples)
    if how == "random":
        test = np.zeros(n, dtype=bool)
        test[np.random.default_rng(seed).permutation(n)[: int(round(test_fraction * n))]] = True
    else:
        if "timestamp" not in samples.columns:
            raise ValueError(
                "how='time' needs a 'timestamp' column; columns present: "
                f"{list(map(str, samples.columns))}"
            )
        timestamp = samples["timestamp"].to_numpy()
        if n == 0:
            test = np.zeros(0, dtype=bool)
        else:
            test = timestamp >= np.quantile(timestamp, 1.0 - test_fraction)
    return samples[~test], samples[test]
