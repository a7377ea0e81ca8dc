"""A Keras model config (``{"class_name", "config"}``) as a :class:`NormalizedSetup`: the layer
graph flattened, the output found, the compile config read.

How the model config is normalized:

* Layers are listed in execution order (a Functional model's config order is topological);
  nested models (a Sequential or Functional used as a layer) are flattened in place, their
  layers' ``path`` is ``"inner/dense"`` (the outermost model's name is left out, so a top-level
  layer's path is its name). ``InputLayer`` entries are not listed as layers: the first input of
  the outermost model gives ``input_shape`` and ``input_dtype``. In an advisor config, each
  layer's ``path`` is where it is in the file, ``model.layers[i]``.
* ``Bidirectional`` / ``TimeDistributed`` take units, activation, initializer, regularizer and
  ``return_sequences`` from the wrapped layer.
* ``rate`` is the rate of Dropout-family layers, and also the largest of ``dropout`` /
  ``recurrent_dropout`` of layers that drop out internally (RNNs, attention, the advisor's
  ``TransformerBlock``) when above zero.
* ``output_rank`` comes from the shapes the file records (``build_config.input_shape`` and the
  Functional tensors' shapes) and is otherwise inferred along the layer list.
* The output (:class:`OutputInfo`) is the model's first output, looking back through trailing
  activation layers (Activation, Softmax, ReLU, ...) and shape-only or noise layers (Reshape,
  Dropout, ...) to the layer that has units; the effective activation is the last non-linear
  one applied. A model that ends in a layer the reader cannot interpret gets activation
  ``"other"``.
* Every output of a multi-output model is audited on its own path: ``layers``, ``output``,
  ``loss`` and ``metrics`` are the first output's (only the layers it depends on: the other
  heads would read as hidden layers), ``extra_heads`` hold the others, each with its own layers
  and its loss and metrics (picked from a per-output list or a dict by output name; a single
  loss or metric list given once applies to every output).
* A layer of a user's own class (``package>Class``, or a module that is not Keras's) is kept by
  name and reported under ``unchecked``: its activation and shape are unknown, so the checks
  that would look through it do not.
* Losses, metrics, activations and initializers become Keras's snake_case names (``mse`` ->
  ``mean_squared_error``, ``AUC`` -> ``auc``); unknown or custom losses are ``other:<name>``.
* Floats that Keras stored as float32 (0.10000000149011612) are rounded to 7 significant digits.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..errors import AdvisorError
from ..vocab import ACTIVATION_LAYERS, DROPOUT_LAYERS
from .keras_names import (GLOBAL_POOLING, INPUT_CLASSES, LINEAR_DEFAULT, MODEL_CLASSES, RNN_CLASSES,
                          SAME_RANK, SPATIAL, TRANSPARENT, WRAPPERS, is_custom_entry)
from .keras_values import (activation_layer_name, activation_name, as_int, as_number, bare_name,
                           dtype_name, first_of, initializer_info, loss_info, metric_names,
                           optimizer_info, regularizer_info, shape_of, split_entry, unbatched_shape)
from .setup import HeadInfo, LayerInfo, NormalizedSetup, OutputInfo, UncheckedItem

# -- layers ---------------------------------------------------------------------------------------

def layer_fields(cls: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """What a layer's config tells the audit (LayerInfo fields, without index/name/path)."""
    fields: dict[str, Any] = {}
    inner_cls, inner = cls, config
    if cls in WRAPPERS:
        wrapped_cls, wrapped = split_entry(config.get("layer"))
        if wrapped_cls is not None:
            inner_cls, inner = wrapped_cls, wrapped
    cell_cls, cell = split_entry(inner.get("cell")) if inner_cls == "RNN" else (None, {})
    units_from = cell if cell_cls else inner
    units = as_int(units_from.get("units"))
    if units is None:
        units = as_int(inner.get("filters"))
    fields["units"] = units
    if cls in ACTIVATION_LAYERS:
        fields["activation"] = activation_layer_name(cls, config)
    elif "activation" in units_from:
        fields["activation"] = activation_name(units_from.get("activation"))
    elif LINEAR_DEFAULT.match(inner_cls):
        fields["activation"] = "linear"
    elif inner_cls in RNN_CLASSES and inner_cls != "RNN":
        fields["activation"] = "tanh"
    if cls in DROPOUT_LAYERS:
        fields["rate"] = as_number(config.get("rate"))
    else:
        given = (inner.get("dropout"), inner.get("recurrent_dropout"), cell.get("dropout"),
                 cell.get("recurrent_dropout"))
        rates = [r for r in map(as_number, given) if r is not None and r > 0]
        if rates:
            fields["rate"] = max(rates)
    use_bias = units_from.get("use_bias")
    if isinstance(use_bias, bool):
        fields["use_bias"] = use_bias
    fields["kernel_initializer"] = initializer_info(first_of(
        units_from, "kernel_initializer", "depthwise_initializer", "pointwise_initializer"))
    fields["kernel_regularizer"] = regularizer_info(first_of(
        units_from, "kernel_regularizer", "depthwise_regularizer", "pointwise_regularizer",
        "embeddings_regularizer"))
    if inner_cls in RNN_CLASSES:
        fields["return_sequences"] = bool(inner.get("return_sequences", False))
    if cls == "Rescaling":
        scale = config.get("scale")
        if isinstance(scale, (list, tuple)):
            numbers = [as_number(s) for s in scale]
            scale = max((n for n in numbers if n is not None), default=None)
        fields["scale"] = as_number(scale)
    return {k: v for k, v in fields.items() if v is not None}

