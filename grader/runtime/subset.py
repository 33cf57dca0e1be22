"""The course's Python subset: what code in an exercise may use, stated as an allow-list.

Grading must not believe a student's process that student code could have rewritten, so the
code that runs where an exercise is graded has to stay inside a small, stated part of Python.
A list of forbidden names is always one name short; this module states what is *allowed*:

- imports from :data:`IMPORTS` only (what the course's solutions and honest solutions use);
- attributes that start with ``_`` only on the student's own objects (``self._cache`` in the
  student's class, ``super().__init__``) or from a short list of harmless ones (``__name__``);
- module attributes that are not modules outside :data:`IMPORTS` and not one of torch's doors
  (``torch.compile``, ``torch.ops``, ``torch.load``...) listed in :data:`DOORS`;
- no assignment to, or deletion of, an attribute of anything the student's code did not create
  (no monkeypatching of torch, the standard library or the grader);
- classes that derive from ``nn.Module``, ``torch.autograd.Function``, an exception, or the
  student's own classes only; no metaclasses, no ``__torch_function__``;
- builtins from :data:`BUILTINS` only: never ``getattr``, ``setattr``, ``vars``, ``globals``,
  ``exec``, ``eval``, ``compile``, ``__import__``, ``open``, ``breakpoint``;
- the magics of :mod:`.cells`; a cell that is not valid Python is outside the subset too.

The same check runs in the learner's ``check`` (every test cell, ``make check``, Validate) and
in the trusted grader, with the same message, so an honest student hears of it while working.
Lines identical to a line of the release are never flagged.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import sys
import types
from dataclasses import dataclass

from .cells import Cell, norm
from .messages import N_, say

IMPORTS = {  # module -> why the course allows it
    "torch": "tensors", "torch.nn": "layers", "torch.nn.functional": "layers as functions",
    "torch.nn.init": "initialisation", "torch.autograd": "custom gradients (Function, grad)",
    "torch.autograd.functional": "jacobians", "torch.optim.lr_scheduler": "training schedules",
    "torch.linalg": "linear algebra", "torch.special": "special functions", "torch.fft": "transforms",
    "torch.testing": "self-checks (assert_close)", "torch.optim": "training",
    "torch.utils.data": "training data (DataLoader)", "torch.utils.tensorboard": "TensorBoard (SummaryWriter)",
    "torchvision": "images", "torchvision.utils": "image grids", "torchvision.transforms": "image transforms",
    "numpy": "arrays", "math": "math", "cmath": "math", "itertools": "loops", "functools": "reduce, partial",
    "operator": "operators as functions", "collections": "containers", "collections.abc": "containers",
    "numbers": "number types", "typing": "type hints", "dataclasses": "records", "random": "random numbers",
    "statistics": "statistics", "fractions": "fractions", "copy": "copies", "time": "timing",
    "contextlib": "context managers", "enum": "enumerations", "datetime": "dates",
    "warnings": "warnings", "re": "regular expressions", "textwrap": "text", "pprint": "printing",
    "sys": "stdout and stderr (only those and a few constants)", "IPython.display": "display()",
    "matplotlib": "plots", "matplotlib.pyplot": "plots", "tqdm": "progress bars", "tqdm.auto": "progress bars",
    "grader": "check() in your own cells", "grader.data": "the CIFAR10 sample", "grader.runtime.progress": "show()",
    "__future__": "annotations",
}
# Modules of IMPORTS whose attributes are themselves an allow-list.
ONLY = {"sys": {"stdout", "stderr", "float_info", "maxsize", "version", "version_info", "getrecursionlimit"},
        "grader": {"check"}, "grader.runtime.progress": {"show"}, "__future__": {"annotations"}}
# Doors out of the subset that are not modules: name -> why.
DOORS = {
    ("torch", "compile"): N_("compiles code behind the grader's back"),
    ("torch", "ops"): N_("reaches torch's operator registry"),
    ("torch", "load"): N_("unpickles code"), ("torch", "from_file"): N_("reads files"),
    ("torch", "vmap"): N_("transforms functions"),
    ("torch", "classes"): N_("reaches torch's class registry"), ("numpy", "load"): N_("unpickles code"),
    ("operator", "attrgetter"): N_("reaches attributes by computed name"),
    ("operator", "methodcaller"): N_("calls methods by computed name"),
    ("typing", "get_type_hints"): N_("evaluates strings as code"),
    ("torch.utils.data", "DataLoader"): N_("starts worker processes the op guard cannot see (your function gets "
                                           "tensors, not a loader)"),
    ("matplotlib", "use"): N_("imports a module by name"),
    ("matplotlib.pyplot", "switch_backend"): N_("imports a module by name"),
}
BUILTINS = {
    "abs", "all", "any", "bool", "bytes", "callable", "chr", "complex", "dict", "divmod", "enumerate", "filter",
    "float", "format", "frozenset", "hasattr", "hash", "int", "isinstance", "issubclass", "iter", "len", "list",
    "map", "max", "min", "next", "object", "ord", "pow", "print", "property", "range", "repr", "reversed", "round",
    "set", "slice", "sorted", "staticmethod", "classmethod", "str", "sum", "super", "tuple", "type", "zip", "id", "dir",
    "True", "False", "None", "NotImplemented", "Ellipsis", "display",
    *(n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)),
}
# Dunder attributes anyone may read, and dunder methods a student's class may define.
DUNDERS = {
    "__init__", "__name__", "__qualname__", "__doc__", "__len__", "__getitem__", "__setitem__", "__delitem__",
    "__iter__", "__next__", "__contains__", "__call__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__",
    "__gt__", "__ge__", "__hash__", "__bool__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__neg__", "__pos__", "__abs__",
    "__matmul__", "__enter__", "__exit__", "__format__", "__float__", "__int__", "__index__", "__post_init__",
}
# Attributes of frames, code and generators that reach the grader's own frames without an underscore.
INTERNALS = {"gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame", "tb_next", "f_back",
             "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "co_code", "co_consts", "co_names"}
SELF_NAMES = {"self", "cls", "ctx"}
WHY_ALLOWED = N_("not one of the modules the course allows (see the notebook's introduction)")


class Said(str):
    """A reason in English (what records and the instructor read) that remembers its template and fields, so that
    :func:`message` can say it again in the learner's language (findings are made before it is known)."""

    def __new__(cls, template: str, /, **fields) -> Said:
        self = super().__new__(cls, template.format(**fields) if fields else template)
        self.template, self.fields = template, fields
        return self

    def again(self) -> str:
        """The reason in the language spoken now."""
        return say(self.template, **{k: again(v) for k, v in self.fields.items()})


