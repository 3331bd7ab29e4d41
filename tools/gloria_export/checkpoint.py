"""Reading Lightning checkpoints of GLoRIA (gloria-numerics §7, §10.12).

The official ``chexpert_resnet50.ckpt`` holds ``state_dict`` (keys prefixed ``gloria.``) and
``hyper_parameters`` (a pickled OmegaConf; omegaconf must be importable to unpickle it). Its config is
asserted against the values the serving side implements. Other checkpoints with the same layout may
carry an ``arch`` section under ``hyper_parameters.model`` (what ``GloriaConfig.to_dict`` writes);
without one their sizes are read from the tensors.
"""

from __future__ import annotations

import contextlib
import pickle
import re
from typing import Any, Dict, Optional, Tuple

import torch

from gloria_ref.config import GloriaConfig, ImageConfig, SimilarityConfig, TextConfig

OFFICIAL_BERT = "emilyalsentzer/Bio_ClinicalBERT"
OFFICIAL_VISION = "resnet_50"

# §10.12: the serving side implements exactly these.
OFFICIAL_VALUES = {
    "data.image.imsize": 256,
    "transforms.random_crop.crop_size": 224,
    "transforms.norm": "half",
    "data.text.word_num": 97,
    "model.text.last_n_layers": 4,
    "model.text.aggregate_method": "sum",
    "model.text.agg_tokens": True,
    "model.text.norm": False,
    "model.text.embedding_dim": 768,
    "model.gloria.temp1": 4.0,
    "model.gloria.temp2": 5.0,
    "model.gloria.temp3": 10.0,
    "model.text.bert_type": OFFICIAL_BERT,
    "model.vision.model_name": OFFICIAL_VISION,
}
# Settings the exported graphs and the TypeScript runtime cannot express otherwise, for any model.
REQUIRED_VALUES = {
    "transforms.norm": "half",
    "model.text.aggregate_method": "sum",
    "model.text.agg_tokens": True,
    "model.text.norm": False,
}

_MISSING = object()


def hp_get(hp: Any, dotted: str, default: Any = _MISSING) -> Any:
    """Read ``a.b.c`` from an OmegaConf DictConfig or nested dicts."""
    node = hp
    for part in dotted.split("."):
        try:
            node = node[part]
        except Exception:  # KeyError, omegaconf's ConfigKeyError, TypeError on None
            if default is _MISSING:
                raise KeyError(f"hyper_parameters has no {dotted}") from None
            return default
    return node


def to_container(hp: Any) -> Any:
    """Plain Python data for the manifest's provenance."""
    try:
        from omegaconf import OmegaConf

        if OmegaConf.is_config(hp):
            return OmegaConf.to_container(hp, resolve=False)
    except ImportError:
        pass
    return hp