MAX_NESTING = 64
"""Deepest nesting of models inside models that is read."""
MAX_LAYERS = 200_000
"""Most layers a model may have (every check is linear in this; 50,000 take well under 1 s)."""


def _output_rank(cls: str, config: Mapping[str, Any], in_rank: Optional[int]) -> Optional[int]:
    """Rank (without batch axis) of a layer's output, from its class and its input's rank."""
    if cls in WRAPPERS:
        inner_cls, inner = split_entry(config.get("layer"))
        if inner_cls is None:
            return None
        if cls == "Bidirectional":
            return _output_rank(inner_cls, inner, in_rank)
        inner_rank = _output_rank(inner_cls, inner, None if in_rank is None else in_rank - 1)
        return None if inner_rank is None else inner_rank + 1
    if cls in SAME_RANK or cls in ACTIVATION_LAYERS:
        return in_rank
    if cls == "Flatten":
        return 1
    if GLOBAL_POOLING.match(cls):
        return in_rank if config.get("keepdims") else 1
    match = SPATIAL.match(cls)
    if match:
        return int(next(g for g in match.groups() if g and g.isdigit())) + 1
    if cls == "Reshape":
        target = config.get("target_shape")
        return len(target) if isinstance(target, (list, tuple)) else None
    if cls == "RepeatVector":
        return 2
    if cls in ("Embedding", "TokenAndPositionEmbedding"):
        return (in_rank or 1) + 1
    if cls in RNN_CLASSES:
        if config.get("return_sequences"):
            return in_rank if in_rank is not None else (2 if not cls.startswith("Conv") else None)
        if in_rank is not None:
            return in_rank - 1
        return 1 if not cls.startswith("Conv") else None
    if cls == "EinsumDense":
        shape = config.get("output_shape")
        if isinstance(shape, (list, tuple)):
            return len(shape)
        return 1 if as_int(shape) is not None else None
    if cls == "Backbone":
        return 1 if config.get("pooling") in ("avg", "max") else in_rank
    return None


class Node:
    __slots__ = ("cls", "config", "name", "path", "pred", "in_shape", "others", "custom")

    def __init__(self, cls: str, config: dict[str, Any], name: str, path: str,
                 pred: Optional[int], in_shape: Optional[list[Optional[int]]],
                 others: Optional[list[int]] = None, custom: bool = False):
        self.cls, self.config, self.name, self.path = cls, config, name, path
        self.pred, self.in_shape = pred, in_shape
        self.others = others or []  # producers of the further inputs (merge layers)
        self.custom = custom  # a user's own layer class


