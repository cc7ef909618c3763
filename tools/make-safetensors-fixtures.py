#!/usr/bin/env python3
"""Writes the safetensors fixtures of test/io/safetensors-roundtrip.test.ts.

An independent writer: Python standard library only (struct, json, ctypes), following the layout of
the reference writer (huggingface/safetensors safetensors/src/tensor.rs, `prepare` and
`serialize_to_file`):
  - tensors sorted by dtype, descending in the Rust `Dtype` enum order, then by name (Rust compares
    Strings by UTF-8 bytes, which is Python's code-point order);
  - header = compact JSON (serde_json escapes exactly what json.dumps(ensure_ascii=False) escapes):
    "__metadata__" first when present, then the tensors in data order, each
    {"dtype", "shape", "data_offsets"} in that field order;
  - header right-padded with spaces to a multiple of 8; 8-byte little-endian length in front.
The reference keeps __metadata__ in a HashMap (random order); here, as in xembodied's writer, its keys
are sorted so that the output is reproducible.

Beside the .safetensors files it writes expected.json: every tensor's dtype, shape, raw bytes (hex)
and its values decoded here (F16 through struct 'e', BF16 by shifting, F64 -> f32 through a C float,
F8 by their bit-field definitions), so the TypeScript reader is checked against this code.

usage: python3 tools/make-safetensors-fixtures.py test/fixtures/safetensors
"""

import ctypes
import json
import math
import os
import struct
import sys

# Rust `Dtype` enum order (safetensors 0.7/0.8) and bits per element.
DTYPES = [
    ("BOOL", 8), ("F4", 4), ("F6_E2M3", 6), ("F6_E3M2", 6), ("U8", 8), ("I8", 8),
    ("F8_E5M2", 8), ("F8_E4M3", 8), ("F8_E8M0", 8), ("F8_E4M3FNUZ", 8), ("F8_E5M2FNUZ", 8),
    ("I16", 16), ("U16", 16), ("F16", 16), ("BF16", 16), ("I32", 32), ("U32", 32), ("F32", 32),
    ("C64", 64), ("F64", 64), ("I64", 64), ("U64", 64),
]
ORDER = {name: i for i, (name, _) in enumerate(DTYPES)}
BITS = dict(DTYPES)


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def serialize(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, data bytes). Returns the file's bytes."""
    for name, dtype, shape, data in tensors:
        assert numel(shape) * BITS[dtype] == len(data) * 8, name
    ordered = sorted(tensors, key=lambda t: t[0])
    ordered = sorted(ordered, key=lambda t: ORDER[t[1]], reverse=True)  # stable: ties keep name order
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    offset = 0
    for name, dtype, shape, data in ordered:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in ordered)


def f32(x):
    """x rounded to float32 (RNE, overflow to infinity) through a C float."""
    return ctypes.c_float(x).value


def bf16_bits(x):
    """bfloat16 bits of float32 x, round to nearest even (NaN kept quiet)."""
    (u,) = struct.unpack("<I", struct.pack("<f", x))
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return (u >> 16) | 0x40
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def bf16_value(bits):
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def e4m3fn_value(b):
    sign = -1.0 if b & 0x80 else 1.0
    exp, man = (b >> 3) & 0xF, b & 0x7
    if exp == 0xF and man == 0x7:
        return math.nan
    if exp == 0:
        return sign * math.ldexp(man, -9)  # subnormal: man/8 * 2^(1-7)
    return sign * math.ldexp(8 + man, exp - 10)  # (1 + man/8) * 2^(exp-7)


def e5m2_value(b):
    sign = -1.0 if b & 0x80 else 1.0
    exp, man = (b >> 2) & 0x1F, b & 0x3
    if exp == 0x1F:
        return sign * math.inf if man == 0 else math.nan
    if exp == 0:
        return sign * math.ldexp(man, -16)  # man/4 * 2^(1-15)
    return sign * math.ldexp(4 + man, exp - 17)  # (1 + man/4) * 2^(exp-15)


