"""The state of a registration, a request, a payment or a supporting document is written in one
place: the `_move` of its app's services, which checks the app's transition table (`states.py`).
Everything else goes through the named transitions (`submit_registration`, `accept`, `confirm`,
`validate`…), which lock the row, re-read it, check the table, act once and audit.

This reads the source of `matricule/` (AST, no import) and reports any other write of those fields:
`x.state = …`, `setattr(x, "status", …)`, `qs.update(status=…)`, `update_or_create(defaults=…)`,
`bulk_update(…, ["status"])` and upserts. Creating a row with its first state is allowed.

Which model `x` or `qs` is comes from a small type inference: imports, annotations (parameters and
the return annotation of functions), `Model.objects…` chains, foreign keys and reverse accessors read
from the models, assignments and loops. Other models have `status` fields too (IssuedDocument,
Email, ExportJob, ImportRun…): a write on one of those is fine; a write on an object of unknown
model is reported unless listed in OTHER_MODELS with the reason it is not one of ours."""

import ast
import pathlib
from dataclasses import dataclass, field

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "matricule"

# Model (module.Class) → its state field.
GUARDED = {
    "matricule.registration.models.Registration": "state",
    "matricule.requests.models.Request": "state",
    "matricule.payments.models.Payment": "status",
    "matricule.documents.models.Submission": "status",
}
FIELDS = set(GUARDED.values())

# The only functions that may write those fields: each app's `_move`, behind its transition table.
WRITERS = {
    ("matricule/registration/services.py", "_move"),
    ("matricule/requests/services.py", "_move"),
    ("matricule/payments/services.py", "_move"),
    ("matricule/documents/services.py", "_move"),
}

# Writes the inference cannot place, known to be on another model: (file, text of the line, why).
OTHER_MODELS: list[tuple[str, str, str]] = [
    (
        "matricule/scheduling/recovery.py",
        "claimed.update(",
        "django-tasks-db's DBTaskResult: a dead worker's task put back in the queue, or failed",
    ),
    (
        "matricule/scheduling/recovery.py",
        "elif claimed.update(status=TaskResultStatus.READY, started_at=None):",
        "django-tasks-db's DBTaskResult: a dead worker's task put back in the queue",
    ),
]

