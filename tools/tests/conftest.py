"""Settings shared by the reference suite: torch runs on one thread. The tests import gloria_ref,
gloria_export, gloria_goldens and phantom from tools/ through pytest's `pythonpath` (tools/pyproject.toml)."""

import torch

torch.set_num_threads(1)