class _Flattener:
    """Flattens a (possibly nested) Keras model config into nodes in execution order."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.input_shape: Optional[list[Optional[int]]] = None
        self.input_dtype: Optional[str] = None
        self.output_names: list[str] = []
        self.output_nodes: list[Optional[int]] = []  # the node computing each output
        self._input_recorded = False

    def _record_input(self, config: Mapping[str, Any], depth: int) -> Optional[list]:
        shape = shape_of(first_of(config, "batch_shape", "batch_input_shape"))
        if shape is None and config.get("shape") is not None:
            shape = unbatched_shape(config.get("shape"))
        if depth == 0 and not self._input_recorded:  # the first InputLayer wins
            self._input_recorded = True
            self.input_shape = shape if shape is not None else self.input_shape
            self.input_dtype = dtype_name(config.get("dtype"))
        return shape

    def model(self, entry: Mapping[str, Any], prefix: str, pred: Optional[int],
              depth: int = 0) -> Optional[int]:
        """Add a model's layers; the index of the node that computes its first output."""
        if depth > MAX_NESTING:
            raise AdvisorError(f"models nested more than {MAX_NESTING} deep")
        cls, config = split_entry(entry)
        layers = config.get("layers")
        if isinstance(entry.get("config"), list):  # Keras <= 2.2 Sequential: config is the list
            layers = entry["config"]
        if not isinstance(layers, list):
            return pred
        if depth == 0 and self.input_shape is None:
            build = shape_of(config.get("build_input_shape"))
            if build is not None:
                self.input_shape = build
        if cls != "Sequential" and "output_layers" in config:
            return self._functional(config, layers, prefix, pred, depth)
        for layer in layers:
            pred = self._add(layer, prefix, pred, depth, None)
        return pred

    def _functional(self, config: Mapping[str, Any], layers: list, prefix: str,
                    pred: Optional[int], depth: int) -> Optional[int]:
        produced: dict[str, Optional[int]] = {}
        for layer in layers:
            if not isinstance(layer, Mapping):
                continue
            _, layer_config = split_entry(layer)
            name = layer.get("name") or layer_config.get("name") or ""
            source, in_shape = _inbound(layer.get("inbound_nodes"))
            layer_pred = produced.get(source, pred) if source is not None else pred
            others = [produced[other] for other in _inbound_names(layer.get("inbound_nodes"))[1:]
                      if produced.get(other) is not None]
            produced[str(name)] = self._add(layer, prefix, layer_pred, depth, in_shape, others)
        outputs = _output_names(config.get("output_layers"))
        if depth == 0:
            self.output_names = outputs
            self.output_nodes = [produced.get(name) for name in outputs]
        if outputs and outputs[0] in produced:
            return produced[outputs[0]]
        return next(reversed(produced.values()), pred) if produced else pred

    def _add(self, layer: Any, prefix: str, pred: Optional[int], depth: int,
             in_shape: Optional[list], others: Optional[list[int]] = None) -> Optional[int]:
        cls, config = split_entry(layer)
        if cls is None:
            return pred
        name = str(config.get("name") or (layer.get("name") if isinstance(layer, Mapping)
                                          else "") or "")
        if cls in INPUT_CLASSES:
            self._record_input(config, depth)
            return pred
        if cls in MODEL_CLASSES and (isinstance(config.get("layers"), list)
                                     or isinstance(layer.get("config"), list)):
            inner_prefix = f"{prefix}{name}/" if name else prefix
            return self.model(layer, inner_prefix, pred, depth + 1)
        if depth == 0 and self.input_shape is None and not self.nodes:
            first = shape_of(first_of(config, "batch_shape", "batch_input_shape"))
            if first is not None:  # Keras 2 Sequential without InputLayer
                self.input_shape, self.input_dtype = first, dtype_name(config.get("dtype"))
        build = layer.get("build_config") if isinstance(layer, Mapping) else None
        recorded = shape_of(build.get("input_shape")) if isinstance(build, Mapping) else None
        if recorded is None:
            recorded = in_shape or shape_of(config.get("batch_input_shape"))
        if len(self.nodes) >= MAX_LAYERS:
            raise AdvisorError(f"the model has more than {MAX_LAYERS} layers, the limit of what "
                               "is read")
        self.nodes.append(Node(cls, config, name, prefix + name, pred, recorded, others,
                               is_custom_entry(layer)))
        return len(self.nodes) - 1


def _inbound(nodes: Any) -> tuple[Optional[str], Optional[list]]:
    """The first inbound layer name of a Functional layer's first node, and that tensor's shape
    where recorded (Keras 3 ``__keras_tensor__``; Keras 2 ``[[["name", 0, 0, {}]]]``)."""
    if not isinstance(nodes, list) or not nodes:
        return None, None
    found = _find_tensor(nodes[0], 0)
    return found if found is not None else (None, None)


def _inbound_names(nodes: Any) -> list[str]:
    """Every inbound layer name of a Functional layer's first node, in order."""
    names: list[str] = []
    if isinstance(nodes, list) and nodes:
        _collect_tensors(nodes[0], names, 0)
    return names


def _collect_tensors(value: Any, names: list[str], depth: int) -> None:
    if depth > 8 or len(names) > 256:
        return
    if isinstance(value, Mapping):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, Mapping):
            history = config.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                names.append(history[0])
            return
        for key in ("args", "kwargs"):
            if key in value:
                _collect_tensors(value[key], names, depth + 1)
        return
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and as_int(value[1]) is not None:
            names.append(value[0])
            return
        for item in value:
            _collect_tensors(item, names, depth + 1)