def again(text) -> str:
    """``text`` in the language spoken now: a :class:`Said` said again, a template said, anything else as it is."""
    template = getattr(text, "template", None)
    return text.again() if template is not None else say(text) if isinstance(text, str) else text


@dataclass(frozen=True)
class Finding:
    line: int
    text: str  # the line of the cell, stripped
    why: str

    def __str__(self) -> str:
        return f"{self.text[:160]}  ({self.why})"


def module_allowed(name: str) -> bool:
    return name in IMPORTS


def _is_module(obj) -> bool:
    return isinstance(obj, types.ModuleType)


class _Checker(ast.NodeVisitor):
    """Walk one cell; ``env`` maps the notebook's names to ('module', path), ('object', path) or ('own', kind)."""

    def __init__(self, env: dict):
        self.env = env
        self.found: list[tuple[int, str]] = []
        self.scopes: list[dict] = [{}]  # name -> 'param' | 'own' | 'alias' | 'class' | 'self'
        self.classes: list[str] = []  # the student's classes we are inside
        self.own_classes = {n for n, b in env.items() if b == ("own", "class")}

    def flag(self, node, why: str) -> None:
        self.found.append((getattr(node, "lineno", 1), why))

    # -- names ---------------------------------------------------------------------------------
    def lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:  # a kind of local ('own', 'self', ...), or an import's binding
                return scope[name] if isinstance(scope[name], tuple) else ("local", scope[name])
        return self.env.get(name)

    def bind(self, name: str, kind: str) -> None:
        self.scopes[-1][name] = kind
        if len(self.scopes) == 1:
            self.env[name] = ("own", kind)
            if kind == "class":
                self.own_classes.add(name)

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            return
        b = self.lookup(node.id)
        if b is None:
            if node.id == "__name__":
                return
            if node.id.startswith("__"):
                self.flag(node, Said(N_("`{name}` reaches the interpreter's internals"), name=node.id))
            elif hasattr(builtins, node.id) and node.id not in BUILTINS:
                self.flag(node, Said(N_("the builtin `{name}` is outside the subset"), name=node.id))
            elif node.id == "get_ipython":
                self.flag(node, Said(N_("`get_ipython` reaches IPython's shell")))
        elif b[0] == "module" and not module_allowed(b[1]):
            self.flag(node, Said(N_("`{name}` is the module {module}, outside the subset: {why}"), name=node.id,
                                 module=b[1], why=Said(WHY_ALLOWED)))

    # -- imports -------------------------------------------------------------------------------
    def visit_Import(self, node):
        for a in node.names:
            if not module_allowed(a.name):
                self.flag(node, Said(N_("import of {module}: {why}"), module=a.name, why=Said(WHY_ALLOWED)))
            name, path = (a.asname, a.name) if a.asname else (a.name.split(".")[0],) * 2
            self.scopes[-1][name] = ("module", path)
            if len(self.scopes) == 1:
                self.env[name] = ("module", path)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if node.level or not module_allowed(module):
            self.flag(node, Said(N_("import from {module}: {why}"), module="." * node.level + module,
                                 why=Said(WHY_ALLOWED)))
            return
        for a in node.names:
            if a.name == "*":
                self.flag(node, Said(N_("`import *` hides what it binds")))
                continue
            full = f"{module}.{a.name}"
            why = self.member_problem(module, a.name)
            if why:
                self.flag(node, why)
            target = a.asname or a.name
            binding = ("module", full) if module_allowed(full) or _is_module(sys.modules.get(full)) else ("object", full)
            self.scopes[-1][target] = binding
            if len(self.scopes) == 1:
                self.env[target] = binding

    def member_problem(self, module: str, attr: str) -> str | None:
        """Why ``module.attr`` is outside the subset, or None."""
        if attr.startswith("_"):
            return Said(N_("`{attr}` is private to {module}"), attr=attr, module=module)
        if (module.split(".")[0], attr) in DOORS or (module, attr) in DOORS:
            return Said(N_("{name} {why}"), name=f"{module}.{attr}",
                        why=Said(DOORS.get((module, attr)) or DOORS[(module.split('.')[0], attr)]))
        if module in ONLY and attr not in ONLY[module]:
            return Said(N_("{name}: only {names} of {module} are in the subset"), name=f"{module}.{attr}",
                        names=", ".join(sorted(ONLY[module])), module=module)
        full = f"{module}.{attr}"
        if module_allowed(full):
            return None
        obj = self.resolve(module, attr)
        if _is_module(obj) and not module_allowed(obj.__name__) and not any(
                m.startswith(obj.__name__ + ".") for m in IMPORTS):  # torch.utils on the way to torch.utils.data
            return Said(N_("{name} is the module {module}, outside the subset"), name=full, module=obj.__name__)
        return None

    @staticmethod
    def resolve(module: str, attr: str):
        mod = sys.modules.get(module)
        if mod is None and module_allowed(module):
            try:
                mod = importlib.import_module(module)
            except Exception:  # not installed here: nothing to resolve
                return None
        if mod is None:
            return sys.modules.get(f"{module}.{attr}")
        try:
            found = getattr(mod, attr, None)
        except Exception:
            found = None
        return sys.modules.get(f"{module}.{attr}") if found is None else found

    # -- attributes ----------------------------------------------------------------------------
    def chain(self, node):
        """(root node, [attribute names]) of ``a.b.c``."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        return node, attrs[::-1]

    def owned(self, root) -> bool:
        """Is ``root`` an object the student's code created: self/cls/ctx in their class, super(), their class."""
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "super":
            return True
        if isinstance(root, ast.Name):
            b = self.lookup(root.id)
            if b in (("local", "self"), ("local", "class"), ("local", "instance"), ("own", "instance")):
                return True
            if root.id in self.own_classes:
                return True
        return False

    def visit_Attribute(self, node):
        root, attrs = self.chain(node)
        store = isinstance(node.ctx, (ast.Store, ast.Del))
        owned = self.owned(root)
        for i, a in enumerate(attrs):
            if a == "__class__" and not store and attrs[i + 1:i + 2] in (["__name__"], ["__qualname__"]):
                continue  # type(obj).__name__, written the old way
            if a in INTERNALS:
                self.flag(node, Said(N_("`.{attr}` reaches the interpreter's frames"), attr=a))
                break
            if a.startswith("_") and not (a in DUNDERS or (owned and not a.startswith("__"))):
                self.flag(node, Said(N_("`.{attr}` is private"), attr=a) if owned else
                          Said(N_("`.{attr}` is private to an object your code did not create"), attr=a))
                break
        if isinstance(root, ast.Name):
            b = self.lookup(root.id)
            if b and b[0] == "module":
                self.module_chain(node, b[1], attrs)
            if store and not (owned or b in (("local", "own"), ("own", "own"))):
                self.flag(node, Said(N_("assigning to `{name}` changes an object your code did not create"),
                                     name=f"{root.id}.{'.'.join(attrs)}"))
        elif store and not owned:
            self.flag(node, Said(N_("assigning to an attribute of an object your code did not create")))
        self.visit(root)

    def module_chain(self, node, module: str, attrs: list[str]) -> None:
        current = module
        for a in attrs:
            why = self.member_problem(current, a)
            if why:
                self.flag(node, why)
                return
            obj = self.resolve(current, a)
            if not _is_module(obj):
                return
            current = obj.__name__
        if not module_allowed(current):
            self.flag(node, Said(N_("the module {module} is outside the subset: {why}"), module=current,
                                 why=Said(WHY_ALLOWED)))

    # -- definitions -----------------------------------------------------------------------------
    def visit_ClassDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        for kw in node.keywords:
            self.flag(node, Said(N_("class keyword `{name}=` (a metaclass) is outside the subset"), name=kw.arg))
        for base in node.bases:
            self.visit(base)
            why = self.base_problem(base)
            if why:
                self.flag(base, why)
        self.bind(node.name, "class")
        self.scopes.append({})
        self.classes.append(node.name)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("__") \
                    and stmt.name not in DUNDERS:
                self.flag(stmt, Said(N_("defining `{name}` is outside the subset"), name=stmt.name))
            self.visit(stmt)
        self.classes.pop()
        self.scopes.pop()

    def base_problem(self, base) -> str | None:
        root, attrs = self.chain(base)
        if isinstance(root, ast.Name) and not attrs and (root.id in self.own_classes or root.id == "object"):
            return None
        obj = self.value_of(base)
        import typing

        import torch
        if obj is typing.NamedTuple:
            return None
        if isinstance(obj, type) and (issubclass(obj, torch.nn.Module) or issubclass(obj, torch.autograd.Function)
                                      or (issubclass(obj, BaseException) and obj.__module__ == "builtins")):
            return None
        text = ast.unparse(base) if hasattr(ast, "unparse") else "this base"
        return Said(N_("a class may derive from nn.Module, torch.autograd.Function, an exception or your own "
                       "classes, not {base}"), base=text)

    def value_of(self, node):
        """The object an import-rooted name or attribute chain stands for, or None."""
        root, attrs = self.chain(node)
        if not isinstance(root, ast.Name):
            return None
        if root.id in BUILTINS and self.lookup(root.id) is None:
            obj = getattr(builtins, root.id, None)
        else:
            b = self.lookup(root.id)
            if not b or b[0] not in ("module", "object"):
                return None
            module, _, name = b[1].rpartition(".")
            obj = importlib.import_module(b[1]) if b[0] == "module" else self.resolve(module, name)
        for a in attrs:
            if a.startswith("_"):
                return None
            obj = getattr(obj, a, None)
        return obj

    def visit_FunctionDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        if node.returns:
            self.visit(node.returns)
        self.bind(node.name, "own")
        in_class = bool(self.classes)
        scope = {}
        params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        for i, a in enumerate(params):
            scope[a.arg] = "self" if in_class and i == 0 and a.arg in SELF_NAMES else "param"
        for a in (node.args.vararg, node.args.kwarg):
            if a:
                scope[a.arg] = "param"
        self.scopes.append(scope)
        saved, self.classes = self.classes, []
        for stmt in node.body:
            self.visit(stmt)
        self.classes = saved
        self.scopes.pop()
    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arguments(self, node):
        for d in [*node.defaults, *[d for d in node.kw_defaults if d is not None]]:
            self.visit(d)
        for a in [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_Lambda(self, node):
        self.visit(node.args)
        self.scopes.append({a.arg: "param" for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                                                      *(x for x in (node.args.vararg, node.args.kwarg) if x)]})
        self.visit(node.body)
        self.scopes.pop()

    def _comprehension(self, node, parts):
        self.scopes.append({})
        for gen in node.generators:
            self.visit(gen.iter)
            for n in ast.walk(gen.target):
                if isinstance(n, ast.Name):
                    self.scopes[-1][n.id] = "own"
            for cond in gen.ifs:
                self.visit(cond)
        for p in parts:
            self.visit(p)
        self.scopes.pop()

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])
    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    def visit_Assign(self, node):
        self.visit(node.value)
        kind = self.value_kind(node.value)
        for t in node.targets:
            self.assign_target(t, kind)

    def visit_AnnAssign(self, node):
        if node.value:
            self.visit(node.value)
        self.visit(node.annotation)
        self.assign_target(node.target, self.value_kind(node.value) if node.value else "own")

    def visit_AugAssign(self, node):
        self.visit(node.value)
        self.assign_target(node.target, "own", augmented=True)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.assign_target(node.target, self.value_kind(node.value))

    def value_kind(self, value) -> str:
        """'alias' when the value may be an object the student did not create (a name, an attribute, an
        item, ``type(x)``); 'own' when the student's code built it."""
        if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.IfExp, ast.BoolOp)):
            return "alias"
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("type", "super", "next", "iter")):
            return "alias"
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in self.own_classes:
            return "instance"  # an object of the student's own class
        if isinstance(value, (ast.Tuple, ast.List)):
            return "alias" if any(self.value_kind(v) == "alias" for v in value.elts) else "own"
        return "own"

    def assign_target(self, target, kind: str, augmented: bool = False) -> None:
        if isinstance(target, ast.Name):
            if not augmented:
                self.bind(target.id, kind)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self.assign_target(t, "alias" if kind == "alias" else "own")
        elif isinstance(target, ast.Starred):
            self.assign_target(target.value, kind)
        else:
            self.visit(target)

    def visit_For(self, node):
        self.visit(node.iter)
        self.assign_target(node.target, "own")
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)
    visit_AsyncFor = visit_For

    def visit_withitem(self, node):
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self.assign_target(node.optional_vars, "own")

    def visit_ExceptHandler(self, node):
        if node.type:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, "own")
        for stmt in node.body:
            self.visit(stmt)

    def visit_Global(self, node):
        pass
    visit_Nonlocal = visit_Global

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name) and self.lookup(f.id) is None:
            if f.id == "type" and (len(node.args) != 1 or node.keywords):
                self.flag(node, Said(N_("type() with more than one argument builds classes at run time")))
            if f.id == "hasattr" and not (len(node.args) == 2 and isinstance(node.args[1], ast.Constant)
                                          and isinstance(node.args[1].value, str)
                                          and not node.args[1].value.startswith("_")):
                self.flag(node, Said(N_("hasattr() needs a plain attribute name written out")))
        self.generic_visit(node)

    def visit_MatchClass(self, node):
        for a in node.kwd_attrs:  # `case object(__class__=c)` reads an attribute by pattern
            if (a.startswith("_") and a not in DUNDERS) or a in INTERNALS or a == "__class__":
                self.flag(node, Said(N_("the pattern reads `.{attr}`, which is private"), attr=a))
        self.generic_visit(node)

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            root, attrs = self.chain(node.value)
            b = self.lookup(root.id) if isinstance(root, ast.Name) else None
            if b and b[0] in ("module", "object"):
                self.flag(node, Said(N_("changing an item of {name} changes an object your code did not create"),
                                     name=b[1]))


