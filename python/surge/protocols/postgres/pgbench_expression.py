"""pgbench's expression language (`\\set NAME EXPRESSION`, `\\if EXPRESSION`), parsed once.

An expression is read into a tree with pgbench's grammar and precedence, then either folded to
a constant here (what does not change between transactions: `100000 * :scale`), or written as
a postfix program the engine runs once per transaction
(cpp/surge/proto/pg/script_expression.hpp says what each token does). A random function's
bounds and parameter are folded here, so its draw is one of surge's generators, drawn as
pgbench draws it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_INT64 = (-(2**63), 2**63 - 1)
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)"
    r"|:(?P<variable>[A-Za-z_][A-Za-z0-9_]*)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><>|!=|<=|>=|<<|>>|[-+*/%(),<>=&|#~]))"
)
_KEYWORDS = {"and", "or", "not", "is", "isnull", "notnull", "null", "true", "false", "case",
             "when", "then", "else", "end"}  # fmt: skip
_COMPARISONS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_BITWISE = {"&", "|", "#", "<<", ">>"}
# Functions the engine evaluates per transaction, with their arity (None: one or more).
_FUNCTIONS: dict[str, int | None] = {
    "abs": 1, "debug": 1, "double": 1, "int": 1, "exp": 1, "ln": 1, "sqrt": 1, "pow": 2,
    "power": 2, "mod": 2, "pi": 0, "greatest": None, "least": None, "hash": None,
    "hash_murmur2": None, "hash_fnv1a": None, "permute": None,
}  # fmt: skip
_RANDOM = ("random", "random_exponential", "random_gaussian", "random_zipfian")


class Refused(Exception):
    """Something in an expression surge does not take; the caller adds the file and line."""


@dataclass(frozen=True)
class Node:
    """A node of the expression tree: `kind` with its value or children."""

    kind: str  # const, var, client_id, call, binary, unary, case, isnull
    value: object = None
    children: tuple[Node, ...] = ()


Constant = int | float | bool | None


def parse(text: str) -> Node:
    """pgbench's expression syntax as a tree; Refused names what it could not read."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(text.rstrip()):
            found = _TOKEN.match(text, at)
            if found is None or found.end() == at:
                raise Refused(
                    f"cannot read the expression at {text[at:].strip()!r}; write pgbench's "
                    "operators, numbers, :variables and functions"
                )
            kind = found.lastgroup or ""
            word = found.group(kind)
            if kind == "name" and word.lower() in _KEYWORDS:
                kind, word = "keyword", word.lower()
            self.tokens.append((kind, word))
            at = found.end()
        self.at = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise Refused("an empty expression; write one")
        node = self._or()
        if self.at != len(self.tokens):
            raise Refused(f"unexpected {self.tokens[self.at][1]!r} in the expression")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise Refused("the expression ends too early; check it is complete")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise Refused(f"expected {expected!r}, got {token[1]!r}")
        self.at += 1
        return token

    def _or(self) -> Node:
        node = self._and()
        while self._peek() == "or":
            self._take()
            node = Node("binary", "or", (node, self._and()))
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._peek() == "and":
            self._take()
            node = Node("binary", "and", (node, self._not()))
        return node

    def _not(self) -> Node:
        if self._peek() == "not":
            self._take()
            return Node("unary", "not", (self._not(),))
        return self._is()

    def _is(self) -> Node:
        node = self._comparison()
        while self._peek() in ("is", "isnull", "notnull"):
            word = self._take()[1]
            negated = word == "notnull"
            if word == "is":
                if self._peek() == "not":
                    self._take()
                    negated = True
                what = self._take()[1]
                if what != "null":
                    raise Refused(f"IS {what.upper()} is not supported; write IS [NOT] NULL")
            node = Node("isnull", negated, (node,))
        return node

    def _comparison(self) -> Node:
        node = self._bitwise()
        if self._peek() in _COMPARISONS:
            op = _COMPARISONS[self._take()[1]]
            node = Node("binary", op, (node, self._bitwise()))
            if self._peek() in _COMPARISONS:
                raise Refused("comparisons do not chain; join them with AND")
        return node

    def _bitwise(self) -> Node:
        node = self._sum()
        while self._peek() in _BITWISE:
            op = self._take()[1]
            node = Node("binary", op, (node, self._sum()))
        return node

    def _sum(self) -> Node:
        node = self._product()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            node = Node("binary", op, (node, self._product()))
        return node

    def _product(self) -> Node:
        node = self._unary()
        while self._peek() in ("*", "/", "%"):
            op = self._take()[1]
            node = Node("binary", op, (node, self._unary()))
        return node

    def _unary(self) -> Node:
        if self._peek() == "-":
            self._take()
            return Node("unary", "-", (self._unary(),))
        if self._peek() == "~":
            self._take()
            return Node("unary", "~", (self._unary(),))
        if self._peek() == "+":
            self._take()
        return self._atom()

    def _atom(self) -> Node:
        kind, text = self._take()
        if kind == "number":
            value: Constant = float(text) if any(c in text for c in ".eE") else int(text)
            if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
                raise Refused(f"{text} is out of int64's range; give a number that fits in 64 bits")
            return Node("const", value)
        if kind == "variable":
            return Node("client_id") if text == "client_id" else Node("var", text)
        if kind == "keyword":
            if text in ("true", "false"):
                return Node("const", text == "true")
            if text == "null":
                return Node("const", None)
            if text == "case":
                return self._case()
            raise Refused(f"unexpected {text.upper()} in the expression")
        if kind == "name":
            return self._call(text.lower())
        if text == "(":
            node = self._or()
            self._take(")")
            return node
        raise Refused(f"unexpected {text!r} in the expression; check its operators")

    def _case(self) -> Node:
        branches: list[Node] = []
        while self._peek() == "when":
            self._take()
            condition = self._or()
            self._take("then")
            branches += [condition, self._or()]
        if not branches:
            raise Refused("CASE needs WHEN ... THEN ...")
        otherwise = Node("const", None)
        if self._peek() == "else":
            self._take()
            otherwise = self._or()
        self._take("end")
        return Node("case", None, (*branches, otherwise))

    def _call(self, name: str) -> Node:
        self._take("(")
        args: list[Node] = []
        if self._peek() != ")":
            args.append(self._or())
            while self._peek() == ",":
                self._take()
                args.append(self._or())
        self._take(")")
        return Node("call", name, tuple(args))


