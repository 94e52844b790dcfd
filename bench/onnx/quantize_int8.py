#!/usr/bin/python3
"""Dynamic int8 quantization of an ONNX encoder for ONNX Runtime, without onnxruntime.quantization.

    /usr/bin/python3 bench/onnx/quantize_int8.py --input model.onnx --output model-int8.onnx

ORT's own tool (`onnxruntime.quantization.quantize_dynamic(..., per_channel=True, weight_type=QuantType.QInt8)`)
comes from PyPI, which this machine does not reach. This is the same recipe written out with Debian's python3-onnx
(1.12): every `MatMul` whose second input is a constant 2-D weight B [K, N] becomes one
`com.microsoft.DynamicQuantizeMatMul(A, B_int8, B_scale[N], B_zero_point[N])`, the node ORT's optimizer fuses
quantize_dynamic's DynamicQuantizeLinear → MatMulInteger → Cast → Mul chain into:
  - B quantized symmetrically per output column (per channel): scale[n] = max_k |B[k, n]| / 127,
    B_int8 = round(B / scale) (half to even) in [-127, 127], zero point 0;
  - A quantized at run time by ORT per tensor, uint8 asymmetric (DynamicQuantizeMatMul's definition);
  - every other op (Gather, LayerNorm, Softmax, Gelu, attention MatMuls of two activations) stays float32.
Differences from our int8 path: ORT quantizes activations per tensor (we quantize per token) and uses uint8 for
them; weights are the same scheme (int8 symmetric per output channel).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    model = onnx.load(args.input)
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    new_nodes, replaced, used_weights = [], 0, set()
    for node in graph.node:
        weight = initializers.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if weight is None or len(weight.dims) != 2:
            new_nodes.append(node)
            continue
        b = numpy_helper.to_array(weight).astype(np.float32)  # [K, N]
        scale = np.abs(b).max(axis=0) / 127.0
        safe = np.where(scale == 0, 1.0, scale)
        q = np.clip(np.rint(b / safe), -127, 127).astype(np.int8)
        base = weight.name
        graph.initializer.extend([
            numpy_helper.from_array(q, base + "_quantized"),
            numpy_helper.from_array(scale.astype(np.float32), base + "_scale"),
            numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), base + "_zero_point"),
        ])
        used_weights.add(base)
        new_nodes.append(helper.make_node(
            "DynamicQuantizeMatMul",
            [node.input[0], base + "_quantized", base + "_scale", base + "_zero_point"],
            list(node.output), name=(node.name or base) + "_int8", domain="com.microsoft"))
        replaced += 1
    # Drop the float weights nothing reads any more.
    still_read = {i for n in new_nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name not in used_weights or t.name in still_read]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(new_nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, args.output)
    print(f"{args.output}: {replaced} MatMul -> DynamicQuantizeMatMul (int8 per-channel weights), "
          f"{os.path.getsize(args.input) / 1e6:.1f} MB -> {os.path.getsize(args.output) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
