"""Commands in a checklist item's code read as the checks they stand for.

People write how to verify a step as the command they would type, often with the answer
they expect on the next line (`# Expected: {"status":"healthy"}`). Some of those commands say
exactly what a war-room check proves:

- `kubectl rollout status deployment/NAME -n NS` → a rollout check of NAME (a layout target);
- `kubectl get pods -n NS -l SELECTOR` expecting pods Running → a pods check (`3/3 pods
  Running` sets the minimum);
- `curl [-f] [-X GET|HEAD] URL` of a literal http(s) URL → an http check, the expected JSON
  object (if the line after says one) as the body it must contain;
- any other command that only reads (kubectl get/describe/logs/top/auth can-i/rollout
  history, cosign verify, trivy image, nvidia-smi, curl) and needs no shell → a `command`
  check run on demand (`imported: true`: never by itself), a quoted expected text its pattern;
  an expectation in prose ("Pods move to other nodes") leaves the item to a person, since an
  exit code cannot say it.

Commands that change something (apply, patch, delete, scale, helm upgrade …), pipes,
variables (`$LB_IP`) and placeholders (`<pod-name>`) are left as the item's help: nothing is
run that a person has not read and approved, and no check is made up.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_EXPECTED = re.compile(r"^#\s*(?:expected|should (?:return|show|see))\s*:?\s*(.*)$", re.I)
_SHELL = re.compile(r"[|<>;&`$]|\$\(")  # what needs a shell, a variable or a placeholder
_READ_VERBS = {"get", "describe", "logs", "top", "version", "api-resources", "cluster-info"}
_KUBECTL_VALUE_FLAGS = {
    "-n", "--namespace", "-l", "--selector", "-o", "--output", "--context", "-c",
    "--container", "--tail", "--since", "--field-selector", "--sort-by", "--timeout",
}  # fmt: skip
_RUNNING = re.compile(r"(?:(\d+)\s*/\s*(\d+)\s+)?pods?\s+(?:are\s+|in\s+)?running", re.I)


@dataclass
class Found:
    """A check read from a command: its layout kind and body, and any target it needs."""

    kind: str  # rollout, pods, http, command
    check: dict[str, Any]
    command: str  # the command as written, for the summary
    target: dict[str, str] | None = None  # a Deployment the layout must list as a target
    namespaces: list[str] = field(default_factory=list)


def logical_lines(code: str) -> list[tuple[str, str]]:
    """(command, what the comment after it expects) per command: `\\` continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in code.splitlines():
        line = raw.strip()
        if pending:
            line = f"{pending} {line}"
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        expected = _EXPECTED.match(line)
        if expected is not None:
            if out and not out[-1][1]:
                out[-1] = (out[-1][0], expected.group(1).strip())
            continue
        if line and not line.startswith("#"):
            out.append((line, ""))
    if pending:
        out.append((pending, ""))
    return out


def _words(command: str) -> list[str] | None:
    if _SHELL.search(command) or re.search(r"<[^>]*>", command):
        return None
    try:
        return shlex.split(command)
    except ValueError:
        return None


def _flag(words: list[str], *names: str) -> str | None:
    """The value of the first of `names` given (`-n NS`, `--namespace=NS`)."""
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def _positional(words: list[str]) -> list[str]:
    """kubectl's words that are not flags or flag values."""
    out: list[str] = []
    skip = False
    for word in words[1:]:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _KUBECTL_VALUE_FLAGS
        else:
            out.append(word)
    return out


def _rollout(words: list[str]) -> Found | None:
    rest = _positional(words)
    if rest[:2] != ["rollout", "status"] or len(rest) < 3:
        return None
    ref = rest[2:]
    if "/" in ref[0]:
        kind, _, name = ref[0].partition("/")
    elif len(ref) >= 2:
        kind, name = ref[0], ref[1]
    else:
        return None
    if kind.lower() not in ("deployment", "deployments", "deploy", "deployment.apps"):
        return None
    namespace = _flag(words, "-n", "--namespace")
    check: dict[str, Any] = {"target": name}
    target = {"kind": "Deployment", "name": name}
    if namespace:
        check["namespace"] = namespace
        target["namespace"] = namespace
    return Found("rollout", check, " ".join(words), target, [namespace] if namespace else [])


