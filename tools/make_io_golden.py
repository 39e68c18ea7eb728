#!/usr/bin/env python3
"""Writes the tiny .npy and .safetensors fixtures read by Tests/TensorCoreTests/{Npy,Safetensors}Tests.swift.

Usage: python3 tools/make_io_golden.py   (needs numpy and `pip install safetensors`; reruns are byte-identical)

Output: Tests/TensorCoreTests/Resources/io/
  f2.npy f4.npy f8.npy i4.npy i8.npy u1.npy b1.npy   one file per supported dtype (values listed below)
  scalar.npy        0-d float32 array 3.5                       shape ()
  vector.npy        1-d float32 [0, 1, 2, 3, 4]                 shape (5,)
  empty.npy         float32                                     shape (0, 3)
  version2.npy      f4.npy's array saved as format 2.0
  version3.npy      f4.npy's array saved as format 3.0
  fortran.npy       f4.npy's array in Fortran order           (reader must refuse)
  bigendian.npy     f4.npy's array as '>f4'                   (reader must refuse)
  complex.npy       complex64 [1+2j]                          (reader must refuse: unsupported dtype)
  model.safetensors F32 / F16 / BF16 / I64 / I32 / BOOL tensors, a U16 tensor (unsupported), and metadata
  plain.safetensors F32 only, as Swift's Safetensors.write must reproduce byte for byte
"""
import os
import numpy as np
from safetensors import TensorSpec, serialize_file
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TensorCoreTests", "Resources", "io")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


base = np.array([[1.5, -2.25, 3.0], [0.0, 1e-3, -7.0]], dtype=np.float32)  # shape (2, 3)

np.save(path("f2.npy"), np.array([1.0, -0.5, 65504.0, 6.1035156e-05, 5.9604645e-08], dtype=np.float16))
np.save(path("f4.npy"), base)
np.save(path("f8.npy"), np.array([0.1, -1e300, 2.5, 0.0], dtype=np.float64))
np.save(path("i4.npy"), np.array([[-2147483648, -1], [0, 2147483647]], dtype=np.int32))
np.save(path("i8.npy"), np.array([-(2**62), 42, 2**40], dtype=np.int64))
np.save(path("u1.npy"), np.array([0, 7, 255], dtype=np.uint8))
np.save(path("b1.npy"), np.array([[True, False], [False, True]]))
np.save(path("scalar.npy"), np.array(3.5, dtype=np.float32))
np.save(path("vector.npy"), np.arange(5, dtype=np.float32))
np.save(path("empty.npy"), np.zeros((0, 3), dtype=np.float32))
with open(path("version2.npy"), "wb") as f:
    np.lib.format.write_array(f, base, version=(2, 0))
with open(path("version3.npy"), "wb") as f:
    np.lib.format.write_array(f, base, version=(3, 0))
np.save(path("fortran.npy"), np.asfortranarray(base))
np.save(path("bigendian.npy"), base.astype(">f4"))
np.save(path("complex.npy"), np.array([1 + 2j], dtype=np.complex64))


def bfloat16_bits(values):
    """float32 -> bfloat16 bit patterns, round to nearest even (numpy has no bfloat16)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


f16 = np.array([1.0, -0.5, 65504.0, 5.9604645e-08], dtype=np.float16)  # exact in half; the last is subnormal
bf16 = bfloat16_bits([1.0, -2.5, 3.140625, 1.00390625])  # the last rounds (tie) to even: 1.0
i64 = np.array([[0, 1, 2, -3]], dtype=np.int64)
i32 = np.array([7, -8], dtype=np.int32)
flags = np.array([True, False, True])
u16 = np.array([1, 2], dtype=np.uint16)


def spec(array, dtype=None):
    return TensorSpec(dtype=dtype or array.dtype.name, shape=array.shape,
                      data_ptr=array.ctypes.data, data_len=array.nbytes)


serialize_file({
    "embeddings.weight": spec(base),
    "half": spec(f16),
    "brain": spec(bf16, "bfloat16"),
    "position_ids": spec(i64),
    "int32s": spec(i32),
    "mask": spec(flags),
    "counts": spec(u16),
}, path("model.safetensors"), metadata={"format": "pt"})  # one key: Rust orders several at random

save_file({
    "b": base,
    "a.bias": np.array([0.25, -0.75], dtype=np.float32),
    "scalar": np.array(2.0, dtype=np.float32),
}, path("plain.safetensors"), metadata={"format": "np"})

print("wrote", sorted(os.listdir(OUT)))
