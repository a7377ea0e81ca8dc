"""A Keras training script (``train.py``) read with :mod:`ast` into a :class:`NormalizedSetup`.

The script is parsed, never imported or executed. A small evaluator walks the module's
statements (and the bodies of the functions it calls, with the arguments of the call) keeping
only what it can know for sure:

* Python literals and arithmetic on them (``LR = 1e-3``, ``EPOCHS = 10 * 5``), tuples, lists and
  dicts of them;
* Keras objects, however the module was imported (``keras``, ``tensorflow.keras``, ``tf.keras``,
  ``from keras import layers as L``, ``from keras.layers import Dense``): layers, models,
  optimizers and schedules, losses, metrics, callbacks, initializers and regularizers, kept as
  their class name and arguments;
* the model: ``Sequential([...])`` and ``.add(...)``, the functional API (``x = Dense(..)(x)``,
  ``Model(inputs, outputs)``; a multi-output model is audited on its first output), layers built
  in ``for`` loops over literal ranges and lists;
* ``compile`` and ``fit`` arguments, and where the training data comes from when a
  ``keras.datasets`` or image-folder loader provides it (whether the script scales it, and the
  class count that data set is known to have).

The model is handed to :func:`setup_from_keras_config` as the same Keras config a saved model
carries, so scripts are normalized exactly like ``.keras`` files. Whatever the evaluator cannot
know (a value computed at run time, an unknown function's result, a subclassed model's
``call``, a model loaded from a file) becomes an :class:`UncheckedItem`, never a guess.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import AdvisorError
from ..textio import read_limited
from .facts import FIT_UNREAD
from .keras_graph import setup_from_keras_config
from .keras_names import (KERAS_DATASETS, LAYER_POSITIONAL, LEGACY_OPTIMIZER_ARGUMENTS,
                          PIXEL_LOADERS, SCHEDULE_POSITIONAL, SHAPE_ONLY_CALLS)
from .keras_values import snake_name
from .setup import NormalizedSetup, NotASetupError, OptimizerInfo, SourceLocation, UncheckedItem

__all__ = ["MAX_SCRIPT_BYTES", "read_script", "script_setup"]

MAX_SCRIPT_BYTES = 4 * 1024 * 1024
"""Largest script read (a training script is a few kilobytes)."""
MAX_UNROLL = 256
"""Most iterations of a ``for`` loop unrolled; longer loops are reported unchecked."""
MAX_CALL_DEPTH = 12
"""Deepest chain of the script's own functions followed."""
MAX_STEPS = 200_000
"""Most statements and expressions evaluated per script (keeps hostile files bounded)."""

_KERAS_PREFIXES = (("tensorflow.python.keras", "keras"), ("tensorflow.keras", "keras"),
                   ("tf_keras", "keras"), ("keras.src", "keras"), ("keras.api", "keras"),
                   ("tensorflow.losses", "keras.losses"),
                   ("tensorflow.optimizers", "keras.optimizers"),
                   ("tensorflow.metrics", "keras.metrics"), ("tensorflow.nn", "keras.activations"))
_IGNORE = re.compile(r"#\s*advisor:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")
_CLASS_COUNT_NAMES = {"num_classes", "n_classes", "nb_classes", "number_of_classes",
                      "num_labels", "n_labels"}


# -- values ---------------------------------------------------------------------------------------

class Unknown:
    """A value the evaluator cannot know (computed at run time)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str = "computed at run time"):
        self.reason = reason


UNKNOWN = Unknown()


@dataclass(eq=False)
class KRef:
    """A Keras name (``keras.layers.Dense``), not yet called."""

    path: str


@dataclass(eq=False)
class KCall:
    """A Keras object: a called Keras class or function, with its (evaluated) arguments."""

    path: str
    args: list
    kwargs: dict
    line: int
    column: int
    star: bool = False  # called with *args / **kwargs: more arguments than shown

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def module(self) -> str:
        parts = self.path.split(".")
        return parts[1] if len(parts) > 2 else ""


@dataclass(eq=False)
class Tensor:
    """A symbolic tensor of the functional API: an Input or a layer's output."""

    node: "GraphNode"


@dataclass(eq=False)
class GraphNode:
    layer: Any  # a KCall (layer), a Model, or None for an Input
    inputs: list  # the Tensors fed in
    shape: Any = None  # Input(shape=...)
    line: int = 0
    column: int = 1
    order: int = 0
    name: str = ""


@dataclass(eq=False)
class Model:
    kind: str  # "sequential", "functional", "subclassed", "loaded", "other"
    line: int
    column: int
    layers: list = field(default_factory=list)  # sequential: KCall / Model / Unknown
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    compile: Optional[ast.Call] = None
    compile_args: dict = field(default_factory=dict)
    fit: Optional[ast.Call] = None
    fit_args: dict = field(default_factory=dict)
    name: str = ""
    reason: str = ""


@dataclass(eq=False)
class Data:
    """Training data from a known loader, followed through the script's transformations."""

    source: str  # a keras.datasets name, or "image_folder"
    role: str  # "x", "y" or "xy" (a dataset yielding both)
    scaled: Optional[bool] = False  # the script scaled it (None: unknown)
    one_hot: Optional[bool] = None  # y: to_categorical was applied
    n_classes: Optional[int] = None
    is_dataset: bool = False  # a tf.data pipeline / generator (fit ignores shuffle)
    line: int = 0


@dataclass(eq=False)
class Function:
    node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]
    scope: "Scope"


@dataclass(eq=False)
class UserClass:
    name: str
    kind: str  # "model", "layer", "other"
    line: int


class Scope:
    def __init__(self, parent: Optional["Scope"] = None):
        self.names: dict[str, Any] = {}
        self.parent = parent

    def get(self, name: str) -> Any:
        scope: Optional[Scope] = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def has(self, name: str) -> bool:
        scope: Optional[Scope] = self
        while scope is not None:
            if name in scope.names:
                return True
            scope = scope.parent
        return False


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class _TooMuch(Exception):
    pass


