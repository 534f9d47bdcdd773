"""pgbench's script files as surge operations: `surge pg DSN -f FILE[@WEIGHT] -b NAME[@WEIGHT]`.

A script becomes one operation named after it: its SQL statements, in one transaction when
the script wraps them in BEGIN ... END (as pgbench's built-in scripts do), and its `\\set`
variables compiled once, at plan time, into surge's generators: `random(lb, ub)` is
`uniform(lb,ub)`, `random_zipfian(lb, ub, s)` is `zipf(lb,ub,s)`, and `random_exponential`
and `random_gaussian` are `exponential(lb,ub,s)` and `truncated_gaussian(lb,ub,s)`, drawn as
pgbench draws them. Constant arithmetic
(`100000 * :scale`, abs, greatest, least) is folded before the run; nothing is interpreted
per transaction. A `:name` in SQL becomes a bound parameter (a constant becomes its text,
as pgbench substitutes it).

What this does not take yet is refused before the run, in one line with the file and line:
meta-commands other than `\\set` (`\\sleep`, `\\gset`, `\\aset`, `\\if`, `\\startpipeline`, ...),
`hash` and `permute`, arithmetic on a random draw,
`:client_id`, and several statements outside BEGIN ... END (pgbench commits each alone; surge
would run them as one transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from surge.errors import ConfigError
from surge.protocols import postgres

# pgbench 15's built-in scripts (its documentation's "Built-in Scripts"); the INSERT is split
# over two lines here, which pgbench reads the same.
BUILTIN_SCRIPTS = {
    "tpcb-like": """\
\\set aid random(1, 100000 * :scale)
\\set bid random(1, 1 * :scale)
\\set tid random(1, 10 * :scale)
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
    VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
""",
    "simple-update": """\
\\set aid random(1, 100000 * :scale)
\\set bid random(1, 1 * :scale)
\\set tid random(1, 10 * :scale)
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
    VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
""",
    "select-only": """\
\\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
""",
}

_INT64 = (-(2**63), 2**63 - 1)
_NOT_YET = "{} is not supported by surge pg -f yet; remove it, or run this script with pgbench"
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)"
    r"|:(?P<variable>[A-Za-z_][A-Za-z0-9_]*)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>[-+*/%(),]))"
)
_SQL_VARIABLE = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Draw:
    """A `\\set` whose value is drawn per transaction: a surge generator's text."""

    generator: str


class _Refused(Exception):
    """Something in a script surge does not take; the caller adds the file and line."""


class _Expression:
    """pgbench's expression syntax, folded to a constant (int or float) or one Draw. Only a
    draw as the whole expression can be a generator: arithmetic on a draw would need the
    expression evaluated per transaction."""

    def __init__(self, text: str, constants: dict[str, int | float], draws: set[str]):
        self.tokens = self._tokens(text)
        self.at = 0
        self.constants = constants
        self.draws = draws

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        out, at = [], 0
        while at < len(text.rstrip()):
            found = _TOKEN.match(text, at)
            if found is None or found.end() == at:
                raise _Refused(
                    f"cannot read the expression at {text[at:].strip()!r}; write pgbench's "
                    "operators (+ - * / %), numbers, :variables and functions"
                )
            kind = found.lastgroup or ""
            out.append((kind, found.group(kind)))
            at = found.end()
        return out

    def parse(self) -> int | float | Draw:
        value = self._sum()
        if self.at != len(self.tokens):
            raise _Refused(
                f"unexpected {self.tokens[self.at][1]!r} in the expression; check its operators"
            )
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise _Refused("the expression ends too early; check it is complete")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise _Refused(f"expected {expected!r}, got {token[1]!r}")
        self.at += 1
        return token

    def _sum(self) -> int | float | Draw:
        value = self._product()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            value = _arith(op, value, self._product())
        return value

    def _product(self) -> int | float | Draw:
        value = self._unary()
        while self._peek() in ("*", "/", "%"):
            op = self._take()[1]
            value = _arith(op, value, self._unary())
        return value

    def _unary(self) -> int | float | Draw:
        if self._peek() == "-":
            self._take()
            return _arith("-", 0, self._unary())
        if self._peek() == "+":
            self._take()
        return self._atom()

    def _atom(self) -> int | float | Draw:
        kind, text = self._take()
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "variable":
            if text == "client_id":
                raise _Refused(":client_id has no counterpart in surge pg -f yet; remove it")
            if text in self.draws:
                raise _Refused(
                    f"arithmetic on :{text}, a random draw, would be evaluated per "
                    "transaction; surge takes a random function as the whole expression"
                )
            if text not in self.constants:
                raise _Refused(
                    f"the variable :{text} is not set before this line; add a \\set for it"
                )
            return self.constants[text]
        if kind == "name":
            return self._call(text.lower())
        if text == "(":
            value = self._sum()
            self._take(")")
            return value
        raise _Refused(f"unexpected {text!r} in the expression; check its operators")

    def _call(self, name: str) -> int | float | Draw:
        self._take("(")
        args: list[int | float | Draw] = []
        if self._peek() != ")":
            args.append(self._sum())
            while self._peek() == ",":
                self._take()
                args.append(self._sum())
        self._take(")")
        if any(isinstance(a, Draw) for a in args):
            raise _Refused(
                f"{name}() of a random draw would be evaluated per transaction; give it constants"
            )
        return _function(name, args)  # type: ignore[arg-type]