def fold(node: Node, constants: dict[str, Constant]) -> Constant | Node:
    """The node's value when it is the same in every transaction (numbers, :scale, constant
    variables, and arithmetic on them), otherwise the node itself."""
    if node.kind == "const":
        return node.value  # type: ignore[return-value]
    if node.kind == "var" and node.value in constants:
        return constants[node.value]  # type: ignore[index]
    if node.kind == "binary" and node.value in ("+", "-", "*", "/", "%"):
        left, right = (fold(c, constants) for c in node.children)
        if _number(left) and _number(right):
            return _arith(node.value, left, right)  # type: ignore[arg-type]
    if node.kind == "unary" and node.value == "-":
        value = fold(node.children[0], constants)
        if _number(value):
            return _arith("-", 0, value)  # type: ignore[arg-type]
    if node.kind == "call" and node.value in ("abs", "greatest", "least"):
        args = [fold(c, constants) for c in node.children]
        if args and all(_number(a) for a in args):
            if node.value == "abs":
                if len(args) != 1:
                    raise Refused("abs() takes 1 argument")
                return abs(args[0])  # type: ignore[arg-type]
            return (max if node.value == "greatest" else min)(args)  # type: ignore[type-var]
    return node


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _arith(op: str, left: int | float, right: int | float) -> int | float:
    if op == "+":
        out: int | float = left + right
    elif op == "-":
        out = left - right
    elif op == "*":
        out = left * right
    elif right == 0:
        raise Refused("division by zero; check the divisor")
    elif isinstance(left, int) and isinstance(right, int):
        # pgbench's integer division and remainder truncate toward zero, as C does.
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        out = quotient if op == "/" else left - quotient * right
    elif op == "%":
        raise Refused("% takes integers")
    else:
        out = left / right
    if isinstance(out, int) and not _INT64[0] <= out <= _INT64[1]:
        raise Refused("bigint out of range in a constant; check the arithmetic")
    return out