# Query methods whose result holds rows of the model they are called on.
SAME_MODEL = {
    "all", "filter", "exclude", "select_for_update", "select_related", "prefetch_related", "order_by",
    "distinct", "only", "defer", "annotate", "alias", "using", "reverse", "none", "values",
    "values_list", "union", "intersection", "difference", "extra", "iterator", "get", "first", "last",
    "earliest", "latest", "create", "aget", "afirst", "alast", "aearliest", "alatest", "acreate",
    "refresh_from_db",
}  # fmt: skip
PAIR = {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"}
# Helpers returning a row of the queryset or model they are given.
PASS_FIRST = {
    "get_object_or_404",
    "aget_object_or_404",
    "unique_row",
    "get_owned",
    "list",
    "sorted",
    "iter",
    "next",
}
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(tree: ast.Module, module: str, is_package: bool) -> dict[str, set[str]]:
    """Local name → dotted names it may stand for; imports inside functions count too."""
    names: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = resolve_from(module, is_package, node)
            for alias in node.names:
                names.setdefault(alias.asname or alias.name, set()).add(f"{source}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names.setdefault(local, set()).add(alias.name if alias.asname else local)
    return names


def dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


@dataclass
class Index:
    """The project's models (fields, relations) and annotated functions, read from the source."""

    fields: dict[str, set[str]] = field(default_factory=dict)  # model → field names
    relations: dict[str, dict[str, str]] = field(default_factory=dict)  # model → {field: target}
    reverse: dict[str, dict[str, str]] = field(default_factory=dict)  # target → {accessor: model}
    functions: dict[str, ast.expr] = field(default_factory=dict)  # module.function → return annotation
    modules: dict[str, tuple[ast.Module, dict[str, set[str]]]] = field(default_factory=dict)

    def by_name(self, name: str) -> set[str]:
        return {model for model in self.fields if model.rsplit(".", 1)[1] == name}


def is_field_call(value) -> str | None:
    """`models.CharField(…)`, `models.ForeignKey(…)`…: the kind of field a class attribute is."""
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        kind = name.rsplit(".", 1)[-1]
        if name.startswith("models.") and (kind.endswith("Field") or kind in RELATIONS):
            return kind
    return None


def build_index(paths) -> Index:
    index = Index()
    pending = []  # (model, field, target expression, related_name, kind)
    for path in paths:
        module = module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        index.modules[module] = (tree, imports_of(tree, module, path.name == "__init__.py"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
                index.functions[f"{module}.{node.name}"] = node.returns
            if not isinstance(node, ast.ClassDef):
                continue
            model = f"{module}.{node.name}"
            for item in node.body:
                if not (isinstance(item, ast.Assign) and len(item.targets) == 1):
                    continue
                target, kind = item.targets[0], is_field_call(item.value)
                if not (kind and isinstance(target, ast.Name)):
                    continue
                index.fields.setdefault(model, set()).add(target.id)
                if kind in RELATIONS:
                    call = item.value
                    to = (
                        call.args[0]
                        if call.args
                        else next((k.value for k in call.keywords if k.arg == "to"), None)
                    )
                    related = next((k.value for k in call.keywords if k.arg == "related_name"), None)
                    pending.append((model, target.id, to, related, kind))
    for model, name, to, related, kind in pending:
        target = None
        if isinstance(to, ast.Constant) and isinstance(to.value, str):
            label = to.value
            if label == "self":
                target = model
            else:
                app, _, cls = label.rpartition(".")
                exact = f"matricule.{app}.models.{cls}"
                candidates = {exact} & set(index.fields) or index.by_name(cls)
                target = next(iter(candidates)) if len(candidates) == 1 else None
        elif isinstance(to, ast.Name):
            candidates = {f"{model.rsplit('.', 1)[0]}.{to.id}"} & set(index.fields) or index.by_name(to.id)
            target = next(iter(candidates)) if len(candidates) == 1 else None
        if target is None:
            continue
        index.relations.setdefault(model, {})[name] = target
        accessor = related.value if isinstance(related, ast.Constant) else None
        if accessor is None:
            lower = model.rsplit(".", 1)[1].lower()
            accessor = lower if kind == "OneToOneField" else f"{lower}_set"
        if not accessor.endswith("+"):
            index.reverse.setdefault(target, {})[accessor] = model
    return index


@dataclass
class Write:
    path: str
    line: int
    function: str
    what: str
    models: frozenset  # empty: the model could not be told
    text: str

    def __str__(self) -> str:
        which = ", ".join(sorted(m.rsplit(".", 1)[1] for m in self.models)) or "unknown model"
        return f"{self.path}:{self.line} in {self.function or '<module>'}: {self.what} ({which}): {self.text}"


@dataclass
class Scope:
    """What the names of a function (or module) may hold: rows of which models, dicts of which keys
    (None: a dict whose keys cannot be told)."""

    models: dict[str, set[str]] = field(default_factory=dict)
    dicts: dict[str, set[str] | None] = field(default_factory=dict)

    def inner(self) -> "Scope":
        return Scope(dict(self.models), dict(self.dicts))


class Checker:
    """Finds the writes of the guarded fields in one module, with the model each one is on."""

    def __init__(self, index: Index, path: str, module: str, tree: ast.Module, imports):
        self.index, self.path, self.module, self.tree, self.imports = index, path, module, tree, imports
        self.source_lines: list[str] = []
        self.writes: list[Write] = []
        self.local_models = {
            node.name: f"{module}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.ClassDef) and f"{module}.{node.name}" in index.fields
        }

    # --- what a name, an annotation or an expression stands for ----------------------------------

    def resolve(self, name: str) -> set[str]:
        """Dotted names a local dotted name may stand for."""
        head, _, rest = name.partition(".")
        tail = f".{rest}" if rest else ""
        found = {self.local_models[head] + tail} if head in self.local_models else set()
        found |= {full + tail for full in self.imports.get(head, ())}
        return found or {f"{self.module}.{name}"}

    def models_named(self, name: str) -> set[str]:
        return {full for full in self.resolve(name) if full in self.index.fields}

    @staticmethod
    def flat(kind) -> set[str]:
        return set().union(*kind) if isinstance(kind, list) else set(kind)

    def annotation(self, node) -> set[str] | list[set[str]]:
        if node is None:
            return set()
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return set()
        if isinstance(node, ast.Subscript) and dotted(node.value) in ("tuple", "typing.Tuple", "Tuple"):
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return [self.flat(self.annotation(e)) for e in elements]
        name = dotted(node)
        if name:
            return self.models_named(name)
        return set().union(*(self.flat(self.annotation(c)) for c in ast.iter_child_nodes(node)))

    def function_returns(self, func) -> set[str] | list[set[str]]:
        name = dotted(func)
        for full in self.resolve(name) if name else ():
            if full in self.index.functions:
                module = full.rpartition(".")[0]
                tree, imports = self.index.modules[module]
                return Checker(self.index, "", module, tree, imports).annotation(self.index.functions[full])
        return set()

    def by_accessor(self, attr: str) -> set[str]:
        """An attribute of an object of unknown model: a relation all models name alike."""
        targets = {r[attr] for r in self.index.relations.values() if attr in r}
        targets |= {r[attr] for r in self.index.reverse.values() if attr in r}
        return targets if len(targets) == 1 else set()

    def kind(self, node, scope: Scope) -> set[str] | list[set[str]]:
        """The models whose rows (or queryset, or class) an expression holds; a list for a tuple."""
        if isinstance(node, ast.Name):
            return scope.models.get(node.id) or self.models_named(node.id)
        if isinstance(node, ast.Attribute):
            models = self.flat(self.kind(node.value, scope))
            if not models:
                name = dotted(node)
                return (self.models_named(name) if name else set()) or self.by_accessor(node.attr)
            found = set()
            for model in models:
                relations, reverse = self.index.relations.get(model, {}), self.index.reverse.get(model, {})
                target = relations.get(node.attr) or reverse.get(node.attr)
                if target:
                    found.add(target)
                elif isinstance(node.value, ast.Name) and self.models_named(node.value.id):
                    found.add(model)  # Model.objects, Model._default_manager…: the model itself
            return found
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in SAME_MODEL:
                return self.flat(self.kind(func.value, scope))
            if isinstance(func, ast.Attribute) and func.attr in PAIR:
                return [self.flat(self.kind(func.value, scope)), set()]
            name = dotted(func) or ""
            if name.rsplit(".", 1)[-1] in PASS_FIRST and node.args:
                return self.flat(self.kind(node.args[0], scope))
            return (self.models_named(name) if name else set()) or self.function_returns(func)
        if isinstance(node, ast.Subscript | ast.Starred | ast.Await | ast.NamedExpr):
            return self.kind(node.value, scope)
        if isinstance(node, ast.IfExp):
            return self.flat(self.kind(node.body, scope)) | self.flat(self.kind(node.orelse, scope))
        if isinstance(node, ast.BoolOp):
            return set().union(*(self.flat(self.kind(v, scope)) for v in node.values))
        if isinstance(node, ast.Tuple | ast.List):
            return [self.flat(self.kind(e, scope)) for e in node.elts]
        return set()

    def keys(self, node, scope: Scope) -> set[str] | None:
        """The keys a dict expression may hold; None when they cannot be told."""
        if isinstance(node, ast.Dict):
            found: set[str] = set()
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:  # {**other}
                    inner = self.keys(value, scope)
                    if inner is None:
                        return None
                    found |= inner
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.add(key.value)
                else:
                    return None
            return found
        if isinstance(node, ast.Call) and dotted(node.func) == "dict" and not node.args:
            if any(k.arg is None for k in node.keywords):
                return None
            return {k.arg for k in node.keywords}
        if isinstance(node, ast.Name):
            return scope.dicts.get(node.id)
        return None

    # --- scopes -----------------------------------------------------------------------------------

    def bind(self, target, kind, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if self.flat(kind):
                scope.models[target.id] = scope.models.get(target.id, set()) | self.flat(kind)
        elif isinstance(target, ast.Tuple | ast.List):
            parts = kind if isinstance(kind, list) and len(kind) == len(target.elts) else None
            for position, element in enumerate(target.elts):
                self.bind(element, parts[position] if parts else set(), scope)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, kind, scope)

    @staticmethod
    def own_nodes(body):
        """The nodes of a scope: the functions and classes inside it, not what is in them."""
        stack = list(body)
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.extend(ast.iter_child_nodes(node))

    def learn(self, body, scope: Scope) -> None:
        for _ in range(3):  # a name assigned from another one assigned later in the source
            dicts: dict[str, set[str] | None] = {}  # keys given to each name in this scope
            assigned: set[str] = set()

            def add(name: str, keys: set[str] | None, dicts=dicts) -> None:
                before = dicts.get(name, set())
                dicts[name] = None if keys is None or before is None else before | keys

            for node in self.own_nodes(body):
                if isinstance(node, ast.AnnAssign):
                    self.bind(node.target, self.annotation(node.annotation), scope)
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    kind = self.kind(node.value, scope)
                    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        self.bind(target, kind, scope)
                        if isinstance(target, ast.Name):
                            assigned.add(target.id)
                            add(target.id, self.keys(node.value, scope))
                        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                            key = target.slice  # fields["state"] = …: one more key
                            add(target.value.id, {key.value} if isinstance(key, ast.Constant) else None)
                elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                    self.bind(node.target, self.flat(self.kind(node.iter, scope)), scope)
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    self.bind(node.optional_vars, self.kind(node.context_expr, scope), scope)
                elif isinstance(node, ast.NamedExpr):
                    self.bind(node.target, self.kind(node.value, scope), scope)
            for name, keys in dicts.items():
                if name in assigned:
                    scope.dicts[name] = keys
                else:  # only added to: what it held before is needed too
                    before = scope.dicts.get(name)
                    scope.dicts[name] = None if keys is None or before is None else before | keys

    def run(self, source: str) -> list[Write]:
        self.source_lines = source.splitlines()
        self.scope(self.tree.body, Scope(), "", None)
        return self.writes

    def scope(self, body, scope: Scope, function: str, model_class: str | None) -> None:
        self.learn(body, scope)
        self.check(body, scope, function)
        for node in self.own_nodes(body):
            if isinstance(node, ast.ClassDef):
                owner = f"{self.module}.{node.name}" if function == "" else None
                self.scope(node.body, scope.inner(), function, owner if owner in self.index.fields else None)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = scope.inner()
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                for position, argument in enumerate(arguments):
                    kind = self.flat(self.annotation(argument.annotation))
                    if position == 0 and argument.arg == "self" and model_class:
                        kind = {model_class}
                    inner.models[argument.arg] = kind
                    inner.dicts.pop(argument.arg, None)
                self.scope(node.body, inner, node.name, None)

    # --- the writes -------------------------------------------------------------------------------

    def found(self, node, scope, receiver, name: str, what: str, function: str, *, sure=True) -> None:
        """A write of `name` on `receiver`: kept unless it is on another model. Not `sure` (the
        keys written cannot be told): kept only when the receiver is one of ours."""
        models = frozenset(self.flat(self.kind(receiver, scope)))
        if models and not any(GUARDED.get(m) == name for m in models):
            return  # another model's field of the same name
        if not models and not sure:
            return
        models = frozenset(m for m in models if GUARDED.get(m) == name)
        line = self.source_lines[node.lineno - 1].strip() if self.source_lines else ""
        self.writes.append(Write(self.path, node.lineno, function, what, models, line))

    def found_keys(self, node, scope, receiver, keys, what: str, function: str) -> None:
        for name in FIELDS if keys is None else keys & FIELDS:
            self.found(node, scope, receiver, name, what, function, sure=keys is not None)

    def check(self, body, scope: Scope, function: str) -> None:
        for node in self.own_nodes(body):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and part.attr in FIELDS
                        and isinstance(part.ctx, ast.Store)
                    ):
                        self.found(node, scope, part.value, part.attr, f"assigns .{part.attr}", function)
            if not isinstance(node, ast.Call):
                continue
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            receiver = node.func.value if method else None
            if dotted(node.func) == "setattr" and len(node.args) >= 2:
                key = node.args[1]
                if isinstance(key, ast.Constant) and key.value in FIELDS:
                    self.found(node, scope, node.args[0], key.value, f"setattr {key.value}", function)
            elif method in ("update", "aupdate"):
                keys: set[str] | None = {k.arg for k in node.keywords if k.arg}
                for spread in (k.value for k in node.keywords if k.arg is None):
                    more = self.keys(spread, scope)
                    keys = None if keys is None or more is None else keys | more
                self.found_keys(node, scope, receiver, keys, f"{method}()", function)
            elif method in ("update_or_create", "aupdate_or_create"):
                defaults = next((k.value for k in node.keywords if k.arg == "defaults"), None)
                defaults = defaults if defaults is not None else (node.args[0] if node.args else None)
                if defaults is not None:
                    keys = self.keys(defaults, scope)
                    self.found_keys(node, scope, receiver, keys, f"{method}(defaults=…)", function)
            elif method in ("bulk_update", "abulk_update", "bulk_create", "abulk_create"):
                key = "fields" if method.endswith("update") else "update_fields"
                listed = node.args[1] if key == "fields" and len(node.args) > 1 else None
                listed = next((k.value for k in node.keywords if k.arg == key), listed)
                self.found_keys(node, scope, receiver, constants(listed), f"{method}({key}=…)", function)


def constants(node) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def python_files():
    return sorted(SOURCE.rglob("*.py"))


@pytest.fixture(scope="module")
def index() -> Index:
    return build_index(python_files())


def writes_in(index: Index, source: str, path: str = "matricule/example/services.py") -> list[Write]:
    module = path.removesuffix(".py").replace("/", ".")
    tree = ast.parse(source)
    checker = Checker(index, path, module, tree, imports_of(tree, module, False))
    return checker.run(source)


def forbidden(writes: list[Write]) -> list[Write]:
    allowed_lines = {(path, text) for path, text, _why in OTHER_MODELS}
    return [
        w
        for w in writes
        if (w.path, w.function) not in WRITERS and not (not w.models and (w.path, w.text) in allowed_lines)
    ]


def all_writes(index: Index) -> list[Write]:
    writes = []
    for path in python_files():
        module = module_name(path)
        tree, imports = index.modules[module]
        relative = str(path.relative_to(ROOT))
        writes += Checker(index, relative, module, tree, imports).run(path.read_text())
    return writes


# --- the project ---------------------------------------------------------------------------------


def test_the_guarded_models_are_where_the_test_looks(index):
    for model, name in GUARDED.items():
        assert name in index.fields.get(model, set()), f"{model} has no field {name}"
    for path, function in WRITERS:
        tree = ast.parse((ROOT / path).read_text())
        assert any(isinstance(n, ast.FunctionDef) and n.name == function for n in tree.body), (path, function)


def test_state_fields_are_written_only_by_the_transitions(index):
    bad = forbidden(all_writes(index))
    if bad:
        pytest.fail("State written outside the transition services:\n" + "\n".join(map(str, bad)))


def test_each_transition_module_writes_its_field(index):
    writes = all_writes(index)
    for path, function in WRITERS:
        assert any(w.path == path and w.function == function and w.models for w in writes), (path, function)


def test_the_allow_list_has_no_stale_entries(index):
    unknown = {(w.path, w.text) for w in all_writes(index) if not w.models}
    stale = [entry for entry in OTHER_MODELS if (entry[0], entry[1]) not in unknown]
    assert not stale, stale


def test_the_admin_does_not_edit_a_state():
    """The admin's forms are a way of writing too: the field stays read-only there."""
    from django.apps import apps
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    for model in apps.get_models():
        name = GUARDED.get(f"{model.__module__}.{model.__name__}")
        model_admin = admin.site._registry.get(model)
        if name is None or model_admin is None:
            continue
        assert name not in model_admin.list_editable, model
        assert name in model_admin.get_readonly_fields(request) or name not in model_admin.get_fields(request)


# --- the checker itself: what it reports and what it leaves ------------------------------------------

REPORTED = {
    "attribute": """
from matricule.payments.models import Payment

def pay(pk):
    payment = Payment.objects.select_for_update().get(pk=pk)
    payment.status = Payment.Status.CONFIRMED
    payment.save()
""",
    "tuple target": """
from matricule.documents.models import Submission

def f(submission: Submission):
    submission.status, submission.comment = "validated", ""
""",
    "queryset update": """
from matricule.registration.models import Registration

def f():
    Registration.objects.filter(pk=1).update(state="paid")
""",
    "reverse accessor": """
from matricule.registration.models import Registration

def f(registration: Registration):
    registration.payments.filter(status="scheduled").update(status="cancelled")
""",
    "foreign key": """
from matricule.payments.models import Payment

def f(payment: Payment):
    payment.registration.state = "paid"
""",
    "loop": """
from matricule.requests.models import Request

def f():
    for request in Request.objects.all():
        request.state = "withdrawn"
""",
    "unknown object, state": """
def f(thing):
    thing.state = "registered"
""",
    "unknown object, status": """
def f(thing):
    thing.status = "confirmed"
""",
    "setattr": """
from matricule.payments.models import Payment

def f(payment: Payment):
    setattr(payment, "status", "refunded")
""",
    "update_or_create": """
from matricule.registration.models import Registration

def f():
    Registration.objects.update_or_create(pk=1, defaults={"state": "registered"})
""",
    "kwargs update": """
from matricule.documents.models import Submission

def f():
    Submission.objects.update(**{"status": "validated"})
""",
    "bulk_update": """
from matricule.payments.models import Payment

def f(rows):
    Payment.objects.bulk_update(rows, ["status"])
""",
    "annotated helper": """
from matricule.registration.services import _locked

def f(registration):
    locked = _locked(registration)
    locked.state = "exempt"
""",
    "defaults in a variable": """
from matricule.registration.models import Registration

def f(pk):
    values = {"kind": "first"}
    values["state"] = "registered"
    Registration.objects.update_or_create(pk=pk, defaults=values)
""",
    "defaults of unknown keys": """
from matricule.documents.models import Submission

def f(pk, values):
    Submission.objects.update_or_create(pk=pk, defaults=values)
""",
    "services module, outside _move": """
from matricule.payments.models import Payment

def confirm(payment: Payment):
    payment.status = "confirmed"
""",
}

LEFT = {
    "creation": """
from matricule.payments.models import Payment
from matricule.documents.models import Submission

def f(registration):
    Payment.objects.create(registration=registration, status=Payment.Status.SCHEDULED)
    Submission(registration=registration, status=Submission.Status.VALIDATED)
    Payment.objects.get_or_create(reference="x", defaults={"status": "pending"})
""",
    "other models": """
from matricule.certificates.models import BulkGeneration, IssuedDocument
from matricule.notifications.models import Email

def f(document: IssuedDocument, pk):
    document.status = IssuedDocument.Status.REVOKED
    email = Email.objects.select_for_update().get(pk=pk)
    email.status = Email.Status.SENT
    BulkGeneration.objects.filter(pk=pk).update(status="done")
""",
    "first state on creation only": """
from matricule.registration.models import Registration

def f(pk):
    values = {"kind": "first"}
    first = {**values, "state": "registered"}
    Registration.objects.update_or_create(pk=pk, defaults=values, create_defaults=first)
""",
    "dicts": """
def f(context, extra):
    context.update(**extra)
    context.update({"status": 200})
""",
    "reads": """
from matricule.payments.models import Payment

def f(payment: Payment):
    if payment.status == Payment.Status.CONFIRMED:
        return Payment.objects.filter(status="confirmed").update(note="x")
""",
}


@pytest.mark.parametrize("case", REPORTED)
def test_the_checker_reports(index, case):
    assert forbidden(writes_in(index, REPORTED[case], "matricule/payments/services.py")), case


@pytest.mark.parametrize("case", LEFT)
def test_the_checker_leaves(index, case):
    assert not forbidden(writes_in(index, LEFT[case])), case


def test_the_transition_itself_is_left(index):
    source = """
from matricule.payments.models import Payment

def _move(locked: Payment, wanted):
    locked.status = wanted
"""
    writes = writes_in(index, source, "matricule/payments/services.py")
    assert writes and not forbidden(writes)
