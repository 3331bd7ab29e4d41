"""The exporter of gloria-search: a GLoRIA checkpoint -> the model folder of docs/model-contract.md
(docs/exporter.md), and a model folder -> its fp16 or int8 variant (docs/precision.md).

Modules:
- ``checkpoint``: reading Lightning checkpoints and their hyper-parameters (gloria-numerics §7, §10.12).
- ``onnx_export``, ``tokenizer_json``, ``export``: the model folder of docs/model-contract.md.
- ``precision``: fp16 conversion and int8 dynamic quantisation of an exported folder.

Builds on the reference maths in ``gloria_ref``; never imports ``gloria_goldens`` (tools/tests/test_layout.py).
"""
