#!/usr/bin/env python3
"""Writes the tiny torch.save checkpoints the C# checkpoint tests read, plus their expected values.

Run with an interpreter that has PyTorch (e.g. Debian's python3-torch: /usr/bin/python3):

    /usr/bin/python3 tools/reference/make_checkpoint_fixtures.py

Output goes to tests/fixtures/checkpoints/ and is committed, so CI never needs torch. Reruns give
identical files except legacy_format.bin, whose storage keys are object ids chosen by torch. Each
<name>.bin (or folder) has <name>.expected.json listing every tensor in state-dict order with its
dtype, shape and flattened row-major values (floats as float32 values, integers exactly).
"""
import collections
import io
import json
import os
import struct
import zipfile

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.normpath(os.path.join(ROOT, "tests", "fixtures", "checkpoints"))

DTYPE_NAMES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "Bool",
}

# The file the malicious fixtures would create if a loader executed them.
PWNED_MARKER = "/tmp/semanticsearch-pickle-was-executed"


def describe(name, tensor):
    tensor = tensor.detach()
    entry = {"name": name, "dtype": DTYPE_NAMES[tensor.dtype], "shape": list(tensor.shape)}
    flat = tensor.contiguous().reshape(-1)
    if tensor.dtype.is_floating_point:
        entry["values"] = flat.float().tolist()
    else:
        entry["integers"] = flat.long().tolist()
    return entry


def save(state_dict, relative_path, expected_name, pickle_protocol=2):
    path = os.path.join(OUT, relative_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(state_dict, path, pickle_protocol=pickle_protocol)
    flat = state_dict
    if len(state_dict) == 1 and isinstance(next(iter(state_dict.values())), dict):
        flat = next(iter(state_dict.values()))
    expected = {"tensors": [describe(k, v) for k, v in flat.items()]}
    with open(os.path.join(OUT, expected_name + ".expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


class TinyEncoder(torch.nn.Module):
    """Shaped like the first layers of a BERT sentence encoder, but a few numbers big."""

    def __init__(self):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(5, 4)
        self.LayerNorm = torch.nn.LayerNorm(4)
        self.dense = torch.nn.Linear(4, 3)
        self.register_buffer("position_ids", torch.arange(6).expand((1, -1)))


class Exploit:
    """torch.save pickles this as a call to os.system (posix.system on Linux)."""

    def __reduce__(self):
        return (os.system, ("touch " + PWNED_MARKER,))


def hand_written_os_system_pickle():
    # PROTO 2; GLOBAL 'os system'; the command string; TUPLE1; REDUCE; STOP
    command = ("touch " + PWNED_MARKER).encode()
    return (b"\x80\x02" + b"cos\nsystem\n" + b"X" + struct.pack("<I", len(command)) + command
            + b"\x85" + b"R" + b".")


def write_zip_checkpoint(relative_path, folder, pickle_bytes):
    # Fixed timestamps keep the fixture byte-identical from run to run.
    with zipfile.ZipFile(os.path.join(OUT, relative_path), "w", zipfile.ZIP_STORED) as archive:
        for name, data in ((folder + "/data.pkl", pickle_bytes), (folder + "/version", b"3\n")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1234)

    encoder = TinyEncoder()
    with torch.no_grad():
        encoder.LayerNorm.weight.uniform_(0.5, 1.5)
        encoder.LayerNorm.bias.uniform_(-0.1, 0.1)
    save(encoder.state_dict(), "tiny_encoder_folder/pytorch_model.bin", "tiny_encoder_folder")
    # Protocol 4 brings FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL into play.
    save(encoder.state_dict(), "protocol4.bin", "protocol4", pickle_protocol=4)

    base = torch.randn(3, 4)
    save({
        "half": base.half(),
        "bfloat": base.bfloat16(),
        "double": base.double()[0],
        "int32": torch.tensor([-7, 0, 2147483647], dtype=torch.int32),
        "int16": torch.tensor([-300, 300], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "flags": torch.tensor([True, False, True]),
        "big_int64": torch.tensor([2 ** 62 + 1, -5], dtype=torch.int64),
    }, "dtypes.bin", "dtypes")

    grid = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    save(collections.OrderedDict([
        ("grid", grid),
        ("transposed", grid.t()),
        ("row_slice", grid[2:]),
        ("column_slice", grid[:, 1:3]),
        ("stepped", grid[::2, ::3]),
        ("broadcast", torch.arange(3, dtype=torch.float32).expand(2, 3)),
        ("scalar", torch.tensor(3.5)),
        ("empty", torch.zeros(0, 3)),
        ("half_transposed", grid.half().t()),
    ]), "views.bin", "views")

    save({"state_dict": collections.OrderedDict([("w", torch.randn(2, 2)), ("b", torch.randn(2))])},
         "nested_state_dict.bin", "nested_state_dict")
    save({"weight": torch.nn.Parameter(torch.randn(2, 3))}, "parameters.bin", "parameters")

    torch.save({"weights": torch.ones(2), "exploit": Exploit()}, os.path.join(OUT, "malicious_torch_save.bin"))
    write_zip_checkpoint("malicious_os_system.bin", "malicious_os_system", hand_written_os_system_pickle())
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy_format.bin"), _use_new_zipfile_serialization=False)
    torch.save([torch.ones(2)], os.path.join(OUT, "list_not_dict.bin"))
    torch.save({"w": torch.ones(2), "step": 3}, os.path.join(OUT, "non_tensor_value.bin"))
    print("wrote fixtures to", OUT)


if __name__ == "__main__":
    main()