class _Unavailable:
    """Stands in for a pickled class whose package is not installed (Lightning keys its callback
    states by class; optimizer and logger objects may appear too). The exporter never reads them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _LenientUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            if module.split(".")[0] == "omegaconf":
                raise  # the hyper-parameters are needed: omegaconf must be installed
            return type(name, (_Unavailable,), {"__module__": module})


@contextlib.contextmanager
def _lenient_unpickling():
    # torch.load builds its unpickler on ``pickle.Unpickler`` at call time, and torch 1.13 ignores a
    # ``pickle_module`` argument unless weights_only is set, so the class is swapped for the call.
    original = pickle.Unpickler
    pickle.Unpickler = _LenientUnpickler  # type: ignore[misc]
    try:
        yield
    finally:
        pickle.Unpickler = original  # type: ignore[misc]


def load_checkpoint(path: str) -> Tuple[Dict[str, torch.Tensor], Any]:
    """(state dict with the ``gloria.`` prefixes stripped and position_ids dropped, hyper_parameters).

    pytorch_lightning need not be installed: objects of classes that cannot be imported load as
    placeholders (omegaconf is required, for the hyper-parameters)."""
    with _lenient_unpickling():
        # The official checkpoint pickles an OmegaConf config: it is not a weights-only file.
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if "state_dict" not in ckpt:
        raise ValueError(f"{path}: not a Lightning checkpoint (no state_dict)")
    hp = ckpt.get("hyper_parameters", {})
    # Lightning stores a module's single config argument either as the hparams or under its name.
    if not _has(hp, "model") and isinstance(hp, dict) and len(hp) == 1:
        hp = next(iter(hp.values()))
    state: Dict[str, torch.Tensor] = {}
    for key, value in ckpt["state_dict"].items():
        idx = key.rfind("gloria.")
        if idx < 0:
            continue
        name = key[idx + len("gloria.") :]
        if name.endswith("position_ids"):
            continue  # a transformers 4.2.1 buffer, not a weight (§7)
        state[name] = value
    if not state:
        raise ValueError(f"{path}: no tensor key contains 'gloria.'")
    return state, hp


def _has(hp: Any, key: str) -> bool:
    try:
        return key in hp
    except TypeError:
        return False


def is_official(hp: Any) -> bool:
    return (
        hp_get(hp, "model.text.bert_type", None) == OFFICIAL_BERT
        and hp_get(hp, "model.vision.model_name", None) == OFFICIAL_VISION
    )


def check_hyper_parameters(hp: Any) -> None:
    """Assert the config values the export relies on (§10.12); raises ValueError listing all."""
    expected = OFFICIAL_VALUES if is_official(hp) else REQUIRED_VALUES
    bad = []
    for key, want in expected.items():
        got = hp_get(hp, key, None)
        if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
            ok = float(got) == want
        else:
            ok = got == want
        if not ok:
            bad.append(f"{key} = {got!r} (expected {want!r})")
    if bad:
        raise ValueError("checkpoint config differs from what the export supports: " + "; ".join(bad))


def _count_blocks(state: Dict[str, torch.Tensor], prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r"(\d+)\.")
    idx = {int(m.group(1)) for k in state for m in [pat.match(k)] if m}
    return max(idx) + 1 if idx else 0


def infer_config(state: Dict[str, torch.Tensor], hp: Any) -> GloriaConfig:
    """The model's sizes: the ``model.arch`` section when present, else read from the tensors."""
    arch = hp_get(hp, "model.arch", None)
    sim = SimilarityConfig(
        temp1=float(hp_get(hp, "model.gloria.temp1", 4.0)),
        temp2=float(hp_get(hp, "model.gloria.temp2", 5.0)),
        temp3=float(hp_get(hp, "model.gloria.temp3", 10.0)),
    )
    if arch is not None:
        cfg = GloriaConfig.from_dict(to_container(arch))
        cfg = GloriaConfig(image=cfg.image, text=cfg.text, similarity=sim)
    else:
        img = "img_encoder.model."
        width = state[img + "conv1.weight"].shape[0]
        layers = tuple(_count_blocks(state, f"{img}layer{i}.") for i in range(1, 5))
        bert = "text_encoder.model."
        hidden = state[bert + "embeddings.word_embeddings.weight"].shape[1]
        n_layers = _count_blocks(state, bert + "encoder.layer.")
        heads = 12 if is_official(hp) else int(hp_get(hp, "model.text.num_heads", max(1, hidden // 64)))
        image = ImageConfig(
            layers=layers,  # type: ignore[arg-type]
            width=width,
            input_resize=hp_get(hp, "model.vision.input_resize", 299),
            imsize=int(hp_get(hp, "data.image.imsize", 256)),
            crop=int(hp_get(hp, "transforms.random_crop.crop_size", 224)),
            norm=str(hp_get(hp, "transforms.norm", "half")),
        )
        text = TextConfig(
            vocab_size=state[bert + "embeddings.word_embeddings.weight"].shape[0],
            hidden=hidden,
            layers=n_layers,
            heads=heads,
            ffn=state[bert + "encoder.layer.0.intermediate.dense.weight"].shape[0],
            max_positions=state[bert + "embeddings.position_embeddings.weight"].shape[0],
            type_vocab=state[bert + "embeddings.token_type_embeddings.weight"].shape[0],
            max_length=int(hp_get(hp, "data.text.word_num", 97)),
            last_n_layers=int(hp_get(hp, "model.text.last_n_layers", 4)),
        )
        cfg = GloriaConfig(image=image, text=text, similarity=sim)
    _check_sizes(cfg, state)
    return cfg


def _check_sizes(cfg: GloriaConfig, state: Dict[str, torch.Tensor]) -> None:
    d = cfg.embedding_dim
    want = {
        "img_encoder.global_embedder.weight": (d, cfg.image.global_channels),
        "img_encoder.local_embedder.weight": (d, cfg.image.local_channels, 1, 1),
        "text_encoder.model.embeddings.word_embeddings.weight": (cfg.text.vocab_size, cfg.text.hidden),
    }
    for key, shape in want.items():
        got = tuple(state[key].shape)
        if got != shape:
            raise ValueError(f"{key} has shape {got}, config implies {shape}")
    if cfg.text.hidden % cfg.text.heads:
        raise ValueError(f"hidden {cfg.text.hidden} is not a multiple of heads {cfg.text.heads}")
    if cfg.text.last_n_layers > cfg.text.layers + 1:
        raise ValueError("last_n_layers exceeds the number of hidden states")


def lightning_checkpoint(state: Dict[str, torch.Tensor], hp: Any, prefix: str = "gloria.") -> Dict[str, Any]:
    """A Lightning-like checkpoint dict as the official one is laid out."""
    return {
        "epoch": 0,
        "global_step": 0,
        "pytorch-lightning_version": "1.1.4",
        "state_dict": {prefix + k: v for k, v in state.items()},
        "hyper_parameters": hp,
    }


def official_hyper_parameters(extra: Optional[Dict[str, Any]] = None):
    """An OmegaConf config with the official values of §10.12 (the structure of
    configs/chexpert_pretrain_config.yaml, reduced to what inference reads)."""
    from omegaconf import OmegaConf

    cfg = {
        "experiment_name": "gloria_pretrain_v1",
        "phase": "pretrain",
        "model": {
            "norm": False,
            "gloria": {"local_loss_weight": 1.0, "global_loss_weight": 1.0, "temp1": 4.0, "temp2": 5.0, "temp3": 10.0},
            "vision": {"model_name": OFFICIAL_VISION, "freeze_cnn": False, "pretrained": True},
            "text": {
                "bert_type": OFFICIAL_BERT,
                "last_n_layers": 4,
                "aggregate_method": "sum",
                "norm": False,
                "embedding_dim": 768,
                "freeze_bert": False,
                "agg_tokens": True,
            },
        },
        "data": {
            "dataset": "chexpert",
            "text": {"word_num": 97, "captions_per_image": 5, "full_report": True},
            "image": {"imsize": 256},
        },
        "transforms": {"norm": "half", "random_crop": {"crop_size": 224}},
    }
    if extra:
        cfg = _deep_merge(cfg, extra)
    return OmegaConf.create(cfg)


def _deep_merge(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
