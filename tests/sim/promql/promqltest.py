"""A runner for Prometheus' PromQL test DSL (promql/test.go, v2.42) against the sim's engine.

The DSL: `load <interval>` followed by series lines such as `http_requests{job="api"} 0+10x10`,
`eval[_fail|_ordered] instant at <duration> <expr>` followed by the expected series lines (or a
bare number for a scalar), and `clear`. Like upstream, every instant evaluation is repeated as a
range query from t-1m to t+1m every 1m whose middle step must agree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.sim.promql import Engine
from warroom.sim.tsdb import STALE_NAN, Labels, SeriesStore, canonical_labels

EPSILON = 0.000001  # relative error allowed for sample values, as upstream
MIN_NORMAL = 2.2250738585072014e-308

_NUM = (r"(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.(?:[eE][+-]?[0-9]+)?"
        r"|[iI][nN][fF]|[nN][aA][nN])")
_ITEM_RE = re.compile(
    rf"^(?:(?P<blank>_)(?:x(?P<blank_n>[0-9]+))?|(?P<stale>stale)"
    rf"|(?P<value>[+-]?{_NUM})(?:(?P<delta>[+-]{_NUM})?x(?P<n>[0-9]+))?)$"
)
_EVAL_RE = re.compile(r"^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
_LOAD_RE = re.compile(r"^load\s+(.+?)$")
_DURATION_RE = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_DURATION_MS = (365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1)
_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_RE = re.compile(
    r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*(,)?"
)


class DslError(ValueError):
    """A malformed test file."""


def parse_duration(text: str) -> int:
    """Prometheus' model.ParseDuration, in milliseconds."""
    m = _DURATION_RE.match(text)
    if text in ("", "0") or m is None:
        if text == "0":
            return 0
        raise DslError(f"not a valid duration: {text!r}")
    return sum(int(g) * unit for g, unit in zip(m.groups(), _DURATION_MS, strict=True) if g)


def parse_number(text: str) -> float | None:
    """parseNumber() from test.go: an int in any Go base, else a float."""
    try:
        return float(int(text, 0))
    except ValueError:
        pass
    if re.fullmatch(rf"[+-]?{_NUM}", text):
        return float(text)
    return None


def _unquote(token: str) -> str:
    body = token[1:-1]
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")


def parse_series(line: str) -> tuple[Labels, list[float | None]]:
    """A series description: metric name and labels, then sequence values (None = omitted)."""
    rest = line.strip()
    labels: dict[str, str] = {}
    m = _NAME_RE.match(rest)
    if m:
        labels["__name__"] = m.group()
        rest = rest[m.end():]
    if rest.startswith("{"):
        rest = rest[1:]
        while not rest.lstrip().startswith("}"):
            lm = _LABEL_RE.match(rest)
            if lm is None:
                raise DslError(f"bad label list in {line!r}")
            labels[lm.group(1)] = _unquote(lm.group(2))
            rest = rest[lm.end():]
        rest = rest.lstrip()[1:]
    values: list[float | None] = []
    for token in rest.split():
        item = _ITEM_RE.match(token)
        if item is None:
            raise DslError(f"bad sequence value {token!r} in {line!r}")
        if item["blank"]:
            values.extend([None] * (int(item["blank_n"]) if item["blank_n"] else 1))
        elif item["stale"]:
            values.append(STALE_NAN)
        else:
            value = float(item["value"])
            if item["n"] is None:
                values.append(value)
                continue
            delta = float(item["delta"]) if item["delta"] else 0.0
            for _ in range(int(item["n"]) + 1):  # "a+bxN" expands to N+1 values
                values.append(value)
                value += delta
    return canonical_labels(labels), values


@dataclass
class Load:
    gap_ms: int
    series: dict[Labels, list[float | None]]


@dataclass
class Eval:
    file: str
    line: int  # 1-based line number of the `eval` command in the file
    expr: str
    at_ms: int
    mode: str  # "", "fail" or "ordered"
    scalar: float | None = None
    expected: list[tuple[Labels, float]] = field(default_factory=list)
    #: Index of the last load/clear command before this eval: the store state it runs on.
    state: int = -1

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class DslFile:
    name: str
    commands: list[Load | Eval | str]  # "clear" for clear