def _arith(op: str, left: object, right: object) -> int | float:
    if isinstance(left, Draw) or isinstance(right, Draw):
        raise _Refused(
            "arithmetic on a random draw would be evaluated per transaction; surge takes a "
            "random function as the whole expression"
        )
    assert isinstance(left, (int, float)) and isinstance(right, (int, float))
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        raise _Refused("division by zero; check the divisor")
    if isinstance(left, int) and isinstance(right, int):
        # pgbench's integer division and remainder truncate toward zero, as C does.
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        return quotient if op == "/" else left - quotient * right
    if op == "%":
        raise _Refused("% takes integers")
    return left / right


def _whole(value: int | float, what: str) -> int:
    if not isinstance(value, int) or not _INT64[0] <= value <= _INT64[1]:
        raise _Refused(f"{what}: expected a whole number, got {value!r}")
    return value


def _function(name: str, args: list[int | float]) -> int | float | Draw:
    def arity(n: int) -> None:
        if len(args) != n:
            raise _Refused(f"{name}() takes {n} arguments, got {len(args)}")

    if name == "random":
        arity(2)
        lb, ub = _whole(args[0], "random's lower bound"), _whole(args[1], "random's upper bound")
        if lb > ub:
            raise _Refused(f"random({lb}, {ub}): the lower bound must not be above the upper")
        return Draw(f"uniform({lb},{ub})")
    if name == "random_zipfian":
        arity(3)
        lb, ub = _whole(args[0], "its lower bound"), _whole(args[1], "its upper bound")
        s = float(args[2])
        # pgbench 15 takes a parameter from 1.001 to 1000.
        if not 1.001 <= s <= 1000 or lb > ub:
            raise _Refused(
                f"random_zipfian({lb}, {ub}, {s:g}): bounds in order and a parameter from "
                "1.001 to 1000, as pgbench asks"
            )
        return Draw(f"zipf({lb},{ub},{s!r})")
    if name in ("random_exponential", "random_gaussian"):
        arity(3)
        lb, ub = _whole(args[0], "its lower bound"), _whole(args[1], "its upper bound")
        shape = float(args[2])
        gaussian = name == "random_gaussian"
        if lb > ub or not (shape >= 2.0 if gaussian else shape > 0):
            raise _Refused(
                f"{name}({lb}, {ub}, {shape:g}): bounds in order and a parameter "
                + ("of at least 2.0" if gaussian else "above 0")
                + ", as pgbench asks"
            )
        generator = "truncated_gaussian" if gaussian else "exponential"
        return Draw(f"{generator}({lb},{ub},{shape!r})")
    if name in ("abs", "greatest", "least"):
        if not args or (name == "abs" and len(args) != 1):
            raise _Refused(f"{name}() needs its arguments")
        return abs(args[0]) if name == "abs" else (max if name == "greatest" else min)(args)
    if name in ("hash", "hash_fnv1a", "hash_murmur2", "permute"):
        raise _Refused(_NOT_YET.format(f"{name}()"))
    raise _Refused(
        f"unknown function {name}(); use random, random_zipfian, random_exponential, "
        "random_gaussian, abs, greatest or least"
    )


def _split_weight(spec: str, flag: str) -> tuple[str, float]:
    """FILE@WEIGHT or NAME@WEIGHT (pgbench's syntax); the weight is 1 without one."""
    path, at, weight = spec.rpartition("@")
    if not at:
        return spec, 1.0
    try:
        value = float(weight)
    except ValueError:
        raise ConfigError(f"{flag} {spec!r}: the weight after @ must be a number") from None
    if not 0 <= value <= 1e6 or not path:
        raise ConfigError(f"{flag} {spec!r}: expected NAME@WEIGHT with a weight from 0")
    return path, value


def check_builtin(spec: str) -> tuple[str, float]:
    """`-b NAME[@WEIGHT]` read and checked, before anything connects."""
    name, weight = _split_weight(spec, "-b")
    if name not in BUILTIN_SCRIPTS:
        raise ConfigError(f"-b {name!r}: expected one of {', '.join(BUILTIN_SCRIPTS)}")
    return name, weight


def builtin(spec: str, scale: int) -> postgres.PostgresOperation:
    """`-b NAME[@WEIGHT]`: one of pgbench's built-in scripts."""
    name, weight = check_builtin(spec)
    return compile_script(BUILTIN_SCRIPTS[name], f"builtin {name}", scale, weight,
                          name.replace("-", "_"))  # fmt: skip


