"""pgbench's script files as surge operations: `surge pg DSN -f FILE[@WEIGHT] -b NAME[@WEIGHT]`.

A script becomes one operation named after it: its SQL statements, sent together as one
pipeline segment and so one transaction (as the script's BEGIN ... END, or its
\\startpipeline ... \\endpipeline, asks). Its expressions (pgbench_expression) are read once,
before the run: what is the same in every transaction (`100000 * :scale`) is folded to a
constant, the rest becomes a computed variable the engine evaluates per transaction, and a
random function is one of surge's generators, drawn as pgbench draws it. `\\if`, `\\elif`,
`\\else` and `\\endif` become guards: each statement in a branch is sent only when its
branch is taken, and a `\\set` in a branch keeps the old value when it is not. A `:name` in
SQL becomes a bound parameter (a constant becomes its text, as pgbench substitutes it);
`:client_id` is the connection's number.

What this does not take is refused before the run, in one line with the file and line:
`\\sleep`, `\\gset` and `\\aset` (a statement cannot wait for an earlier one's row when
all go together), `\\;`, the other meta-commands, random functions whose parameters change
per transaction (except random()'s bounds), and several statements outside BEGIN ... END and
outside a pipeline (pgbench commits each alone; surge would run them as one transaction).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from surge.errors import ConfigError
from surge.protocols import postgres
from surge.protocols.postgres.pgbench_expression import (
    Constant,
    Emitter,
    Node,
    Refused,
    fold,
    parse,
)

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

_NOT_YET = "{} is not supported by surge pg -f yet; remove it, or run this script with pgbench"
_SQL_VARIABLE = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
_ROW_INTO_VARIABLES = re.compile(r"\\([ga]set)(\s+\w+)?\s*$")


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
    text: str, source: str, scale: int, weight: float, name: str, *, default_seed: int | None = None
) -> postgres.PostgresOperation:
    """A pgbench script's text as one surge operation; a ConfigError names `source` and the
    line of anything it does not take. `default_seed`: what hash() and permute() use without
    a seed (pgbench's :default_seed, random per run unless given)."""
    script = _Script(scale, random.getrandbits(63) if default_seed is None else default_seed)
    number = 0
    pending: list[str] = []  # a statement's lines so far: SQL ends at a ';' or the file's end
    pending_line = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        try:
            if not pending and (not line or line.startswith("--")):
                continue
            if not pending and line.startswith("\\"):
                script.meta(line, number)
                continue
            if "\\;" in line:
                raise Refused(_NOT_YET.format("\\; (several commands in one)"))
            if found := _ROW_INTO_VARIABLES.search(line):
                raise Refused(
                    _NOT_YET.format(f"\\{found.group(1)}") + " (surge sends a script's statements "
                    "together, so none can wait for an earlier one's row)"
                )
            if not pending:
                pending_line = number
            pending.append(raw)
            if line.endswith(";"):
                script.statement("\n".join(pending), pending_line)
                pending.clear()
        except Refused as why:
            raise ConfigError(f"{source}:{number}: {why}") from None
    if pending:
        try:
            script.statement("\n".join(pending), pending_line)
        except Refused as why:
            raise ConfigError(f"{source}:{pending_line}: {why}") from None
    try:
        script.finish()
    except _AtLine as why:
        raise ConfigError(f"{source}:{why}") from None
    except Refused as why:
        raise ConfigError(f"{source}: {why}") from None
    return script.operation(name, weight)


@dataclass
class _Branch:
    """An \\if ... \\endif being read: the guard of the branch open now, and of the branches
    still to come (None: every transaction takes it)."""

    line: int
    guard: str
    remaining: str | None
    chain: int  # which \\if
    taken: int = 0  # which of its branches is open: 0 for \\if, then each \\elif and \\else
    seen_else: bool = False


class _Script:
    """A script read line by line into computed variables, constants and guarded statements."""

    def __init__(self, scale: int, default_seed: int):
        self.constants: dict[str, Constant] = {"scale": scale, "default_seed": default_seed}
        self.current: dict[str, str] = {}  # a script variable -> its engine variable now
        self.computed: list[tuple[str, str]] = []
        self.taken: set[str] = set()
        self.branches: list[_Branch] = []
        # line, statement, guard, whether in a pipeline, and the branches it is in
        self.statements: list[tuple[int, postgres.Statement, str | None, bool, tuple]] = []
        self.chains = 0
        self.transaction: list[int] = []  # the lines of BEGIN and END
        self.pipeline: list[int] = []  # the lines of \startpipeline and \endpipeline

    @property
    def guard(self) -> str | None:
        return self.branches[-1].guard if self.branches else None

    def fresh(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{name}_{n}"
        self.taken.add(candidate)
        return candidate

    def resolve(self, name: str) -> str | Constant:
        if name in self.current:
            return self.current[name]
        if name in self.constants:
            return self.constants[name]
        raise Refused(f"the variable :{name} is not set before this line; add a \\set for it")

    def program(self, build: Callable[[Emitter], None]) -> str:
        emitter = Emitter(self.resolve)
        build(emitter)
        return emitter.program()

    def under(self, guard: str | None, value: Node | None, otherwise: Callable[[Emitter], None],
              then: Callable[[Emitter], None] | None = None) -> str:  # fmt: skip
        """A program: `then` (or `value`) when `guard` holds, else `otherwise`; lazily, so
        a branch not taken draws nothing."""

        def build(e: Emitter) -> None:
            def taken() -> None:
                if then is not None:
                    then(e)
                else:
                    e.emit(value, self.constants)  # type: ignore[arg-type]

            if guard is None:
                taken()
            else:
                _choose(e, guard, taken, otherwise)

        return self.program(build)

    def add(self, name: str, program: str) -> str:
        engine = self.fresh(name)
        self.computed.append((engine, program))
        return engine

    def meta(self, line: str, number: int) -> None:
        command, _, rest = line[1:].partition(" ")
        command, rest = command.lower(), rest.strip()
        if command == "set":
            self.set(rest)
        elif command in ("if", "elif"):
            self.condition(command, rest, number)
        elif command == "else":
            branch = self.open_branch("\\else")
            branch.seen_else = True
            branch.taken += 1
            branch.guard = self.close_branch(branch)
        elif command == "endif":
            self.open_branch("\\endif")
            self.branches.pop()
        elif command in ("startpipeline", "endpipeline"):
            if self.branches:
                raise Refused(f"\\{command} inside \\if; put the pipeline around it")
            if (command == "startpipeline") != (len(self.pipeline) == 0):
                raise Refused(
                    "one \\startpipeline before the statements and one \\endpipeline after them"
                )
            self.pipeline.append(number)
        elif command == "sleep":
            raise Refused(
                _NOT_YET.format("\\sleep") + " (pace the load with surge's load model instead)"
            )
        else:
            raise Refused(_NOT_YET.format(f"\\{command}"))

    def set(self, rest: str) -> None:
        variable, _, expression = rest.partition(" ")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable) or not expression.strip():
            raise Refused("expected \\set NAME EXPRESSION")
        if variable in ("scale", "client_id"):
            raise Refused(f":{variable} is pgbench's own; pick another name")
        tree = parse(expression)
        guard = self.guard
        if guard is None:
            folded = fold(tree, self.constants)
            if not isinstance(folded, Node):
                self.constants[variable] = folded
                self.current.pop(variable, None)
                return
        before = self.current.get(variable)
        prior = self.constants.get(variable)

        def keep(e: Emitter) -> None:  # a branch not taken leaves the variable as it was
            if before is not None:
                e.out.append(f"v:{before}")
            else:
                e.constant(prior)

        program = self.under(guard, tree, keep)
        self.constants.pop(variable, None)
        self.current[variable] = self.add(variable, program)

    def condition(self, command: str, expression: str, number: int) -> None:
        tree = parse(expression)

        def truth(e: Emitter) -> None:
            e.emit(tree, self.constants)
            e.out.append("truth")

        if command == "if":
            outer = self.guard
            guard = self.add("if_taken", self.under(outer, None, _false, then=truth))
            self.chains += 1
            self.branches.append(_Branch(number, guard, outer, self.chains))
            return
        branch = self.open_branch("\\elif")
        branch.taken += 1
        remaining = self.close_branch(branch)
        branch.remaining = remaining
        branch.guard = self.add("if_taken", self.under(remaining, None, _false, then=truth))

    def open_branch(self, what: str) -> _Branch:
        if not self.branches:
            raise Refused(f"{what} without \\if; add the \\if")
        if self.branches[-1].seen_else and what != "\\endif":
            raise Refused(f"{what} after \\else; \\else comes last")
        return self.branches[-1]

    def close_branch(self, branch: _Branch) -> str:
        """The guard of what comes after the branch open now: nothing it took."""

        def still(e: Emitter) -> None:
            if branch.remaining is None:
                e.constant(True)
            else:
                e.out.append(f"v:{branch.remaining}")

        remaining = self.add(
            "if_open",
            self.program(lambda e: _choose(e, branch.guard, lambda: e.constant(False), still)),
        )
        branch.remaining = remaining
        return remaining

    def statement(self, text: str, line: int) -> None:
        sql = text.strip().rstrip(";").strip()
        keyword = sql.split()[0].upper() if sql else ""
        opens, closes = keyword in ("BEGIN", "START"), keyword in ("END", "COMMIT")
        if (opens or closes) and self.branches:
            raise Refused("BEGIN and END inside \\if; put the transaction around the \\if")
        if (opens and (self.transaction or self.statements)) or (
            (closes and (len(self.transaction) != 1 or not self.statements))
            or (not opens and not closes and len(self.transaction) == 2)
        ):
            raise Refused("surge takes one BEGIN before the first statement and END after the last")
        if opens or closes:
            self.transaction.append(line)
        elif sql:
            piped = len(self.pipeline) == 1
            path = tuple((b.chain, b.taken) for b in self.branches)
            self.statements.append((line, self.bind(sql), self.guard, piped, path))

    def bind(self, sql: str) -> postgres.Statement:
        """`:name` in SQL outside quotes: a computed variable becomes $n (one per name), a
        constant its text, as pgbench substitutes it."""
        params: list[str] = []
        out = []
        for index, piece in enumerate(re.split(r"('(?:[^']|'')*')", sql)):
            if index % 2:  # a quoted literal: pgbench leaves it alone too
                out.append(piece)
                continue

            def swap(found: re.Match[str]) -> str:
                name = found.group(1)
                if name == "client_id" and name not in self.current:
                    self.current[name] = self.add("client_id", "client_id")
                value = self.resolve(name)
                if isinstance(value, str):
                    template = "{" + value + "}"
                    if template not in params:
                        params.append(template)
                    return f"${params.index(template) + 1}"
                return _sql_text(value)

            out.append(_SQL_VARIABLE.sub(swap, piece))
        return postgres.statement("".join(out), params)

    def finish(self) -> None:
        """Checks the script as a whole."""
        if self.branches:
            raise _AtLine(self.branches[-1].line, "\\if without \\endif; add it")
        if not self.statements:
            raise Refused("no SQL statement in the script; add one")
        if len(self.transaction) == 1:
            raise _AtLine(self.transaction[0], "BEGIN without END; add END; after the last")
        if len(self.pipeline) == 1:
            raise _AtLine(self.pipeline[0], "\\startpipeline without \\endpipeline; add it")
        if len(self.statements) > 1 and not self.transaction:
            # Statements outside a pipeline that one transaction could send together: two in
            # different branches of one \\if never are.
            loose = [s for s in self.statements if not s[3]]
            together = next(
                (b for a, b in itertools.combinations(loose, 2) if not _exclusive(a[4], b[4])), None
            )
            if together is None and len(loose) < len(self.statements) and loose:
                together = loose[0]
            if together is not None:
                raise _AtLine(
                    together[0],
                    "several statements outside BEGIN ... END; pgbench commits each alone, surge "
                    "would run them as one transaction: wrap them in BEGIN; and END; (or "
                    "\\startpipeline and \\endpipeline), or give each its own script",
                )

    def operation(self, name: str, weight: float) -> postgres.PostgresOperation:
        statements = tuple(
            dataclasses.replace(s, guard=guard or "") for _, s, guard, _, _ in self.statements
        )
        computed = self.needed(statements)
        # A draw only SQL reads is a plain generator variable: nothing to evaluate for it.
        read = {t[2:] for _, program in computed for t in program.split() if t.startswith("v:")}
        read |= {s.guard for s in statements if s.guard}
        draws = {
            engine: program[2:]
            for engine, program in computed
            if engine not in read and " " not in program and program.startswith("g:")
        }
        return postgres.PostgresOperation(
            name, statements, draws, weight,
            computed=tuple((e, p) for e, p in computed if e not in draws),
        )  # fmt: skip

    def needed(self, statements: tuple[postgres.Statement, ...]) -> list[tuple[str, str]]:
        """The computed variables a statement reads, directly or through another; a draw
        nothing reads is not drawn."""
        wanted = {p.strip("{}") for s in statements for p in s.params}
        wanted |= {s.guard for s in statements if s.guard}
        kept = []
        for engine, program in reversed(self.computed):
            if engine in wanted:
                kept.append((engine, program))
                wanted |= {t[2:] for t in program.split() if t.startswith("v:")}
        return kept[::-1]


class _AtLine(Refused):
    """A refusal about another line than the one being read."""

    def __init__(self, line: int, why: str):
        super().__init__(f"{line}: {why}")


def _exclusive(a: tuple, b: tuple) -> bool:
    """Whether two statements sit in different branches of one \\if."""
    taken = dict(a)
    return any(chain in taken and taken[chain] != branch for chain, branch in b)


def _false(e: Emitter) -> None:
    e.constant(False)


def _choose(e: Emitter, condition: str, then: Callable[[], None],
            otherwise: Callable[[Emitter], None]) -> None:  # fmt: skip
    e.out.append(f"v:{condition}")
    skip = e.jump("jf")
    then()
    end = e.jump("j")
    e.patch(skip)
    otherwise(e)
    e.patch(end)


def _sql_text(value: Constant) -> str:
    """A constant as pgbench writes it into SQL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)
