"""Hashed table rows: SipHash-2-4 of a key, the same in numpy and in TensorFlow.

`Hashed`, `Crossed` and a `Categorical`'s out-of-vocabulary rows (`num_oov_indices > 1`) put
a key on the row `hash(key) % rows`. The hash is SipHash-2-4 of the key's UTF-8 text under a
fixed 128-bit key, the same in every process and on every platform: pandas' `hash_array`
computes it for `FeatureSpec.transform` (`hash_rows`), TensorFlow's `to_hash_bucket_strong`
for an exported model (`hash_rows_tf`), so both put every key on the same row.
"""

import numpy as np
import pandas as pd

# SipHash-2-4's 128-bit key for hashed rows: pandas' default hash key, whose 16 bytes read as
# two little-endian uint64 are the `key=[k0, k1]` of TensorFlow's `to_hash_bucket_strong`.
HASH_KEY_TEXT = "0123456789123456"
HASH_KEY = (3978425819141910832, 3906085646303836472)

# pandas' `hash_array` ends by mixing SipHash's bits: x ^= x >> 30; x *= C1; x ^= x >> 27;
# x *= C2; x ^= x >> 31 (mod 2**64). Each step is a bijection; these undo them.
_C1_INVERSE = pow(0xBF58476D1CE4E5B9, -1, 2**64)
_C2_INVERSE = pow(0x94D049BB133111EB, -1, 2**64)


def hash_rows(keys, num_bins):
    """Rows of a hashed table: SipHash-2-4 of each key's UTF-8 text, modulo `num_bins`.

    pandas' `hash_array` computes that SipHash, then mixes its bits; the mixing is undone here.

    Args:
        keys: sequence of str. Canonical keys (`cell_keys.to_keys`).
        num_bins: int. Number of rows.

    Returns:
        An int64 array of rows in `[0, num_bins)`.
    """
    mixed = pd.util.hash_array(
        np.asarray(keys, dtype=object), hash_key=HASH_KEY_TEXT, categorize=False
    )
    return (_unmix(mixed) % np.uint64(num_bins)).astype(np.int64)


def _unmix(x):
    """The SipHash values that pandas' final bit mixing turned into `x` (uint64 array)."""
    x = x ^ (x >> np.uint64(31)) ^ (x >> np.uint64(62))
    x = x * np.uint64(_C2_INVERSE)  # wraps modulo 2**64, as the mixing's product did
    x = x ^ (x >> np.uint64(27)) ^ (x >> np.uint64(54))
    x = x * np.uint64(_C1_INVERSE)
    return x ^ (x >> np.uint64(30)) ^ (x >> np.uint64(60))


def hash_rows_tf(keys, num_bins):
    """`hash_rows` in TensorFlow: a `tf.string` tensor of keys to int64 rows."""
    import tensorflow as tf

    return tf.strings.to_hash_bucket_strong(keys, num_bins, key=list(HASH_KEY))
