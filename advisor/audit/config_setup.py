"""An advisor TrainingConfig (or any TrainingSetup, e.g. a Recommendation) as a
:class:`NormalizedSetup`, so configs and Keras files are audited by the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .keras_graph import Node, output_info, resolve_layers
from .keras_names import CONFIG_SCHEDULES, INPUT_CLASSES, OPTIMIZER_ALIASES, OPTIMIZER_DEFAULTS
from .keras_values import (as_number, dtype_name, first_of, loss_name, metric_names, shape_of,
                           split_entry, unbatched_shape)
from .setup import LossInfo, NormalizedSetup, OptimizerInfo

if TYPE_CHECKING:  # pragma: no cover
    from ..models import TrainingSetup


def setup_from_config(config: "TrainingSetup", source: str = "") -> NormalizedSetup:
    """A NormalizedSetup from an advisor :class:`~advisor.models.TrainingConfig` (or any
    TrainingSetup, e.g. a Recommendation)."""
    layers = config.model.layers
    flat_nodes: list[Node] = []
    input_shape: Optional[list[Optional[int]]] = None
    input_dtype: Optional[str] = None
    for position, layer in enumerate(layers):
        cls, arguments = split_entry(layer)
        if cls is None:
            continue
        if cls in INPUT_CLASSES:
            if input_shape is None:
                input_shape = (unbatched_shape(arguments.get("shape"))
                               or shape_of(first_of(arguments, "batch_shape", "batch_input_shape")))
                input_dtype = dtype_name(arguments.get("dtype")) or "float32"
            continue
        pred = len(flat_nodes) - 1 if flat_nodes else None
        name = arguments.get("name") if cls != "Backbone" else None
        flat_nodes.append(Node(cls, arguments, str(name or ""), f"model.layers[{position}]",
                                pred, None))
    infos, ranks = resolve_layers(flat_nodes, len(input_shape) if input_shape else None)
    output = len(flat_nodes) - 1 if flat_nodes else None
    loss = LossInfo(name=loss_name(config.loss.name), from_logits=config.loss.from_logits)
    extras = config.optimizer.model_extra or {}
    name = config.optimizer.name.lower()
    name = OPTIMIZER_ALIASES.get(name, name)
    defaults = OPTIMIZER_DEFAULTS.get(name, {})
    optimizer: dict[str, Any] = {"name": name, "learning_rate": config.optimizer.learning_rate}
    for key in ("epsilon", "momentum", "weight_decay", "nesterov", "clipnorm"):
        value = extras.get(key, defaults.get(key))
        optimizer[key] = (value if key == "nesterov" and isinstance(value, bool)
                          else as_number(value))
    if config.lr_schedule is not None:
        schedule = config.lr_schedule.name
        optimizer["schedule"] = CONFIG_SCHEDULES.get(
            schedule, "".join(part.title() for part in schedule.split("_")))
    training = config.training
    regularization = config.regularization
    return NormalizedSetup(
        source=source, format="config", model_class="Sequential", input_shape=input_shape,
        input_dtype=input_dtype if input_shape is not None else None, layers=infos,
        output=output_info(flat_nodes, infos, ranks, output), loss=loss,
        optimizer=OptimizerInfo(**optimizer),
        metrics=metric_names(list(config.metrics)),
        batch_size=training.batch_size, epochs=training.epochs,
        validation_split=training.validation_split, class_weight=training.class_weight,
        early_stopping=regularization.early_stopping is not None,
        preprocessing=[dict(step) for step in config.preprocessing],
        profile=getattr(config, "profile", None))