def _known(value: Any) -> bool:
    if isinstance(value, Unknown):
        return False
    if isinstance(value, (list, tuple)):
        return all(_known(v) for v in value)
    if isinstance(value, dict):
        return all(_known(v) for v in value.values())
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def keras_path(path: str) -> Optional[str]:
    """A dotted name as its ``keras.`` path (``tensorflow.keras.layers.Dense`` ->
    ``keras.layers.Dense``), or None when it is not Keras."""
    for prefix, replacement in _KERAS_PREFIXES:
        if path == prefix or path.startswith(prefix + "."):
            path = replacement + path[len(prefix):]
            break
    if path.startswith("keras.api._v2.keras"):
        path = "keras" + path[len("keras.api._v2.keras"):]
    parts = path.split(".")
    if parts[0] != "keras":
        return None
    # keras.src.layers.core.dense.Dense -> keras.layers.Dense (internal module paths)
    if len(parts) > 3 and parts[1] in ("layers", "optimizers", "losses", "metrics", "callbacks"):
        if parts[-1][:1].isupper() or parts[1] != "optimizers":
            path = f"keras.{parts[1]}.{parts[-1]}" if parts[2] != "schedules" else path
    return path


# -- the evaluator --------------------------------------------------------------------------------

class ScriptReader:
    def __init__(self, source: str):
        self.source = source
        self.aliases: dict[str, str] = {}  # local name -> dotted module path
        self.star_modules: list[str] = []
        self.uses_keras = False
        self.models: list[Model] = []
        self.unchecked: list[UncheckedItem] = []
        self._unchecked_keys: set[tuple[str, Optional[int]]] = set()
        self.datasets: list[Data] = []
        self.class_counts: list[int] = []
        self.depth = 0
        self.inlining: set[ast.AST] = set()  # the functions being inlined (to see recursion)
        self.steps = 0
        self.order = 0
        self.pixel_scaling_layers = False

    # bookkeeping
    def note(self, what: str, reason: str, node: Optional[ast.AST]) -> None:
        line = getattr(node, "lineno", None)
        key = (what, line)
        if key not in self._unchecked_keys:
            self._unchecked_keys.add(key)
            self.unchecked.append(UncheckedItem(what=what, reason=reason, line=line))

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _TooMuch()

    # imports
    def collect_imports(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.aliases.setdefault(root, root)
                    if alias.name.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
                        self.uses_keras = True
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if node.module.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
                    self.uses_keras = True
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(node.module)
                    else:
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def dotted(self, node: ast.AST) -> Optional[str]:
        """The dotted path of ``a.b.c`` where ``a`` is an imported name."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.reverse()
        base = self.aliases.get(node.id)
        if base is None:
            return None
        return ".".join([base, *parts])

    # statements
    def run_body(self, body: list, scope: Scope) -> None:
        for statement in body:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        self.tick()
        if isinstance(node, ast.Assign):
            value = self.eval(node.value, scope)
            for target in node.targets:
                self.assign(target, value, scope)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value, scope), scope)
        elif isinstance(node, ast.AugAssign):
            current = self.eval(node.target, scope) if isinstance(node.target, ast.Name) \
                else UNKNOWN
            value = self.binop(node.op, current, self.eval(node.value, scope), node)
            self.assign(node.target, value, scope)
        elif isinstance(node, ast.Expr):
            self.eval(node.value, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.names[node.name] = Function(node, scope)
        elif isinstance(node, ast.ClassDef):
            self.class_def(node, scope)
        elif isinstance(node, ast.Return):
            raise _Return(self.eval(node.value, scope) if node.value is not None else None)
        elif isinstance(node, ast.If):
            self.if_statement(node, scope)
        elif isinstance(node, ast.For):
            self.for_loop(node, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.eval(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, UNKNOWN if not isinstance(value, Data)
                                else value, scope)
            self.run_body(node.body, scope)
        elif isinstance(node, ast.Try):
            self.run_body(node.body, scope)
            self.run_body(node.orelse, scope)
            self.run_body(node.finalbody, scope)
        elif isinstance(node, ast.While):
            if self.touches_model(node):
                self.note("what the while loop builds", "a while loop's iterations are known "
                          "only at run time", node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            pass

    def class_def(self, node: ast.ClassDef, scope: Scope) -> None:
        kind = "other"
        for base in node.bases:
            path = self.keras_name(base, scope)
            value = self.eval(base, scope) if path is None else None
            if path in ("keras.Model", "keras.models.Model"):
                kind = "model"
            elif path is not None and path.startswith("keras.layers."):
                kind = "layer"
            elif isinstance(value, UserClass) and value.kind != "other":
                kind = value.kind
        scope.names[node.name] = UserClass(node.name, kind, node.lineno)

    def if_statement(self, node: ast.If, scope: Scope) -> None:
        test = node.test
        if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
                and test.left.id == "__name__"):
            self.run_body(node.body, scope)
            return
        value = self.eval(test, scope)
        if _known(value) and not isinstance(value, (KCall, KRef, Model, Data, Tensor)):
            self.run_body(node.body if value else node.orelse, scope)
            return
        if self.touches_model(node):
            self.note("the branch not taken at this if", "its condition is computed at run "
                      "time; the first branch was read", node)
        self.run_body(node.body, scope)

    def for_loop(self, node: ast.For, scope: Scope) -> None:
        items = self.eval(node.iter, scope)
        if isinstance(items, (list, tuple)) and len(items) <= MAX_UNROLL:
            for item in list(items):
                self.assign(node.target, item, scope)
                self.run_body(node.body, scope)
            if not node.orelse:
                return
            self.run_body(node.orelse, scope)
            return
        if self.touches_model(node):
            self.note("the layers built in this loop", "the loop runs over values known only "
                      "at run time (or over more than %d)" % MAX_UNROLL, node)
            for model in self.models:
                if model.kind == "sequential":
                    model.layers.append(Unknown("built in a loop"))
        self.assign(node.target, UNKNOWN, scope)

    def touches_model(self, node: ast.AST) -> bool:
        for child in ast.walk(node):
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Attribute) and func.attr in ("add", "compile", "fit"):
                    return True
                if isinstance(func, ast.Call):  # Dense(..)(x)
                    return True
        return False

    def assign(self, target: ast.AST, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.names[target.id] = value
            if isinstance(value, Model) and not value.name:
                value.name = target.id
            if (target.id.lower() in _CLASS_COUNT_NAMES and isinstance(value, int)
                    and not isinstance(value, bool) and value > 0):
                self.class_counts.append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            if isinstance(value, Data):  # train_ds, val_ds = image_dataset_from_directory(...)
                value = tuple(value for _ in target.elts)
            if isinstance(value, (list, tuple)) and len(value) == len(target.elts) \
                    and not starred:
                for element, item in zip(target.elts, value):
                    self.assign(element, item, scope)
            else:
                for element in target.elts:
                    self.assign(element.value if isinstance(element, ast.Starred) else element,
                                UNKNOWN, scope)
        # attributes and subscripts of script objects are not tracked

    # expressions
    def keras_name(self, node: ast.AST, scope: Scope) -> Optional[str]:
        if isinstance(node, ast.Name):
            if scope.has(node.id):
                value = scope.get(node.id)
                return value.path if isinstance(value, KRef) else None
            if node.id not in self.aliases:
                for module in self.star_modules:
                    path = keras_path(f"{module}.{node.id}")
                    if path:
                        return path
                return None
        dotted = self.dotted(node)
        return keras_path(dotted) if dotted else None

    def eval(self, node: Optional[ast.AST], scope: Scope) -> Any:
        self.tick()
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Name, ast.Attribute)):
            path = self.keras_name(node, scope)
            if path is not None:
                return KRef(path)
            if isinstance(node, ast.Name):
                if scope.has(node.id):
                    return scope.get(node.id)
                if node.id in ("True", "False", "None"):
                    return {"True": True, "False": False, "None": None}[node.id]
                return Unknown(f"'{node.id}' is not defined in the script")
            return self.attribute(node, scope)
        if isinstance(node, (ast.List, ast.Tuple)):
            items: list = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self.eval(element.value, scope)
                    if isinstance(inner, (list, tuple)):
                        items.extend(inner)
                    else:
                        items.append(UNKNOWN)
                else:
                    items.append(self.eval(element, scope))
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            result = {}
            for key, value in zip(node.keys, node.values):
                if key is None:
                    continue
                k = self.eval(key, scope)
                if isinstance(k, (str, int, float, bool)) or k is None:
                    result[k] = self.eval(value, scope)
            return result
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left, scope), self.eval(node.right, scope),
                              node)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand, scope)
            if _is_number(operand):
                if isinstance(node.op, ast.USub):
                    return -operand
                if isinstance(node.op, ast.UAdd):
                    return operand
            if isinstance(node.op, ast.Not) and isinstance(operand, (bool, int)):
                return not operand
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Subscript):
            value = self.eval(node.value, scope)
            if isinstance(value, Data):
                return value
            index = self.eval(node.slice, scope)
            if isinstance(value, (list, tuple)) and isinstance(index, int) \
                    and not isinstance(index, bool) and -len(value) <= index < len(value):
                return value[index]
            if isinstance(value, dict) and isinstance(index, (str, int)) and index in value:
                return value[index]
            return UNKNOWN
        if isinstance(node, ast.Lambda):
            return Function(node, scope)
        if isinstance(node, ast.IfExp):
            test = self.eval(node.test, scope)
            if isinstance(test, (bool, int, str)) or test is None:
                return self.eval(node.body if test else node.orelse, scope)
            return UNKNOWN
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = self.eval(node.left, scope), self.eval(node.comparators[0], scope)
            if (_is_number(left) or isinstance(left, str)) and type(left) is type(right):
                op = node.ops[0]
                table = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                         ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
                         ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}
                for kind, compare in table.items():
                    if isinstance(op, kind):
                        return compare(left, right)
            return UNKNOWN
        if isinstance(node, ast.BoolOp):
            values = [self.eval(v, scope) for v in node.values]
            if all(isinstance(v, (bool, int)) or v is None for v in values):
                if isinstance(node.op, ast.And):
                    return all(values)
                return any(values)
            return UNKNOWN
        return UNKNOWN

    def attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        if isinstance(value, KRef):
            return KRef(f"{value.path}.{node.attr}")
        if isinstance(value, Data) and node.attr in ("T",):
            return value
        return UNKNOWN

    def binop(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        for data, other, data_left in ((left, right, True), (right, left, False)):
            if isinstance(data, Data):
                scaled = data.scaled
                if isinstance(op, ast.Div) and data_left:
                    scaled = True if not _is_number(other) or abs(other) >= 2 else scaled
                elif isinstance(op, ast.Mult):
                    scaled = True if not _is_number(other) or abs(other) <= 0.5 else scaled
                elif isinstance(op, (ast.Add, ast.Sub)):
                    scaled = scaled
                else:
                    scaled = None
                return Data(data.source, data.role, scaled, data.one_hot, data.n_classes,
                            data.is_dataset, data.line)
        if _is_number(left) and _is_number(right):
            try:
                if isinstance(op, ast.Add):
                    return left + right
                if isinstance(op, ast.Sub):
                    return left - right
                if isinstance(op, ast.Mult):
                    return left * right
                if isinstance(op, ast.Div):
                    return left / right
                if isinstance(op, ast.FloorDiv):
                    return left // right
                if isinstance(op, ast.Mod):
                    return left % right
                if isinstance(op, ast.Pow) and abs(right) <= 64 and abs(left) < 1e6:
                    return left ** right
            except (ZeroDivisionError, OverflowError, ValueError):
                return UNKNOWN
        if isinstance(left, (list, tuple)) and isinstance(right, type(left)) \
                and isinstance(op, ast.Add) and len(left) + len(right) <= 10_000:
            return left + right
        if isinstance(left, (list, tuple)) and isinstance(right, int) \
                and isinstance(op, ast.Mult) and 0 <= right and len(left) * right <= 10_000:
            return left * right
        if isinstance(left, str) and isinstance(right, str) and isinstance(op, ast.Add):
            return left + right
        return UNKNOWN

    # calls
    def call(self, node: ast.Call, scope: Scope) -> Any:
        func = node.func
        star = any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords)
        # method calls on script values
        if isinstance(func, ast.Attribute) and self.keras_name(func, scope) is None \
                and self.dotted(func) is None:
            owner = self.eval(func.value, scope)
            if not isinstance(owner, KRef):
                return self.method(owner, func.attr, node, scope)
        target = self.eval(func, scope)
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, scope)
                for a in node.args]
        kwargs = {k.arg: self.eval(k.value, scope) for k in node.keywords if k.arg}
        if isinstance(target, KRef):
            return self.keras_call(target.path, args, kwargs, node, star)
        if isinstance(target, KCall):  # a layer applied to tensors
            return self.apply(target, args, node)
        if isinstance(target, Model):  # a model used as a layer
            return self.apply(target, args, node)
        if isinstance(target, Function):
            return self.inline(target, args, kwargs, node, star)
        if isinstance(target, UserClass):
            if target.kind == "model":
                model = Model("subclassed", node.lineno, node.col_offset + 1,
                              name=target.name, reason=f"a subclassed model ({target.name}): "
                              "its call() is not read")
                self.models.append(model)
                return model
            if target.kind == "layer":
                return KCall(f"custom.{target.name}", args, kwargs, node.lineno,
                             node.col_offset + 1, star)
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id in ("range", "list", "tuple", "len", "int",
                                                       "float", "min", "max", "round", "abs"):
            return self.builtin(func.id, args)
        dotted = self.dotted(func) or ""
        if dotted.split(".")[-1] in SHAPE_ONLY_CALLS and args and isinstance(args[0], Data):
            return args[0]
        if dotted.startswith("tensorflow.data.Dataset.from_tensor") and args:
            first = args[0]
            if isinstance(first, (list, tuple)) and first and isinstance(first[0], Data):
                first = first[0]
            if isinstance(first, Data):
                return Data(first.source, "xy", first.scaled, None, first.n_classes, True,
                            first.line)
        if dotted.startswith(("tensorflow.image.", "tensorflow.cast")) and args \
                and isinstance(args[0], Data):
            return self.data_transformed(args[0], dotted)
        for data in args:
            if isinstance(data, Data):  # an unknown function of the data: scaling unknown
                return Data(data.source, data.role, None, data.one_hot, data.n_classes,
                            data.is_dataset, data.line)
        if any(_tensors(a) for a in args):  # tf.nn.relu(x), tf.concat([a, b]), my_block(x)
            name = dotted.rsplit(".", 1)[-1] if dotted else "function"
            return self.opaque(f"custom.{name}", args, node)
        return UNKNOWN

    def opaque(self, path: str, args: list, node: ast.Call) -> Tensor:
        """A function of tensors the reader does not interpret, kept in the graph as a layer
        of its own (so the layers around it are not read as adjacent)."""
        inputs = [t for a in args for t in _tensors(a)]
        layer = KCall(path, [], {}, node.lineno, node.col_offset + 1)
        self.order += 1
        return Tensor(GraphNode(layer, inputs, None, node.lineno, node.col_offset + 1,
                                self.order))

    def data_transformed(self, data: Data, dotted: str) -> Data:
        scaled = True if dotted.endswith(("convert_image_dtype", "per_image_standardization")) \
            else data.scaled
        return Data(data.source, data.role, scaled, data.one_hot, data.n_classes,
                    data.is_dataset, data.line)

    def builtin(self, name: str, args: list) -> Any:
        if not all(_known(a) for a in args):
            return UNKNOWN
        try:
            if name == "range" and all(isinstance(a, int) for a in args) and 1 <= len(args) <= 3:
                values = range(*args)
                return list(values) if len(values) <= MAX_UNROLL else UNKNOWN
            if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0],
                                                                        (list, tuple)):
                return list(args[0]) if name == "list" else tuple(args[0])
            if name == "len" and len(args) == 1 and isinstance(args[0], (list, tuple, str)):
                return len(args[0])
            if name in ("int", "float", "round", "abs") and len(args) == 1 \
                    and _is_number(args[0]):
                return {"int": int, "float": float, "round": round, "abs": abs}[name](args[0])
            if name in ("min", "max") and args and all(_is_number(a) for a in args):
                return (min if name == "min" else max)(args)
        except (TypeError, ValueError, OverflowError):
            pass
        return UNKNOWN

    def inline(self, function: Function, args: list, kwargs: dict, node: ast.Call,
               star: bool) -> Any:
        definition = function.node
        if self.depth >= MAX_CALL_DEPTH or definition in self.inlining:
            # a recursive builder: how deep it goes is decided at run time
            name = getattr(definition, "name", "a lambda")
            self.note("the layers built by recursion", f"{name}() calls itself (or nests "
                      f"more than {MAX_CALL_DEPTH} calls deep): how many layers it builds is "
                      "decided at run time", node if hasattr(node, "lineno") else definition)
            for model in self.models:
                if model.kind == "sequential":
                    model.layers.append(Unknown("built by recursion"))
            return UNKNOWN
        local = Scope(function.scope)
        params = definition.args
        positional = [*params.posonlyargs, *params.args]
        defaults = [None] * (len(positional) - len(params.defaults)) + list(params.defaults)
        for index, (param, default) in enumerate(zip(positional, defaults)):
            if index < len(args) and not star:
                value = args[index]
            elif param.arg in kwargs:
                value = kwargs[param.arg]
            elif default is not None and not star:
                value = self.eval(default, function.scope)
            else:
                function_name = getattr(definition, "name", "a lambda")
                value = Unknown(f"the argument '{param.arg}' of {function_name}()")
            local.names[param.arg] = value
        for param, default in zip(params.kwonlyargs, params.kw_defaults):
            local.names[param.arg] = kwargs.get(param.arg, self.eval(default, function.scope)
                                                if default is not None else UNKNOWN)
        for extra in (params.vararg, params.kwarg):
            if extra is not None:
                local.names[extra.arg] = UNKNOWN
        self.depth += 1
        self.inlining.add(definition)
        try:
            if isinstance(definition, ast.Lambda):
                return self.eval(definition.body, local)
            self.run_body(definition.body, local)
        except _Return as result:
            return result.value
        finally:
            self.depth -= 1
            self.inlining.discard(definition)
        return None

    def keras_call(self, path: str, args: list, kwargs: dict, node: ast.Call,
                   star: bool) -> Any:
        line, column = node.lineno, node.col_offset + 1
        parts = path.split(".")
        name = parts[-1]
        if path in ("keras.Sequential", "keras.models.Sequential"):
            model = Model("sequential", line, column, name=str(kwargs.get("name") or ""))
            layers = args[0] if args else kwargs.get("layers")
            if isinstance(layers, (list, tuple)):
                model.layers.extend(layers)
            elif layers is not None:
                model.layers.append(Unknown("the layer list is computed at run time"))
            self.models.append(model)
            return model
        if path in ("keras.Model", "keras.models.Model"):
            inputs = args[0] if args else kwargs.get("inputs", kwargs.get("input"))
            outputs = args[1] if len(args) > 1 else kwargs.get("outputs", kwargs.get("output"))
            model = Model("functional", line, column, name=str(kwargs.get("name") or ""))
            model.inputs = _tensors(inputs)
            model.outputs = _tensors(outputs)
            if not model.outputs:
                model.kind = "other"
                model.reason = "the model's outputs are computed at run time"
            self.models.append(model)
            return model
        if name == "load_model" or (len(parts) > 2 and parts[1] == "saving"
                                    and name.startswith("load")):
            model = Model("loaded", line, column, reason="the model is loaded from a file at "
                          "run time (audit that file itself)")
            self.models.append(model)
            return model
        if len(parts) > 2 and parts[1] == "applications" and name[:1].isupper():
            return KCall("keras.layers.Backbone", [], {"pooling": kwargs.get("pooling")},
                         line, column, star)
        if path in ("keras.Input", "keras.layers.Input"):
            shape = kwargs.get("shape", args[0] if args else None)
            if shape is None and "batch_shape" in kwargs and isinstance(kwargs["batch_shape"],
                                                                        (list, tuple)):
                shape = list(kwargs["batch_shape"])[1:]
            self.order += 1
            return Tensor(GraphNode(None, [], shape, line, column, self.order,
                                    str(kwargs.get("name") or "")))
        if len(parts) == 4 and parts[1] == "datasets" and name == "load_data":
            return self.dataset(parts[2], kwargs, node)
        if name in PIXEL_LOADERS:
            data = Data("image_folder", "xy", False, None, None, True, line)
            self.datasets.append(data)
            return data
        if name == "to_categorical":
            labels = args[0] if args else kwargs.get("y")
            count = args[1] if len(args) > 1 else kwargs.get("num_classes")
            if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                self.class_counts.append(count)
            if isinstance(labels, Data):
                return Data(labels.source, labels.role, labels.scaled, True,
                            count if isinstance(count, int) else labels.n_classes,
                            labels.is_dataset, labels.line)
            return UNKNOWN
        if name in SHAPE_ONLY_CALLS and args and isinstance(args[0], Data):
            return args[0]  # keras.utils.pad_sequences(x)
        if any(_tensors(a) for a in args) and not name[:1].isupper():
            if parts[1] == "layers":  # layers.concatenate([a, b]) -> a Concatenate layer
                layer = KCall(f"keras.layers.{name[:1].upper()}{name[1:]}", args[1:], kwargs,
                              line, column, star)
                return self.apply(layer, args, node)
            if name == "preprocess_input":  # keras.applications.*.preprocess_input scales
                return self.apply(KCall("keras.layers.Rescaling", [], {}, line, column), args,
                                  node)
            return self.opaque(f"custom.{name}", args, node)
        return KCall(path, args, kwargs, line, column, star)

    def dataset(self, name: str, kwargs: dict, node: ast.Call) -> Any:
        known = KERAS_DATASETS.get(name)
        if known is None:
            return UNKNOWN
        n_classes = known.get("n_classes")
        if name == "cifar100" and kwargs.get("label_mode") == "coarse":
            n_classes = 20
        x = Data(name, "x", False, None, n_classes, False, node.lineno)
        y = Data(name, "y", None, False, n_classes, False, node.lineno)
        self.datasets.append(x)
        return ((x, y), (x, y))

    def method(self, owner: Any, attr: str, node: ast.Call, scope: Scope) -> Any:
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, scope)
                for a in node.args]
        kwargs = {k.arg: self.eval(k.value, scope) for k in node.keywords if k.arg}
        if any(k.arg is None for k in node.keywords):
            kwargs["**"] = UNKNOWN
        if isinstance(owner, Model):
            if attr == "add" and owner.kind == "sequential":
                owner.layers.append(args[0] if args else UNKNOWN)
            elif attr == "pop" and owner.kind == "sequential" and owner.layers:
                owner.layers.pop()
            elif attr == "compile":
                owner.compile = node
                owner.compile_args = _bind(args, kwargs, ("optimizer", "loss", "metrics",
                                                         "loss_weights"))
            elif attr in ("fit", "fit_generator"):
                bound = _bind(args, kwargs, ("x", "y", "batch_size", "epochs", "verbose",
                                             "callbacks", "validation_split", "validation_data",
                                             "shuffle", "class_weight"))
                if owner.fit is None:
                    owner.fit, owner.fit_args = node, bound
                else:  # each fit() continues training: the epochs add up
                    owner.fit_args["repeated"] = True
                    before, more = owner.fit_args.get("epochs", 1), bound.get("epochs", 1)
                    owner.fit_args["epochs"] = before + more if _is_number(before) \
                        and _is_number(more) else UNKNOWN
            return UNKNOWN
        if isinstance(owner, list) and attr in ("append", "extend", "insert"):
            if attr == "append" and len(args) == 1 and len(owner) < 100_000:
                owner.append(args[0])
            elif attr == "extend" and len(args) == 1 and isinstance(args[0], (list, tuple)):
                owner.extend(args[0])
            return None
        if isinstance(owner, Data):
            if attr in ("map",):
                function = args[0] if args else None
                scaled = self.mapped_scaling(function, owner)
                return Data(owner.source, owner.role, scaled, owner.one_hot, owner.n_classes,
                            owner.is_dataset, owner.line)
            if attr in SHAPE_ONLY_CALLS:
                return owner
            return Data(owner.source, owner.role, None, owner.one_hot, owner.n_classes,
                        owner.is_dataset, owner.line)
        if isinstance(owner, KCall) and owner.name == "ImageDataGenerator" \
                and attr.startswith("flow"):
            scaled: Optional[bool] = any(owner.kwargs.get(k) for k in (
                "rescale", "featurewise_std_normalization", "samplewise_std_normalization"))
            if "preprocessing_function" in owner.kwargs or owner.star:
                scaled = True if scaled else None
            source = next((a for a in args if isinstance(a, Data)), None)
            if attr == "flow_from_directory" or attr == "flow_from_dataframe":
                data = Data("image_folder", "xy", scaled, None, None, True, node.lineno)
                self.datasets.append(data)
                return data
            if source is not None:
                return Data(source.source, "xy", scaled or source.scaled, None,
                            source.n_classes, True, source.line)
            return UNKNOWN
        if isinstance(owner, str) and attr == "format":
            return UNKNOWN
        return UNKNOWN

    def mapped_scaling(self, function: Any, data: Data) -> Optional[bool]:
        """Whether ``dataset.map(function)`` scales the data: evaluate the function on it."""
        if not isinstance(function, Function):
            if isinstance(function, (KCall, Model)):  # a Rescaling layer, a preprocessing model
                return True if _scales(function) else None
            return None
        params = function.node.args.args
        if not params:
            return None
        args: list = [Data(data.source, "x", data.scaled, None, data.n_classes, True, data.line)]
        args += [Data(data.source, "y", None, None, data.n_classes, True, data.line)
                 for _ in params[1:]]
        call = ast.Call(func=ast.Name(id=function.node.name if hasattr(function.node, "name")
                                      else "<lambda>", ctx=ast.Load()), args=[], keywords=[])
        call.lineno = data.line or getattr(function.node, "lineno", 1)  # type: ignore[attr-defined]
        call.col_offset = 0  # type: ignore[attr-defined]
        result = self.inline(function, args, {}, call, False)
        first = result[0] if isinstance(result, (list, tuple)) and result else result
        if isinstance(first, Data):
            return first.scaled
        if isinstance(first, Tensor) or isinstance(first, Unknown):
            return None
        return None

    def apply(self, layer: Any, args: list, node: ast.Call) -> Any:
        inputs = _tensors(args[0]) if args else []
        if not inputs:
            if args and isinstance(args[0], Data):  # a preprocessing layer applied to data
                data = args[0]
                return Data(data.source, data.role, True if _scales(layer) else None,
                            data.one_hot, data.n_classes, data.is_dataset, data.line)
            return UNKNOWN
        self.order += 1
        return Tensor(GraphNode(layer, inputs, None, node.lineno, node.col_offset + 1,
                                self.order))


def _tensors(value: Any) -> list:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Tensor)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Tensor)]
    return []


def _scales(layer: Any) -> bool:
    if isinstance(layer, KCall):
        return layer.name in ("Rescaling", "Normalization")
    if isinstance(layer, Model):
        return any(_scales(inner) for inner in layer.layers)
    return False


def _bind(args: list, kwargs: dict, names: tuple[str, ...]) -> dict:
    bound = {name: value for name, value in zip(names, args)}
    bound.update(kwargs)
    return bound


# -- from script objects to a Keras config -------------------------------------------------------

class ConfigBuilder:
    """Turns the evaluator's Keras objects into the config a saved model carries."""

    def __init__(self, reader: ScriptReader):
        self.reader = reader
        self.counts: dict[str, int] = {}
        self.lines: dict[str, tuple[int, int]] = {}

    def unique(self, base: str) -> str:
        count = self.counts.get(base, 0)
        self.counts[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def value(self, value: Any, what: str, line: Optional[int]) -> Any:
        """A plain (JSON-like) value of an argument; Unknown stays Unknown."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, KRef):  # a function reference: keras.activations.relu
            return value.path.rsplit(".", 1)[-1]
        if isinstance(value, KCall):
            return self.entry(value, what)
        if isinstance(value, Function):
            name = getattr(value.node, "name", None)
            return name if name else Unknown("a lambda")
        if isinstance(value, (list, tuple)):
            return [self.value(v, what, line) for v in value]
        if isinstance(value, dict):
            return {str(k): self.value(v, what, line) for k, v in value.items()}
        if isinstance(value, (Model, Tensor, Data, UserClass)):
            return Unknown("a script object")
        return value

    def entry(self, call: KCall, what: str) -> dict:
        """``{"class_name", "config"}`` of a Keras object, positional arguments by name."""
        name = call.name
        positional = LAYER_POSITIONAL.get(name) or SCHEDULE_POSITIONAL.get(name) or ()
        if not positional and re.match(r"^(Separable|Depthwise)?Conv\dD(Transpose)?$", name):
            positional = ("filters", "kernel_size", "strides", "padding")
        if not positional and call.module == "optimizers":
            positional = ("learning_rate",)
        if not positional and call.module == "regularizers":
            positional = {"l1": ("l1",), "l2": ("l2",), "L1": ("l1",), "L2": ("l2",),
                          "l1_l2": ("l1", "l2"), "L1L2": ("l1", "l2")}.get(name, ())
        config: dict[str, Any] = {}
        for key, arg in zip(positional, call.args):
            config[key] = arg
        config.update(call.kwargs)
        if call.module == "regularizers" and name in ("l1", "l2", "L1", "L2"):
            config.setdefault(name.lower(), 0.01)
        plain = {}
        for key, raw in config.items():
            converted = self.value(raw, what, call.line)
            if not _known(converted):
                self.reader.note(f"{key} of {name}", "computed at run time",
                                 _line_node(call.line))
                continue
            plain[key] = converted
        class_name = {"l1": "L1", "l2": "L2", "l1_l2": "L1L2"}.get(name, name)
        if call.module == "activations":
            return name  # type: ignore[return-value]
        return {"class_name": class_name, "config": plain}

    def layer(self, item: Any, first: bool) -> Optional[dict]:
        if isinstance(item, Model):
            return self.model_config(item)
        if isinstance(item, Tensor):  # keras.Input in a Sequential list
            shape = self.value(item.node.shape, "input", item.node.line)
            config: dict[str, Any] = {"name": self.unique("input_layer")}
            if _known(shape) and isinstance(shape, (list, tuple)):
                config["batch_shape"] = [None, *shape]
            return {"class_name": "InputLayer", "config": config}
        if isinstance(item, KCall) and (item.path.startswith(("keras.layers.", "custom."))):
            entry = self.entry(item, "layer")
            config = entry["config"]
            name = config.get("name") if isinstance(config.get("name"), str) else None
            name = self.unique(name or snake_name(item.name))
            config["name"] = name
            self.lines.setdefault(name, (item.line, item.column))
            shape = config.pop("input_shape", None)
            if shape is None and _is_number(config.get("input_dim")):
                shape = [config["input_dim"]]
            if first and isinstance(shape, (list, tuple)):
                config["batch_input_shape"] = [None, *shape]
            return entry
        return {"class_name": "UnreadLayer", "config": {"name": self.unique("unread_layer")}}

    def model_config(self, model: Model) -> dict:
        name = self.unique(model.name or model.kind)
        if model.kind == "sequential":
            layers = []
            for item in model.layers:
                entry = self.layer(item, not layers)
                if entry is not None:
                    layers.append(entry)
            return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}
        if model.kind == "functional":
            return self.functional(model, name)
        return {"class_name": "UnreadModel", "config": {"name": name}}

    def functional(self, model: Model, name: str) -> dict:
        nodes: dict[int, GraphNode] = {}
        stack = [t.node for t in model.outputs]
        while stack:
            node = stack.pop()
            if id(node) in nodes or len(nodes) > 200_000:
                continue
            nodes[id(node)] = node
            stack.extend(t.node for t in node.inputs)
        names: dict[int, str] = {}
        layers = []
        for node in sorted(nodes.values(), key=lambda n: n.order):
            if node.layer is None:
                entry = self.layer(Tensor(node), False)
                entry["config"]["name"] = names[id(node)] = self.unique(
                    node.name or "input_layer")
                self.lines.setdefault(names[id(node)], (node.line, node.column))
                layers.append(entry)
                continue
            entry = self.layer(node.layer, False) or {}
            layer_name = entry.get("config", {}).get("name") or self.unique("layer")
            names[id(node)] = layer_name
            self.lines[layer_name] = (node.layer.line, node.layer.column) if isinstance(
                node.layer, KCall) else (node.line, node.column)
            inbound = [[names[id(t.node)], 0, 0, {}] for t in node.inputs if id(t.node) in names]
            layers.append({**entry, "name": layer_name, "inbound_nodes": [inbound]})
        outputs = [[names[id(t.node)], 0, 0] for t in model.outputs if id(t.node) in names]
        return {"class_name": "Functional", "config": {
            "name": name, "layers": layers, "output_layers": outputs}}


def _line_node(line: int) -> ast.AST:
    node = ast.Pass()
    node.lineno = line  # type: ignore[attr-defined]
    return node


# -- the reader -----------------------------------------------------------------------------------

def read_script(path: Union[str, Path]) -> NormalizedSetup:
    """Read a Keras training script (parsed, never run) into a NormalizedSetup.

    Raises:
        NotASetupError: the script builds no Keras model (a helper module, a non-Keras script).
        AdvisorError: it cannot be read or parsed; a syntax error names ``file:line``.
    """
    where = str(path)
    data = read_limited(path, MAX_SCRIPT_BYTES, what="script")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdvisorError("not UTF-8 text; expected a Python script", where=where) from None
    return script_setup(text, source=where)


def script_setup(text: str, *, source: str = "<script>") -> NormalizedSetup:
    """A NormalizedSetup from the text of a training script (see :func:`read_script`)."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = f", column {exc.offset}" if exc.offset else ""
        raise AdvisorError(f"line {line}{column}: syntax error: {exc.msg}; fix it, then audit "
                           "again", where=source) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        problem = "nested too deeply to parse" if isinstance(exc, RecursionError) else str(exc)
        raise AdvisorError(f"cannot parse the script: {problem}", where=source) from None
    reader = ScriptReader(text)
    reader.collect_imports(tree)
    try:
        reader.run_body(tree.body, Scope())
    except _TooMuch:
        reader.note("the rest of the script", f"it takes more than {MAX_STEPS} steps to read",
                    None)
    except _Return:
        pass
    except RecursionError:
        raise AdvisorError("cannot read the script: expressions nested too deeply",
                           where=source) from None
    model = _chosen_model(reader.models)
    if model is None:
        if not reader.uses_keras:
            raise NotASetupError("not a Keras training script: it imports neither keras nor "
                                 "tensorflow", where=source)
        raise NotASetupError("no Keras model is built in this script (no Sequential, Model(...)"
                             " or load_model)", where=source)
    setup = _setup(reader, model, source)
    setup.suppressions = suppressions(text)
    return setup


def _chosen_model(models: list[Model]) -> Optional[Model]:
    """The model trained (or compiled) at last; else the last one built."""
    for wanted in ("fit", "compile"):
        for model in models:
            if getattr(model, wanted) is not None:
                return model
    nested = {id(m) for other in models for m in other.layers if isinstance(m, Model)}
    top = [m for m in models if id(m) not in nested]
    return top[-1] if top else (models[-1] if models else None)


def _location(node: Optional[ast.AST]) -> Optional[SourceLocation]:
    if node is None or not hasattr(node, "lineno"):
        return None
    return SourceLocation(line=node.lineno, column=node.col_offset + 1)


def _keyword(call: Optional[ast.Call], name: str, position: Optional[int] = None
             ) -> Optional[ast.AST]:
    if call is None:
        return None
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _setup(reader: ScriptReader, model: Model, source: str) -> NormalizedSetup:
    builder = ConfigBuilder(reader)
    locations: dict[str, SourceLocation] = {
        "model": SourceLocation(line=model.line, column=model.column)}
    if model.kind in ("sequential", "functional"):
        config = builder.model_config(model)
        compile_config = _compile_config(builder, model)
        setup = setup_from_keras_config(config, compile_config, source=source, format="script")
        for info in setup.layers:
            found = builder.lines.get(info.name)
            if found:
                info.line, info.column = found
        if setup.output is not None:
            found = builder.lines.get(setup.output.layer.rsplit("/", 1)[-1])
            if found:
                locations["output"] = SourceLocation(line=found[0], column=found[1])
        if any(info.class_name == "UnreadLayer" for info in setup.layers):
            reader.note("some layers", "a layer is computed at run time (not a Keras layer "
                        "the script builds)", None)
    else:
        setup = NormalizedSetup(source=source, format="script", model_class=model.kind)
        reader.note("the model's layers and output", model.reason or "the model is not built "
                    "in the script", _line_node(model.line))
        compile_config = _compile_config(builder, model)
        if compile_config:
            from .keras_values import loss_info, metric_names, optimizer_info

            setup.loss = loss_info(compile_config.get("loss"))
            setup.optimizer = optimizer_info(compile_config.get("optimizer"))
            setup.metrics = metric_names(compile_config.get("metrics"))
    if model.compile is not None:
        locations["compile"] = _location(model.compile)  # type: ignore[assignment]
        for facet, keyword, position in (("loss", "loss", 1), ("optimizer", "optimizer", 0),
                                         ("metrics", "metrics", 2)):
            found = _location(_keyword(model.compile, keyword, position))
            if found:
                locations[facet] = found
        locations["learning_rate"] = _rate_location(model.compile) or locations.get(
            "optimizer") or locations["compile"]
        locations.setdefault("loss", locations["compile"])
        locations.setdefault("optimizer", locations["compile"])
        _compile_unchecked(reader, model, setup)
    else:
        reader.note("loss, optimizer and metrics checks", "the script never calls compile() "
                    "on the model", _line_node(model.line))
    _fit(reader, builder, model, setup, locations)
    _data(reader, model, setup, locations)
    setup.locations = {k: v for k, v in locations.items() if v is not None}
    setup.unchecked = reader.unchecked
    return setup


def _rate_location(compile_call: ast.Call) -> Optional[SourceLocation]:
    optimizer = _keyword(compile_call, "optimizer", 0)
    if isinstance(optimizer, ast.Call):
        rate = _keyword(optimizer, "learning_rate", 0) or _keyword(optimizer, "lr")
        return _location(rate) or _location(optimizer)
    return None


def _compile_config(builder: ConfigBuilder, model: Model) -> Optional[dict]:
    if model.compile is None:
        return None
    config = {}
    for key in ("optimizer", "loss", "metrics"):
        if key in model.compile_args:
            config[key] = builder.value(model.compile_args[key], key, model.compile.lineno)
    config.setdefault("optimizer", "rmsprop")  # Keras's compile() default
    return config


def _compile_unchecked(reader: ScriptReader, model: Model, setup: NormalizedSetup) -> None:
    args = model.compile_args
    call = model.compile
    for key, what in (("loss", "loss checks"), ("optimizer", "optimizer and learning-rate "
                                                             "checks")):
        value = args.get(key)
        if isinstance(value, Unknown) or (isinstance(value, (list, dict)) and not _known(value)):
            reader.note(what, f"the {key} is computed at run time", _keyword(call, key) or call)
            if key == "loss":
                setup.loss = None
            else:
                setup.optimizer = None
    if setup.loss is None and "loss" not in args:
        reader.note("loss checks", "compile() is called without a loss", call)
    optimizer = args.get("optimizer")
    if isinstance(optimizer, KCall):
        setup.legacy_optimizer_arguments = [key for key in LEGACY_OPTIMIZER_ARGUMENTS
                                            if key in optimizer.kwargs]
        rate = optimizer.kwargs.get("learning_rate", optimizer.kwargs.get(
            "lr", optimizer.args[0] if optimizer.args else None))
        if isinstance(rate, Unknown) and setup.optimizer is not None:
            setup.optimizer = OptimizerInfo(**{**setup.optimizer.model_dump(),
                                               "learning_rate": None})
            reader.note("learning-rate checks", "the learning rate is computed at run time",
                        call)


def _fit(reader: ScriptReader, builder: ConfigBuilder, model: Model, setup: NormalizedSetup,
         locations: dict[str, Optional[SourceLocation]]) -> None:
    call = model.fit
    if call is None:
        reader.note("training checks (epochs, validation, early stopping)", "the script never "
                    "calls fit() on the model", _line_node(model.line))
        return
    where = _location(call)
    locations["fit"] = locations["training"] = locations["regularization"] = where
    args = model.fit_args
    if "**" in args:
        reader.note(FIT_UNREAD, "fit() takes **kwargs computed at run time", call)
        return
    epochs = args.get("epochs", 1)  # Keras's default
    if isinstance(epochs, int) and not isinstance(epochs, bool):
        setup.epochs = epochs
    else:
        reader.note("epoch checks", "the number of epochs is computed at run time", call)
    batch = args.get("batch_size")
    if isinstance(batch, int) and not isinstance(batch, bool):
        setup.batch_size = batch
    split = args.get("validation_split", 0.0)
    validation_data = args.get("validation_data")
    if _is_number(split) and not isinstance(split, Unknown):
        setup.validation_split = float(split)
    if isinstance(split, Unknown):
        reader.note("validation checks", "validation_split is computed at run time", call)
    elif args.get("repeated") and not (validation_data is not None or split):
        reader.note("validation checks", "fit() is called repeatedly; the script may "
                    "evaluate the model between the calls", call)
    else:
        setup.has_validation = bool(validation_data is not None and not (
            isinstance(validation_data, (list, tuple)) and not validation_data)) or bool(split)
    shuffle = args.get("shuffle", True)
    if isinstance(shuffle, bool):
        data = args.get("x")
        setup.shuffle = shuffle or (isinstance(data, Data) and data.is_dataset)
    # a class_weight computed at run time is still set
    setup.class_weight = None if args.get("class_weight") is None else "set"
    callbacks = args.get("callbacks")
    items = callbacks if isinstance(callbacks, (list, tuple)) else (
        [] if callbacks is None else [callbacks])
    names = [c.name for c in items if isinstance(c, KCall)]
    unknown = [c for c in items if not isinstance(c, KCall)]
    if "EarlyStopping" in names:
        setup.early_stopping = True
    elif unknown:
        reader.note("early-stopping checks", "some callbacks are computed at run time or are "
                    "the script's own", call)
    else:
        setup.early_stopping = False
    if setup.optimizer is not None and setup.optimizer.schedule is None:
        for callback in ("ReduceLROnPlateau", "LearningRateScheduler"):
            if callback in names:
                setup.optimizer = OptimizerInfo(**{**setup.optimizer.model_dump(),
                                                   "schedule": callback})


def _data(reader: ScriptReader, model: Model, setup: NormalizedSetup,
          locations: dict[str, Optional[SourceLocation]]) -> None:
    """What the training data tells: raw pixels fed unscaled, the known class count."""
    counts = sorted(set(reader.class_counts))
    if len(counts) == 1:
        setup.declared_n_classes = counts[0]
    x = model.fit_args.get("x") if model.fit is not None else None
    y = model.fit_args.get("y") if model.fit is not None else None
    if isinstance(x, Data):
        locations["preprocessing"] = SourceLocation(line=x.line, column=1) if x.line else None
        known = KERAS_DATASETS.get(x.source, {})
        raw = x.source in PIXEL_LOADERS or x.source == "image_folder" or known.get("raw")
        if raw and x.scaled is not None:
            setup.inputs_unscaled = not x.scaled
        elif raw:
            reader.note("input-scaling checks", "the training data goes through a function "
                        "the reader cannot follow", _line_node(x.line))
        if "problem_type" in known and isinstance(y, Data) and y.source == x.source \
                and y.role == "y":
            setup.profile = _dataset_profile(x, y)
            if x.n_classes and setup.declared_n_classes is None:
                setup.declared_n_classes = x.n_classes
    elif x is not None and model.fit is not None and reader.datasets:
        reader.note("input-scaling checks", "fit() is given data the reader cannot trace to "
                    "its loader", model.fit)


def _dataset_profile(x: Data, y: Data) -> Any:
    """The profile a keras.datasets data set is known to have (its documented shape, size,
    classes and value range), for the labels the script actually feeds."""
    from ..profile import DatasetProfile

    known = dict(KERAS_DATASETS[x.source])
    fields = {k: v for k, v in known.items() if k in (
        "problem_type", "data_structure", "n_samples", "input_shape", "target_range")}
    if known.get("problem_type") != "regression":
        fields["n_classes"] = x.n_classes
        if y.one_hot is not None:
            fields["label_encoding"] = "one_hot" if y.one_hot else "integer"
    if x.scaled is not None and known.get("input_range"):
        fields["input_range"] = [0.0, 1.0] if x.scaled else known["input_range"]
    return DatasetProfile.model_validate(fields)


def suppressions(text: str) -> dict[int, list[str]]:
    """``# advisor: ignore[CODE1,CODE2]`` comments: line -> codes (empty: every code)."""
    found: dict[int, list[str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _IGNORE.search(token.string)
            if match is None:
                continue
            codes = [c.strip().upper() for c in (match.group(1) or "").split(",") if c.strip()]
            found.setdefault(token.start[0], []).extend(codes)
            if not codes:
                found[token.start[0]] = []
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # ast parsed it; a tokenizer quirk only loses the comments after it
    return found
