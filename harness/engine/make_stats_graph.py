"""Writes harness/engine/token-stats.onnx: per-row statistics of logits, run by onnxruntime beside the model.

  inputs:  logits float32 [N, V], target int64 [N, 1]
  outputs: logprob float64 [N, 1] = ln softmax(logits)[target], entropy float64 [N, 1], argmax int64 [N, 1]

Sums run in float64 (Cast first): with V ~ 150k a float32 sum loses ~1e-4 relative precision. The arg-max is taken
on the float32 logits (first index on ties, as torch.argmax on CPU).
  /usr/bin/python3 harness/engine/make_stats_graph.py
"""
import os

import onnx
from onnx import TensorProto, helper

here = os.path.dirname(os.path.abspath(__file__))
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
nodes = [
    # Everything after the Cast in float64 (a float32 exp/shift variant measured only ~1.2x faster, 5e-7 off).
    helper.make_node("Cast", ["logits"], ["x"], to=TensorProto.DOUBLE),
    helper.make_node("ReduceMax", ["x"], ["m"], axes=[1], keepdims=1),
    helper.make_node("Sub", ["x", "m"], ["z"]),
    helper.make_node("Exp", ["z"], ["e"]),
    helper.make_node("ReduceSum", ["e", "axes"], ["s"], keepdims=1),
    helper.make_node("Log", ["s"], ["ls"]),
    helper.make_node("Mul", ["e", "z"], ["ez"]),
    helper.make_node("ReduceSum", ["ez", "axes"], ["w"], keepdims=1),
    helper.make_node("Div", ["w", "s"], ["mean_z"]),
    helper.make_node("Sub", ["ls", "mean_z"], ["entropy"]),
    helper.make_node("GatherElements", ["z", "target"], ["zt"], axis=1),
    helper.make_node("Sub", ["zt", "ls"], ["logprob"]),
    helper.make_node("ArgMax", ["logits"], ["argmax"], axis=1, keepdims=1),
]
graph = helper.make_graph(
    nodes,
    "token_stats",
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", "V"]),
     helper.make_tensor_value_info("target", TensorProto.INT64, ["N", 1])],
    [helper.make_tensor_value_info("logprob", TensorProto.DOUBLE, ["N", 1]),
     helper.make_tensor_value_info("entropy", TensorProto.DOUBLE, ["N", 1]),
     helper.make_tensor_value_info("argmax", TensorProto.INT64, ["N", 1])],
    initializer=[axes],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="longproxy")
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, os.path.join(here, "token-stats.onnx"))