def script_file(spec: str, scale: int) -> postgres.PostgresOperation:
    """`-f FILE[@WEIGHT]`: a script file, named after the file."""
    name, weight = _split_weight(spec, "-f")
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"-f {name}: cannot read it ({exc.strerror or exc}); give a pgbench script file"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"-f {name}: not UTF-8 text; save the script as UTF-8") from None
    operation = re.sub(r"[^A-Za-z0-9_]", "_", path.stem) or "script"
    return compile_script(text, name, scale, weight, operation)


def compile_script(
    text: str, source: str, scale: int, weight: float, name: str
) -> postgres.PostgresOperation:
    """A pgbench script's text as one surge operation; a ConfigError names `source` and the
    line of anything it does not take."""
    constants: dict[str, int | float] = {"scale": scale}
    draws: dict[str, str] = {}
    statements: list[tuple[int, str]] = []
    transaction: list[int] = []  # the lines of BEGIN and END
    pending: list[str] = []  # a statement's lines so far: SQL ends at a ';' or the file's end
    pending_line = 0

    def take_statement() -> None:
        sql = "\n".join(pending).strip().rstrip(";").strip()
        pending.clear()
        keyword = sql.split()[0].upper() if sql else ""
        opens, closes = keyword in ("BEGIN", "START"), keyword in ("END", "COMMIT")
        if (opens and (transaction or statements)) or (
            (closes and (len(transaction) != 1 or not statements))
            or (not opens and not closes and len(transaction) == 2)
        ):
            raise _Refused(
                "surge takes one BEGIN before the first statement and END after the last"
            )
        if opens or closes:
            transaction.append(pending_line)
        elif sql:
            statements.append((pending_line, sql))

    number = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        try:
            if not pending and (not line or line.startswith("--")):
                continue
            if not pending and line.startswith("\\"):
                _set(line, constants, draws)
                continue
            if "\\;" in line:
                raise _Refused(_NOT_YET.format("\\; (several commands in one)"))
            if not pending:
                pending_line = number
            pending.append(raw)
            if line.endswith(";"):
                take_statement()
        except _Refused as why:
            raise ConfigError(f"{source}:{number}: {why}") from None
    if pending:
        try:
            take_statement()
        except _Refused as why:
            raise ConfigError(f"{source}:{pending_line}: {why}") from None
    if not statements:
        raise ConfigError(f"{source}: no SQL statement in the script; add one")
    if len(transaction) == 1:
        raise ConfigError(f"{source}:{transaction[0]}: BEGIN without END; add END; after the last")
    if len(statements) > 1 and not transaction:
        raise ConfigError(
            f"{source}:{statements[1][0]}: several statements outside BEGIN ... END; pgbench "
            "commits each alone, surge would run them as one transaction: wrap them in BEGIN; "
            "and END;, or give each its own script"
        )
    bound = []
    for number, sql in statements:
        try:
            bound.append(_bind(sql, constants, draws))
        except _Refused as why:
            raise ConfigError(f"{source}:{number}: {why}") from None
    used = {p.strip("{}") for s in bound for p in s.params}
    variables = {k: v for k, v in draws.items() if k in used}
    if len(bound) == 1:
        (only,) = bound
        return postgres.query(name, only.sql, params=only.params, variables=variables,
                              weight=weight)  # fmt: skip
    return postgres.transaction(name, bound, variables=variables, weight=weight)


def _set(line: str, constants: dict[str, int | float], draws: dict[str, str]) -> None:
    """A meta-command line: `\\set NAME EXPRESSION` compiled into `constants` or `draws`."""
    command, _, rest = line[1:].partition(" ")
    if command.lower() != "set":
        raise _Refused(_NOT_YET.format(f"\\{command}"))
    variable, _, expression = rest.strip().partition(" ")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable) or not expression.strip():
        raise _Refused("expected \\set NAME EXPRESSION")
    if variable in ("scale", "client_id"):
        raise _Refused(f":{variable} is pgbench's own; pick another name")
    value = _Expression(expression, constants, set(draws)).parse()
    constants.pop(variable, None)
    draws.pop(variable, None)
    if isinstance(value, Draw):
        draws[variable] = value.generator
    else:
        constants[variable] = value


def _bind(sql: str, constants: dict[str, int | float], draws: dict[str, str]) -> postgres.Statement:
    """`:name` in SQL outside quotes: a draw becomes $n (one per name), a constant its text."""
    params: list[str] = []
    out = []
    for index, piece in enumerate(re.split(r"('(?:[^']|'')*')", sql)):
        if index % 2:  # a quoted literal: pgbench leaves it alone too
            out.append(piece)
            continue

        def swap(found: re.Match[str]) -> str:
            name = found.group(1)
            if name in draws:
                template = "{" + name + "}"
                if template not in params:
                    params.append(template)
                return f"${params.index(template) + 1}"
            if name in constants:
                return str(constants[name])
            if name == "client_id":
                raise _Refused(":client_id has no counterpart in surge pg -f yet; remove it")
            raise _Refused(f"the variable :{name} is not set; add a \\set for it above")

        out.append(_SQL_VARIABLE.sub(swap, piece))
    return postgres.statement("".join(out), params)
