import struct

import numpy as np
import pytest

import deepcross as dc
from deepcross.features.hashing import HASH_KEY
from deepcross.features.hashing import HASH_KEY_TEXT
from deepcross.features.hashing import hash_rows
from tests.conftest import encode


def siphash24(key, data):
    """SipHash-2-4 (Aumasson and Bernstein, 2012), written from the paper: the reference."""
    mask = 2**64 - 1
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D]
    v += [k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & mask

    def sip_round():
        v[0] = (v[0] + v[1]) & mask
        v[1] = rotl(v[1], 13) ^ v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & mask
        v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & mask
        v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & mask
        v[1] = rotl(v[1], 17) ^ v[2]
        v[2] = rotl(v[2], 32)

    end = len(data) - len(data) % 8
    words = [int.from_bytes(data[i : i + 8], "little") for i in range(0, end, 8)]
    words.append(((len(data) & 0xFF) << 56) | int.from_bytes(data[end:], "little"))
    for m in words:
        v[3] ^= m
        sip_round()
        sip_round()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sip_round()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def test_reference_siphash_matches_the_papers_vectors():
    key = bytes(range(16))
    assert siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert siphash24(key, bytes(range(1))) == 0x74F839C593DC67FD
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_rows_are_siphash_2_4_of_the_keys_utf8_modulo_bins():
    rng = np.random.default_rng(0)
    keys = ["", "Paris", "349", "a\x1fb", "日本語", "🙂"] + [
        "".join(map(chr, rng.integers(1, 0x10000, rng.integers(0, 20))))
        .encode("utf-8", "replace")
        .decode()
        for _ in range(500)
    ]
    for num_bins in (1, 7, 1000, 2**40 + 3):
        expected = [siphash24(HASH_KEY_TEXT.encode(), k.encode()) % num_bins for k in keys]
        assert hash_rows(keys, num_bins).tolist() == expected
    key_words = struct.unpack("<QQ", HASH_KEY_TEXT.encode())
    assert HASH_KEY == key_words  # TensorFlow's to_hash_bucket_strong takes it as [k0, k1]


def test_hash_is_stable_in_range_and_type_blind():
    feature = dc.Hashed("city", num_bins=7)
    values = np.array([f"city{i}" for i in range(100)], object)
    out = encode(feature, {"city": values})[0][:, 0]
    assert out.min() >= 0 and out.max() < 7
    assert len(set(out)) == 7
    ints = encode(feature, {"city": np.array([42, 43])})[0]
    texts = encode(feature, {"city": np.array(["42", "43"])})[0]
    assert (ints == texts).all()
    # Fixed key: these values are the same in every process.
    paris = siphash24(b"0123456789123456", b"Paris") % 7
    assert encode(feature, {"city": np.array(["Paris"])})[0].tolist() == [[paris]]


def test_missing_is_masked_not_hashed():
    feature = dc.Hashed("city", num_bins=7)
    assert encode(feature, {"city": np.array(["", None], object)})[0].tolist() == [[-1], [-1]]


def test_num_bins_must_be_positive():
    with pytest.raises(ValueError, match="'city'.*num_bins=0"):
        dc.Hashed("city", num_bins=0)