def _first_output_only(nodes: list[Node], output: int) -> tuple[list[Node], int]:
    """The nodes one output depends on (each output of a multi-output model is audited on
    its own path: the other heads would read as hidden layers)."""
    keep: set[int] = set()
    stack = [output]
    while stack:
        index = stack.pop()
        if index in keep:
            continue
        keep.add(index)
        node = nodes[index]
        stack.extend(i for i in [node.pred, *node.others] if i is not None)
    new_index = {old: new for new, old in enumerate(sorted(keep))}
    kept = []
    for old in sorted(keep):
        node = nodes[old]
        kept.append(Node(node.cls, node.config, node.name, node.path,
                          new_index.get(node.pred) if node.pred is not None else None,
                          node.in_shape, [new_index[i] for i in node.others if i in new_index],
                          node.custom))
    return kept, new_index[output]


def _find_tensor(value: Any, depth: int) -> Optional[tuple[Optional[str], Optional[list]]]:
    if depth > 8:
        return None
    if isinstance(value, Mapping):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, Mapping):
            history = config.get("keras_history")
            name = history[0] if isinstance(history, list) and history else None
            return (str(name) if name is not None else None), shape_of(config.get("shape"))
        for key in ("args", "kwargs"):
            if key in value:
                found = _find_tensor(value[key], depth + 1)
                if found is not None:
                    return found
        return None
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and as_int(value[1]) is not None:
            return value[0], None
        for item in value:
            found = _find_tensor(item, depth + 1)
            if found is not None:
                return found
    return None


def _output_names(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):  # Keras 3, one output: ["name", 0, 0]
        return [value[0]]
    return [item[0] for item in value if isinstance(item, list) and item
            and isinstance(item[0], str)]


def resolve_layers(nodes: list[Node], model_rank: Optional[int]
                    ) -> tuple[list[LayerInfo], list[Optional[int]]]:
    """LayerInfos and output ranks: recorded shapes first, inference along the list second."""
    observed: dict[int, int] = {}
    for node in nodes:
        if node.pred is not None and node.in_shape is not None:
            observed.setdefault(node.pred, len(node.in_shape))
    ranks: list[Optional[int]] = []
    infos = []
    for index, node in enumerate(nodes):
        if node.in_shape is not None:
            in_rank: Optional[int] = len(node.in_shape)
        elif node.pred is not None:
            in_rank = ranks[node.pred]
        else:
            in_rank = model_rank
        rank = observed.get(index)
        if rank is None:
            rank = _output_rank(node.cls, node.config, in_rank)
        ranks.append(rank)
        fields = layer_fields(node.cls, node.config)
        infos.append(LayerInfo(index=index, name=node.name, path=node.path, class_name=node.cls,
                               input_shape=node.in_shape, output_rank=rank, **fields))
    return infos, ranks


def output_info(nodes: list[Node], infos: list[LayerInfo], ranks: list[Optional[int]],
                 output: Optional[int]) -> Optional[OutputInfo]:
    if output is None or not infos:
        return None
    activation: Optional[str] = None
    index: Optional[int] = output
    seen = set()
    while index is not None and index not in seen:
        seen.add(index)
        info = infos[index]
        if info.class_name in ACTIVATION_LAYERS:
            if activation is None and info.activation not in (None, "linear"):
                activation = info.activation
        elif info.class_name in TRANSPARENT:
            pass
        elif info.units is not None:
            if activation is None:
                activation = info.activation or "linear"
            return OutputInfo(layer=info.path or info.name, units=info.units,
                              activation=activation, rank=ranks[output])
        else:
            break
        index = nodes[index].pred
    last = infos[output]
    if activation is None:
        # only activation layers back to the input: they act on the input; else unreadable
        activation = "linear" if index is None and last.class_name in ACTIVATION_LAYERS \
            else "other"
    return OutputInfo(layer=last.path or last.name, units=None, activation=activation,
                      rank=ranks[output])