def check_tree(tree: ast.Module, env: dict) -> list[tuple[int, str]]:
    """(line, why) for every construct of ``tree`` outside the subset; ``env`` is updated with its bindings."""
    checker = _Checker(env)
    checker.visit(tree)
    return checker.found


def environment(cells: list[Cell]) -> list[dict]:
    """The namespace each cell starts from: name -> ('module', path) | ('object', path) | ('own', kind)."""
    envs, env = [], {}
    for cell in cells:
        envs.append(dict(env))
        if cell.tree is not None:
            try:
                _Checker(env).visit(cell.tree)
            except Exception:  # its findings say so when it is checked
                pass
    return envs


def findings(cell: Cell, env: dict, released_lines: frozenset = frozenset()) -> list[Finding]:
    """Everything in ``cell`` outside the subset, as :class:`Finding` (lines identical to the release's are not)."""
    lines = cell.source.split("\n")

    def text(line: int) -> str:
        return lines[line - 1].strip() if 0 < line <= len(lines) else (cell.source.strip().split("\n") or [""])[0]

    if cell.error:
        return [Finding(1, text(1), Said(N_("the cell is outside the subset: {error}"), error=cell.error))]
    found = list(cell.magic_problems)
    try:
        found += check_tree(cell.tree, dict(env))
    except Exception as e:  # a cell the check cannot read is outside the subset
        found.append((1, Said(N_("the cell cannot be checked ({type})"), type=type(e).__name__)))
    out = sorted({Finding(line, text(line), why) for line, why in found}, key=lambda f: (f.line, f.why))
    return [f for f in out if f.text not in released_lines]