def jnum(x):
    """A float for JSON: non-finite values as strings."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def describe(tensors, values):
    return {
        name: {"dtype": dtype, "shape": list(shape), "hex": data.hex(), "values": values[name]}
        for name, dtype, shape, data in tensors
    }


def our_dtypes():
    """Only dtypes xembodied also writes: re-saving what it reads must give the same bytes."""
    t, v = [], {}

    def add(name, dtype, shape, data, values):
        t.append((name, dtype, shape, data))
        v[name] = values

    f32_vals = [0.0, -0.0, 1.0, -2.5, 3.1415927410125732, 1e-45, 3.4028234663852886e38, math.inf]
    add("model.embed.weight", "F32", [2, 4], struct.pack("<8f", *f32_vals), [jnum(f32(x)) for x in f32_vals])
    # a NaN with a payload: a reader that goes through JS numbers would canonicalize it
    add("nan.payload", "F32", [1], struct.pack("<I", 0x7FC00001), ["nan"])
    half = [0.0, -0.0, 1.0, 65504.0, 6.103515625e-05, 5.960464477539063e-08, -1.5, math.inf]
    add("h", "F16", [8], struct.pack("<8e", *half), [jnum(x) for x in half])
    bvals = [1.0, -2.0, 0.1, 3.0e38, -1.0e-38, 7.0]
    bbits = [bf16_bits(f32(x)) for x in bvals]
    add("b", "BF16", [3, 2], struct.pack("<6H", *bbits), [jnum(bf16_value(b)) for b in bbits])
    ints = [0, 1, -1, 2147483647, -2147483648, 42]
    add("i32", "I32", [2, 3], struct.pack("<6i", *ints), ints)
    longs = [0, -1, 2**53 + 1, 2**63 - 1, -(2**63)]
    add("i64", "I64", [5], struct.pack("<5q", *longs), [str(x) for x in longs])
    add("u8", "U8", [4], bytes([0, 1, 128, 255]), [0, 1, 128, 255])
    add("mask", "BOOL", [2, 2], bytes([1, 0, 0, 1]), [1, 0, 0, 1])
    add("scalar", "F32", [], struct.pack("<f", 0.5), [0.5])
    add("empty", "F32", [0, 3], b"", [])
    add("empty.i64", "I64", [2, 0], b"", [])
    # names whose UTF-8 order differs from their UTF-16 order, escapes, non-ASCII
    add("\uffff", "U8", [1], bytes([7]), [7])
    add("\U0001F600", "U8", [1], bytes([8]), [8])
    add('quote"back\\slash\nnl\x01ctl', "U8", [1], bytes([9]), [9])
    add("caf\u00e9.\u65e5\u672c", "BF16", [1], struct.pack("<H", 0x3F80), [1.0])
    metadata = {"format": "pt", "z-last": "\U0001F600 \"quoted\" \\ \t tab", "a-first": "caf\u00e9"}
    return t, v, metadata


def loadable_others():
    """Loadable dtypes xembodied converts on load (it does not write them)."""
    t, v = [], {}

    def add(name, dtype, shape, data, values):
        t.append((name, dtype, shape, data))
        v[name] = values

    doubles = [0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 16777217.0, 1e300, -1e300, 1e-50, math.inf, -math.inf, math.nan]
    add("f64", "F64", [12], struct.pack("<12d", *doubles), [jnum(f32(x)) for x in doubles])
    shorts = [0, 1, -1, 32767, -32768, 1234]
    add("i16", "I16", [2, 3], struct.pack("<6h", *shorts), shorts)
    add("i8", "I8", [4], struct.pack("<4b", 0, 127, -128, -5), [0, 127, -128, -5])
    every = bytes(range(256))
    add("f8_e4m3", "F8_E4M3", [16, 16], every, [jnum(e4m3fn_value(b)) for b in range(256)])
    add("f8_e5m2", "F8_E5M2", [256], every, [jnum(e5m2_value(b)) for b in range(256)])
    return t, v, None


def unsupported():
    """Valid dtypes xembodied lists but does not load."""
    t = [
        ("f4", "F4", [2, 2], bytes([0x12, 0x34])),
        ("f6_e2m3", "F6_E2M3", [4], bytes([1, 2, 3])),
        ("f6_e3m2", "F6_E3M2", [4], bytes([4, 5, 6])),
        ("f8_e8m0", "F8_E8M0", [2], bytes([127, 128])),
        ("f8_e4m3fnuz", "F8_E4M3FNUZ", [1], bytes([0x38])),
        ("f8_e5m2fnuz", "F8_E5M2FNUZ", [1], bytes([0x3C])),
        ("u16", "U16", [1], struct.pack("<H", 65535)),
        ("u32", "U32", [1], struct.pack("<I", 4294967295)),
        ("u64", "U64", [1], struct.pack("<Q", 2**64 - 1)),
        ("c64", "C64", [1], struct.pack("<2f", 1.0, -1.0)),
    ]
    return t, {name: None for name, _, _, _ in t}, {"format": "pt"}


def sharded():
    a = [("layers.0.w", "F32", [2], struct.pack("<2f", 1.0, 2.0)), ("layers.0.b", "BF16", [2], struct.pack("<2H", 0x3F80, 0x4000))]
    b = [("layers.1.w", "F32", [2], struct.pack("<2f", 3.0, 4.0)), ("head.ids", "I64", [1], struct.pack("<q", 7))]
    return a, b


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "safetensors")
    os.makedirs(os.path.join(out, "sharded"), exist_ok=True)
    expected = {}
    for fname, make in (("our-dtypes.safetensors", our_dtypes), ("loadable-others.safetensors", loadable_others), ("unsupported.safetensors", unsupported)):
        tensors, values, metadata = make()
        with open(os.path.join(out, fname), "wb") as f:
            f.write(serialize(tensors, metadata))
        expected[fname] = {"metadata": metadata, "tensors": describe(tensors, values)}

    a, b = sharded()
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    weight_map = {}
    total = 0
    for shard, tensors in zip(names, (a, b)):
        with open(os.path.join(out, "sharded", shard), "wb") as f:
            f.write(serialize(tensors, {"format": "pt"}))
        for name, _, _, data in tensors:
            weight_map[name] = shard
            total += len(data)
    index = {"metadata": {"total_size": total}, "weight_map": {k: weight_map[k] for k in sorted(weight_map)}}
    with open(os.path.join(out, "sharded", "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2)
        f.write("\n")

    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