def setup_from_keras_config(model_config: Mapping[str, Any],
                            compile_config: Optional[Mapping[str, Any]], *, source: str = "",
                            format: str = "json") -> NormalizedSetup:
    """A NormalizedSetup from a Keras model config (``{"class_name", "config"}``) and its compile
    config (Keras 3 ``compile_config``: optimizer, loss, metrics, weighted_metrics; h5
    ``training_config`` with ``optimizer_config`` is accepted too)."""
    if not isinstance(model_config, Mapping) or not isinstance(model_config.get("class_name"),
                                                                 str):
        raise AdvisorError("not a Keras model config: no class_name", where=source or None)
    flat = _Flattener()
    try:
        output = flat.model(model_config, "", None)
    except AdvisorError as exc:
        raise AdvisorError(str(exc), where=source or None) from None
    outputs = flat.output_names
    # (output position, node): the position picks the head's loss from a list or dict
    heads = [(i, node) for i, node in enumerate(flat.output_nodes) if node is not None] \
        if len(outputs) > 1 else []
    if not heads:
        heads = [(0, output)]
    compile_config = compile_config if isinstance(compile_config, Mapping) else {}
    model_rank = len(flat.input_shape) if flat.input_shape is not None else None
    unchecked = _custom_layers(flat)
    setup: dict[str, Any] = {
        "source": source, "format": format, "model_class": bare_name(model_config["class_name"]),
        "input_shape": flat.input_shape, "input_dtype": flat.input_dtype,
    }
    extra = []
    for position, (index, head) in enumerate(heads):
        nodes, node = (_first_output_only(flat.nodes, head) if len(outputs) > 1 and head is not None
                       else (flat.nodes, head))
        infos, ranks = resolve_layers(nodes, model_rank)
        info = output_info(nodes, infos, ranks, node)
        unchecked.extend(_custom_output(nodes, node, info))
        fields: dict[str, Any] = {"layers": infos, "output": info}
        if compile_config:
            fields["loss"] = loss_info(compile_config.get("loss"), outputs, index)
            metrics = metric_names(compile_config.get("metrics"), outputs, index)
            for name in metric_names(compile_config.get("weighted_metrics"), outputs, index):
                if name not in metrics:
                    metrics.append(name)
            fields["metrics"] = metrics
        if position == 0:
            setup.update(fields)
        else:
            extra.append(HeadInfo(**fields))
    setup["extra_heads"] = extra
    if compile_config:
        setup["optimizer"] = optimizer_info(first_of(compile_config, "optimizer",
                                                   "optimizer_config"))
    unchecked.extend(_compile_unchecked(compile_config, setup, format))
    setup["unchecked"] = _dedupe(unchecked)
    return NormalizedSetup(**setup)


def _compile_unchecked(compile_config: Mapping[str, Any], setup: Mapping[str, Any],
                       format: str) -> list[UncheckedItem]:
    """The loss and optimizer checks a file without them cannot have."""
    if not compile_config:
        reason = ("the Keras JSON holds no compile config: model.to_json() was called before "
                  "compile() (tf.keras 2 never writes one)" if format == "json" else
                  "the model was saved without compile()")
        return [UncheckedItem(what="loss, optimizer, learning-rate and metrics checks",
                              reason=reason)]
    items = []
    if setup.get("loss") is None:
        items.append(UncheckedItem(what="loss checks", reason="the compile config names no "
                                   "loss the reader can read"))
    if setup.get("optimizer") is None:
        items.append(UncheckedItem(what="optimizer and learning-rate checks",
                                   reason="the compile config names no optimizer the reader "
                                   "can read"))
    return items


def _custom_layers(flat: "_Flattener") -> list[UncheckedItem]:
    """What a layer of a user's own class keeps from being checked (the reader never runs
    it: it knows only what its config names)."""
    items = []
    for node in (n for n in flat.nodes if n.custom):
        items.append(UncheckedItem(
            what=f"checks that look through layer {node.path or node.name}",
            reason=f"layer class {node.cls} is not a Keras layer: its activation and output "
                   "shape are unknown, so no check treats it as linear or looks through it "
                   "(linear stacks, Dense on an unflattened output, the output layer walk) "
                   "and it is not counted as a weight layer"))
    return items


def _custom_output(nodes: list[Node], node: Optional[int],
                   info: Optional[OutputInfo]) -> list[UncheckedItem]:
    """The output checks, where the output is computed by a layer of a user's own class."""
    if node is None or info is None or info.units is not None:
        return []
    walked = [nodes[i] for i in _chain(nodes, node)]
    stop = next((n for n in walked if n.cls not in ACTIVATION_LAYERS | TRANSPARENT), None)
    if stop is None or not stop.custom:
        return []
    layer = stop
    return [UncheckedItem(
        what=f"output checks of {info.layer}",
        reason=f"the output is computed by layer {layer.path or layer.name} of class "
               f"{layer.cls}, which is not a Keras layer: its units and activation are unknown")]


def _chain(nodes: list[Node], index: int) -> list[int]:
    """The node and its first-input predecessors, back to the input."""
    seen: list[int] = []
    current: Optional[int] = index
    while current is not None and current not in seen:
        seen.append(current)
        current = nodes[current].pred
    return seen


def _dedupe(items: list[UncheckedItem]) -> list[UncheckedItem]:
    return list({(item.what, item.reason): item for item in items}.values())