def parse_file(path: Path) -> DslFile:
    stripped = (ln.strip() for ln in path.read_text().split("\n"))
    lines = ["" if ln.startswith("#") else ln for ln in stripped]
    commands: list[Load | Eval | str] = []
    state = -1
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        word = line.split()[0].lower()
        if word == "clear":
            commands.append("clear")
            state = len(commands) - 1
            i += 1
        elif word == "load":
            m = _LOAD_RE.match(line)
            if m is None:
                raise DslError(f"{path.name}:{i + 1}: invalid load command")
            load = Load(parse_duration(m.group(1)), {})
            i += 1
            while i < len(lines) and lines[i]:
                labels, values = parse_series(lines[i])
                load.series[labels] = values  # a later definition replaces an earlier one
                i += 1
            commands.append(load)
            state = len(commands) - 1
        elif word.startswith("eval"):
            m = _EVAL_RE.match(line)
            if m is None:
                raise DslError(f"{path.name}:{i + 1}: invalid eval command")
            ev = Eval(path.name, i + 1, m.group(3), parse_duration(m.group(2) or "0"),
                      m.group(1) or "", state=state)
            i += 1
            while i < len(lines) and lines[i]:
                number = parse_number(lines[i])
                if number is not None:
                    ev.scalar = number
                    i += 1
                    break
                labels, values = parse_series(lines[i])
                if len(values) != 1 or values[0] is None:
                    raise DslError(f"{path.name}:{i + 1}: expected exactly one value")
                ev.expected.append((labels, values[0]))
                i += 1
            commands.append(ev)
        else:
            raise DslError(f"{path.name}:{i + 1}: invalid command {line!r}")
    return DslFile(path.name, commands)


def build_store(test: DslFile, state: int) -> SeriesStore:
    """The store as it stands after command `state`: every load since the preceding clear."""
    start = state
    while start >= 0 and test.commands[start] != "clear":
        start -= 1
    store = SeriesStore(retention=1e12)  # upstream's test storage keeps everything
    for command in test.commands[start + 1 : state + 1]:
        if isinstance(command, Load):
            for labels, values in command.series.items():
                for step, value in enumerate(values):
                    if value is not None:
                        store.append(dict(labels), step * command.gap_ms / 1000, value)
    return store


def almost_equal(a: float, b: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    diff = abs(a - b)
    if a == 0 or b == 0 or diff < MIN_NORMAL:
        return diff < EPSILON * MIN_NORMAL
    return diff / (abs(a) + abs(b)) < EPSILON


def compare_vector(ev: Eval, got: list[tuple[Labels, float]], ordered: bool) -> None:
    """compareResult() for a vector: same label sets, values within EPSILON, order if asked."""
    expected = {labels: (pos, value) for pos, (labels, value) in enumerate(ev.expected)}
    for pos, (labels, value) in enumerate(got):
        if labels not in expected:
            raise AssertionError(f"unexpected metric {dict(labels)} in result {got}")
        want_pos, want = expected[labels]
        if ordered and want_pos != pos:
            raise AssertionError(f"expected {dict(labels)} at position {want_pos}, got {pos}")
        if not almost_equal(want, value):
            raise AssertionError(f"expected {want} for {dict(labels)} but got {value}")
    missing = set(expected) - {labels for labels, _ in got}
    if missing:
        raise AssertionError(f"expected metrics {[dict(m) for m in missing]} not found in {got}")


def _vector_from(data: dict[str, Any]) -> list[tuple[Labels, float]]:
    return [(canonical_labels(s["metric"]), float(s["value"][1])) for s in data["result"]]


def run_eval(engine: Engine, ev: Eval) -> None:
    """Run one eval as upstream does: instant query, then the same at the middle of a range."""
    t = ev.at_ms / 1000
    data = engine.instant(ev.expr, t)
    if data["resultType"] == "scalar":
        if ev.scalar is None:
            raise AssertionError(f"got scalar {data['result']}, expected a vector")
        got_scalar = float(data["result"][1])
        if not almost_equal(ev.scalar, got_scalar):
            raise AssertionError(f"expected scalar {ev.scalar} but got {got_scalar}")
    elif data["resultType"] == "vector":
        compare_vector(ev, _vector_from(data), ordered=ev.mode == "ordered")
    else:
        raise AssertionError(f"unexpected {data['resultType']} result on instant evaluation")
    if ev.mode == "ordered":
        return  # ordering is not defined for range queries
    matrix = engine.range(ev.expr, t - 60, t + 60, 60)
    middle = []
    for series in matrix["result"]:
        for ts, value in series["values"]:
            if round(ts * 1000) == ev.at_ms:
                middle.append((canonical_labels(series["metric"]), float(value)))
    if data["resultType"] == "scalar":
        assert ev.scalar is not None
        if len(middle) != 1 or not almost_equal(ev.scalar, middle[0][1]):
            raise AssertionError(f"range mode: expected scalar {ev.scalar}, got {middle}")
    else:
        try:
            compare_vector(ev, middle, ordered=False)
        except AssertionError as err:
            raise AssertionError(f"range mode: {err}") from None
