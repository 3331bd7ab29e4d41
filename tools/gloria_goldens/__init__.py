"""Golden writers of gloria-search: seeded synthetic GLoRIA models, the golden fixtures computed from
them with the reference (tests/fixtures/golden/), and the local-similarity kernels (models/kernels/).

Modules:
- ``synthetic``: a seeded WordPiece vocab, non-degenerate random weights and their Lightning checkpoint.
- ``goldens``: the golden fixtures of a model folder.
- ``kernels``: the local-similarity ONNX kernels that tools/make-kernels writes.

Builds on ``gloria_ref`` (maths) and ``gloria_export`` (exporter); neither imports it (tools/tests/test_layout.py).
"""