def _pods(words: list[str], expected: str) -> Found | None:
    rest = _positional(words)
    if rest[:2] not in (["get", "pods"], ["get", "pod"], ["get", "po"]) or len(rest) > 2:
        return None
    selector = _flag(words, "-l", "--selector")
    running = _RUNNING.search(expected)
    if not selector or running is None or {"-w", "--watch"} & set(words):
        return None
    check: dict[str, Any] = {"selector": selector}
    namespace = _flag(words, "-n", "--namespace")
    if namespace:
        check["namespace"] = namespace
    if running.group(1):
        check["min"] = int(running.group(1))
    return Found("pods", check, " ".join(words), None, [namespace] if namespace else [])


def _expected_json(expected: str) -> dict[str, Any] | None:
    start = expected.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(expected[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _http(words: list[str], expected: str) -> Found | None:
    method = (_flag(words, "-X", "--request") or "GET").upper()
    urls = [w for w in words[1:] if w.startswith(("http://", "https://"))]
    data = {"-d", "--data", "--data-raw", "-F", "--form", "-T", "--upload-file"}
    if method not in ("GET", "HEAD") or len(urls) != 1 or data & set(words):
        return None
    parts = urlsplit(urls[0])
    if not parts.hostname:
        return None
    check: dict[str, Any] = {"url": urls[0]}
    if method != "GET":
        check["method"] = method
    body = _expected_json(expected)
    if body:
        check["json"] = body
    return Found("http", check, " ".join(words))


def _reads_only(words: list[str]) -> bool:
    tool = words[0].rsplit("/", 1)[-1]
    if tool == "kubectl":
        rest = _positional(words)
        if {"-f", "--follow", "-w", "--watch", "-it", "-i", "--stdin"} & set(words):
            return False  # would not end, or wants a terminal
        if not rest:
            return False
        if rest[0] in _READ_VERBS:
            return True
        return rest[:2] in (["rollout", "history"], ["auth", "can-i"], ["rollout", "status"])
    if tool == "cosign":
        return len(words) > 1 and words[1] in ("verify", "verify-attestation", "tree")
    if tool == "trivy":
        return len(words) > 1 and words[1] in ("image", "fs", "config")
    return tool in ("nvidia-smi", "curl") and "-X" not in words


def _pattern(expected: str) -> str | None:
    """A quoted expected text as a pattern of the output; `X.X` stands for a number."""
    quoted = re.search(r"[\"“]([^\"”]{3,})[\"”]", expected)
    if quoted is None:
        return None
    return re.sub(r"X\\\.X+|X+\\\.X", r"[0-9]+(\\.[0-9]+)?", re.escape(quoted.group(1)))


def _command(words: list[str], expected: str) -> Found | None:
    if not _reads_only(words):
        return None
    check: dict[str, Any] = {"run": shlex.join(words), "imported": True}
    pattern = _pattern(expected)
    if pattern:
        check["stdout"] = pattern
    elif expected:
        return None  # "Pods move to other nodes": an exit code cannot say so; a person can
    return Found("command", check, shlex.join(words))


def check_of(code: list[str]) -> Found | None:
    """The check the item's commands stand for, the most telling one first: a rollout, pods,
    an http endpoint, else the first command that only reads."""
    found: list[Found] = []
    for block in code:
        for command, expected in logical_lines(block):
            words = _words(command)
            if not words:
                continue
            if words[0] == "kubectl":
                hit = _rollout(words) or _pods(words, expected)
            elif words[0] == "curl":
                hit = _http(words, expected)
            else:
                hit = None
            found.append(hit or _command(words, expected) or Found("", {}, command))
    for kind in ("rollout", "pods", "http", "command"):
        for hit in found:
            if hit.kind == kind:
                return hit
    return None


def inline_commands(text: str) -> list[str]:
    """Code spans in a line of prose that are commands (`cosign verify …`), as code blocks."""
    return [span for span in re.findall(r"`([^`]+)`", text) if " " in span.strip()]