def _whole(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not _INT64[0] <= value <= _INT64[1]:
        raise Refused(f"{what}: expected a whole number, got {value!r}")
    return value


def draw(name: str, args: list[Constant]) -> str:
    """A random function with constant arguments as a surge generator's spec."""
    expected = 2 if name == "random" else 3
    if len(args) != expected:
        raise Refused(f"{name}() takes {expected} arguments, got {len(args)}")
    lb, ub = _whole(args[0], f"{name}'s lower bound"), _whole(args[1], f"{name}'s upper bound")
    if lb > ub:
        raise Refused(f"{name}({lb}, {ub}): the lower bound must not be above the upper")
    if name == "random":
        return f"uniform({lb},{ub})"
    if not _number(args[2]):
        raise Refused(f"{name}: its parameter must be a number")
    s = float(args[2])  # type: ignore[arg-type]
    if name == "random_zipfian":
        # pgbench 15 takes a parameter from 1.001 to 1000.
        if not 1.001 <= s <= 1000:
            raise Refused(f"random_zipfian({lb}, {ub}, {s:g}): a parameter from 1.001 to 1000, "
                          "as pgbench asks")  # fmt: skip
        return f"zipf({lb},{ub},{s!r})"
    gaussian = name == "random_gaussian"
    if not (s >= 2.0 if gaussian else s > 0):
        least = "of at least 2.0" if gaussian else "above 0"
        raise Refused(f"{name}({lb}, {ub}, {s:g}): a parameter {least}, as pgbench asks")
    return f"{'truncated_gaussian' if gaussian else 'exponential'}({lb},{ub},{s!r})"


class Emitter:
    """Writes trees as one postfix program. `variable(name)` gives the engine's name of a
    per-transaction variable, a constant, or raises Refused; hash() and permute() without a
    seed read :default_seed through it, as pgbench's do."""

    def __init__(self, variable: Callable[[str], str | Constant]):
        self.variable = variable
        self.out: list[str] = []

    def program(self) -> str:
        return " ".join(self.out)

    def label(self) -> int:
        """The index the next token will have: a jump's target."""
        return len(self.out)

    def jump(self, kind: str) -> int:
        """A jump whose target patch() sets later; returns its index."""
        self.out.append(f"{kind}:?")
        return len(self.out) - 1

    def patch(self, at: int) -> None:
        self.out[at] = self.out[at].replace("?", str(len(self.out)))

    def constant(self, value: Constant) -> None:
        if value is None:
            self.out.append("null")
        elif isinstance(value, bool):
            self.out.append(f"b:{int(value)}")
        elif isinstance(value, int):
            self.out.append(f"i:{value}")
        else:
            self.out.append(f"d:{value!r}")

    def emit(self, node: Node, constants: dict[str, Constant]) -> None:
        folded = fold(node, constants)
        if not isinstance(folded, Node):
            self.constant(folded)
            return
        kind = node.kind
        if kind == "var":
            value = self.variable(str(node.value))
            if isinstance(value, str):
                self.out.append(f"v:{value}")
            else:
                self.constant(value)
        elif kind == "client_id":
            self.out.append("client_id")
        elif kind == "unary":
            self.emit(node.children[0], constants)
            self.out.append({"-": "neg", "~": "~", "not": "not"}[str(node.value)])
        elif kind == "isnull":
            self.emit(node.children[0], constants)
            self.out.append("notnull" if node.value else "isnull")
        elif kind == "binary" and node.value in ("and", "or"):
            self.emit(node.children[0], constants)
            decided = self.jump(str(node.value))
            self.emit(node.children[1], constants)
            self.out.append("bool")
            self.patch(decided)
        elif kind == "binary":
            self.emit(node.children[0], constants)
            self.emit(node.children[1], constants)
            self.out.append(str(node.value))
        elif kind == "case":
            *branches, otherwise = node.children
            ends = []
            for condition, value in zip(branches[::2], branches[1::2], strict=True):
                self.emit(condition, constants)
                skip = self.jump("jf")
                self.emit(value, constants)
                ends.append(self.jump("j"))
                self.patch(skip)
            self.emit(otherwise, constants)
            for end in ends:
                self.patch(end)
        elif kind == "call":
            self._call(str(node.value), list(node.children), constants)
        else:  # pragma: no cover - the parser makes no other kind
            raise Refused(f"cannot compile {kind}")

    def _call(self, name: str, args: list[Node], constants: dict[str, Constant]) -> None:
        if name in _RANDOM:
            folded = [fold(a, constants) for a in args]
            if all(not isinstance(a, Node) for a in folded):
                self.out.append("g:" + draw(name, folded))  # type: ignore[arg-type]
                return
            if name != "random" or len(args) != 2:
                raise Refused(
                    f"{name}() with bounds that change per transaction; give it constants "
                    "(random() alone takes variable bounds)"
                )
            for a in args:
                self.emit(a, constants)
            self.out.append("random")
            return
        if name not in _FUNCTIONS:
            known = ", ".join(sorted([*_FUNCTIONS, *_RANDOM]))
            raise Refused(f"unknown function {name}(); use one of pgbench's: {known}")
        arity = _FUNCTIONS[name]
        if name == "power":
            name = "pow"
        if name == "hash":
            name = "hash_murmur2"
        if name in ("hash_murmur2", "hash_fnv1a", "permute"):
            least = 2 if name == "permute" else 1
            if not least <= len(args) <= least + 1:
                raise Refused(f"{name}() takes {least} or {least + 1} arguments, got {len(args)}")
            for a in args:
                self.emit(a, constants)
            if len(args) == least:
                self.emit(Node("var", "default_seed"), constants)
            self.out.append(f"f:{name}/{least + 1}")
            return
        if arity is not None and len(args) != arity:
            raise Refused(f"{name}() takes {arity} argument(s), got {len(args)}")
        if arity is None and not args:
            raise Refused(f"{name}() needs its arguments")
        for a in args:
            self.emit(a, constants)
        self.out.append(f"f:{name}/{len(args)}")