def message(name: str, found: list[Finding]) -> str:
    """The learner's and the grader's words for code outside the subset."""
    first = found[0]
    more = say(" (and {n} more)", n=len(found) - 1) if len(found) > 1 else ""
    return say("{name}: outside the course's Python subset: {first}{more}. Graded code may use tensors, torch, "
               "torch.nn, torch.nn.functional, math and plain Python, not the grader's or the interpreter's "
               "internals; see 'What your code may use' at the top of the notebook.", name=name,
               first=f"{first.text[:160]}  ({again(first.why)})", more=more)


def release_lines(sources) -> frozenset:
    """Every stripped line of the release's code cells: those are never the student's."""
    return frozenset(line.strip() for s in sources for line in s.split("\n") if line.strip())


def released(sources) -> frozenset:
    return frozenset(norm(s) for s in sources)


def notebook_findings(sources: list[str], release_sources=()) -> list[list[Finding]]:
    """For each code cell (its source, in notebook order): what is outside the subset; [] for release cells."""
    cells = [Cell.read(i, s) for i, s in enumerate(sources)]
    envs = environment(cells)
    same, lines = released(release_sources), release_lines(release_sources)
    return [[] if norm(c.source) in same else findings(c, envs[i], lines) for i, c in enumerate(cells)]


def free_import(statement: str) -> bool:
    """Is this one-name import statement inside the subset (so a cell needs it, not the cell that holds it)?"""
    from .cells import Cell
    cell = Cell.read(0, statement)
    return cell.tree is not None and not findings(cell, {})
