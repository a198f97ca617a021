"""Every kubectl read in the five seed go-lives works against the sim of its seed.

The commands are extracted from the seed files themselves (tests/importing/seeds/, read with
ftfy as the importer reads them): kubectl in fenced code (continuation lines joined) and in
inline code spans. Those that only read the cluster run with the real kubectl against the
seed's scenario, in the seed's working namespace (its kubeconfig context's); a `<placeholder>`
takes its value from SEED, stated per seed. Each must exit 0 with output shaped as a
real API server's: column headers, the named object present, and what the seed expects to
see (its `# Expected: "..."` comment, or the `| grep` it pipes into).

Commands that change the cluster are out of scope here: WRITES lists them, for the next issue.
NOT_SERVED lists those that need what the sim has no model of (a container to exec into,
files to copy, a port to forward).
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl
from tests.sim.test_kubectl import read_until
from warroom.importing.reading import decode
from warroom.sim import scenario
from warroom.sim.catalogue import Catalogue
from warroom.sim.cluster import SimCluster

SEEDS = Path(__file__).parent.parent / "importing" / "seeds"
NODE0 = "node0-canary"


@dataclass(frozen=True)
class Seed:
    """A seed's scenario and the namespace its commands run in when they name none."""

    scenario: str
    namespace: str
    # <placeholder> → a pod picked by label selector (its first pod) or a literal value.
    pods: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


SEED = {
    "000": Seed("bizra-inference-10k", "bizra-prod",
                pods={"<pod-name>": "app=bizra-inference"}, values={"<node-name>": "gpu-node-3"}),
    "001": Seed("gpu-inference-platform", "gpu-platform"),
    "002": Seed("sap-llm-blue-green", "sap-llm-prod"),
    "003": Seed(NODE0, "bizra-production"),
    # The new release starts at 0 replicas (the go-live scales it): its "new pod" is, until
    # then, the newest pod behind the Service.
    "004": Seed("hsc-jit-slow-roll", "hsc-jit",
                pods={"<new-pod-name>": "app=hsc-jit-backend", "<pod>": "app=hsc-jit-backend"}),
}

READ_VERBS = {"get", "describe", "logs", "top", "wait", "api-resources", "api-versions",
              "version", "cluster-info", "events", "explain"}
READ_SUBCOMMANDS = {("rollout", "status"), ("rollout", "history"), ("auth", "can-i"),
                    ("auth", "whoami")}
UNSERVED_VERBS = {"exec", "cp", "port-forward", "attach", "proxy", "debug"}

# The seeds' writes, in order, as (seed, command): the next issue's drills replay them.
WRITES: tuple[tuple[str, str], ...] = (
    ("000", "kubectl apply -f k8s/inference/deployment.yaml"),
    ("000", "kubectl apply -f k8s/inference/service.yaml"),
    ("000", "kubectl apply -f k8s/monitoring/prometheus-config.yaml"),
    ("000", "kubectl set image deployment/bizra-inference "
            "inference-server=ghcr.io/bizra/inference:2.0.1 -n bizra-prod"),
    ("000", "kubectl delete pod <pod-name> -n bizra-prod"),
    ("000", "kubectl drain <node-name> --ignore-daemonsets --delete-emptydir-data"),
    ("000", "kubectl rollout undo deployment/bizra-inference -n bizra-prod"),
    ("002", "kubectl apply -f deployments/kubernetes/production/ -n sap-llm-green"),
    ("002", "kubectl patch service sap-llm-api -n sap-llm-prod "
            "-p '{\"spec\":{\"selector\":{\"version\":\"v1.0.0-blue\"}}}'"),
    ("003", "kubectl apply -f ops/hardening/01-kyverno-require-signed-images.yaml"),
    ("003", "kubectl apply -f ops/hardening/02-hpa-custom-metrics.yaml"),
    ("003", "kubectl apply -f ops/hardening/03-network-policy-default-deny.yaml"),
    ("003", "kubectl apply -f ops/hardening/04-poi-attestation-validator.yaml"),
    ("003", "kubectl run test-unsigned --image=nginx:latest -n bizra-production"),
    ("003", "kubectl apply -f ops/canary/stage1-10pct.yaml"),
    ("003", "kubectl apply -f ops/canary/stage2-50pct.yaml"),
    ("003", "kubectl apply -f ops/canary/stage3-100pct.yaml"),
    ("003", "kubectl set image deployment/node0 node0=ghcr.io/bizra/node0@$LAST_GOOD "
            "-n bizra-production"),
    ("004", "kubectl run migration --image=hsc-jit-backend:new "
            "--command -- python -m alembic upgrade head"),
    ("004", "kubectl apply -f kubernetes/ -n staging"),
    ("004", "kubectl patch deployment hsc-jit-backend -n hsc-jit "
            "-p '{\"spec\": {\"replicas\": 4}}'"),
    ("004", "kubectl patch deployment hsc-jit-backend -n hsc-jit "
            "-p '{\"spec\": {\"replicas\": 3}}'"),
    ("004", "kubectl delete pods -l app=hsc-jit-backend -n hsc-jit --force"),
    ("004", "kubectl rollout undo deployment/hsc-jit-backend -n hsc-jit --to-revision=2"),
)

# Commands the sim has no model for: there is no container to run a process in.
NOT_SERVED: tuple[tuple[str, str], ...] = (
    ("000", "kubectl cp"),
    ("000", "kubectl exec -it <pod-name> -- ls -lh /app/model/"),
    ("000", "kubectl port-forward -n bizra-monitoring svc/prometheus 9090:9090"),
    ("003", "kubectl exec -n bizra-production deployment/node0 -- "
            "python /app/scripts/bizra_unified_synthesis.py"),
    ("004", "kubectl exec -it <pod> -n hsc-jit -- df -h /"),
)

# A read that needs a write first: the seed's own write (from WRITES), replayed before it.
NEEDS = {
    ("004", "kubectl logs migration"): next(t for s, t in WRITES if "run migration" in t),
}

# Reads a real cluster answers with nothing, as the sim does: Flagger scales the target
# (node0) to 0 and labels the primary's pods app=node0-primary (makePrimaryLabels in
# pkg/canary/util.go), so seed 003's `-l app=node0` finds no pod once the canary initialised.
EMPTY = {
    ("003", "kubectl get pods -n bizra-production -l app=node0"): (
        "No resources found in bizra-production namespace."
    ),
}


def _served(group: str, kind: str) -> bool:
    return Catalogue().by_kind(group, kind) is not None


def _node0() -> bool:
    return NODE0 in scenario.available()


# What each seed-003 read needs that the sim lacks today: (there yet?, what), per command.
NODE0_SCENARIO = (_node0(), "the node0-canary scenario (seed 003, being written)")
SEED_003_NEEDS: dict[str, list[tuple[bool, str]]] = {
    "kubectl get clusterpolicy require-signed-images": [
        (_node0(), "the node0-canary scenario (seed 003) with Kyverno's ClusterPolicy CRD")],
    "kubectl get job poi-attestation-validator -n bizra-production": [
        NODE0_SCENARIO, (_served("batch", "Job"), "Job (batch/v1) served, with its controller")],
    "kubectl get canary node0-canary -n bizra-production": [
        (_node0(), "the node0-canary scenario (seed 003) with its Flagger-like Canary")],
}


# What the seeds' jsonpath reads are for: the security gate, the load balancer's address.
JSONPATH_ANSWERS = {
    ".spec.securityContext.runAsNonRoot": "true",
    ".status.loadBalancer.ingress[0].ip": r"\d+\.\d+\.\d+\.\d+",
}


@dataclass(frozen=True)
class Command:
    seed: str
    line: int
    text: str  # the kubectl command as the seed writes it, continuation lines joined
    grep: str = ""  # what the seed pipes its output into grep for
    expected: str = ""  # the seed's `# Expected: "..."` for it

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text)[1:]

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.line}:{' '.join(self.argv[:3])}"


_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"`([^`]*\bkubectl\b[^`]*)`")
_EXPECTED = re.compile(r'^\s*#\s*Expected:\s*"([^"]+)"')
_GREP = re.compile(r"""^grep\s+(?:"([^"]+)"|'([^']+)'|(\S+))""")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of code: fenced lines with `\\` continuations joined, and inline
    code spans that hold kubectl."""
    fenced, held, start = False, "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            for span in _INLINE.finditer(line):
                yield number, span.group(1)
            continue
        start = start or number
        if line.rstrip().endswith("\\"):
            held += line.rstrip()[:-1].strip() + " "
            continue
        yield start, held + line.strip()
        held, start = "", 0


def _cut(code: str) -> tuple[str, str]:
    """The kubectl command in a line of shell, and what follows a pipe after it: it ends at
    an unquoted `|`, `;`, `&&` or `)` (inside `$(...)`), or at the quote it was opened in
    (`watch -n 10 'kubectl ...'`)."""
    at = code.index("kubectl")
    rest = code[at:]
    if at and code[at - 1] in "'\"":
        rest = rest[: rest.find(code[at - 1])] if code[at - 1] in rest else rest
    lexer = shlex.shlex(rest, posix=True, punctuation_chars="|;&()")
    lexer.whitespace_split = True
    words, tail = [], ""
    for token in lexer:
        if token in ("|", ";", "&&", ")", "||"):
            if token == "|":
                tail = rest[rest.index("|") + 1:].strip()
            break
        words.append(token)
    return shlex.join(words), tail


def extract(seed: str) -> list[Command]:
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    text = decode(path.read_bytes(), path.name)
    lines = text.splitlines()
    out = []
    for number, code in _logical_lines(text):
        if code.lstrip().startswith("#") or not re.search(r"\bkubectl\b", code):
            continue
        command, tail = _cut(code)
        grep = _GREP.match(tail)
        after = lines[number] if number < len(lines) else ""
        expected = _EXPECTED.match(after)
        out.append(Command(
            seed, number, command,
            grep=next(g for g in grep.groups() if g) if grep else "",
            expected=expected.group(1) if expected else "",
        ))
    return out


def is_read(command: Command) -> bool:
    argv = command.argv
    if not argv:
        return False
    return argv[0] in READ_VERBS or tuple(argv[:2]) in READ_SUBCOMMANDS


def is_unserved(command: Command) -> bool:
    return bool(command.argv) and command.argv[0] in UNSERVED_VERBS


ALL = [c for seed in SEED for c in extract(seed)]
_FIRST: dict[tuple[str, str], Command] = {}
for _c in ALL:
    if is_read(_c):
        _FIRST.setdefault((_c.seed, _c.text), _c)
READS = list(_FIRST.values())


def _normal(pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(seed, shlex.join(shlex.split(text))) for seed, text in pairs]


def test_the_seeds_writes_and_unserved_commands_are_listed() -> None:
    """WRITES and NOT_SERVED hold every other command, once each, in the seeds' order."""
    others = [(c.seed, c.text) for c in ALL if not is_read(c) and not is_unserved(c)]
    assert list(dict.fromkeys(others)) == _normal(WRITES)
    unserved = [(c.seed, c.text) for c in ALL if is_unserved(c)]
    assert list(dict.fromkeys(unserved)) == _normal(NOT_SERVED)


def test_extraction_finds_the_reads_the_seeds_name() -> None:
    texts = {(c.seed, c.text) for c in READS}
    assert ("000", "kubectl logs -f deployment/bizra-inference") in texts
    assert ("004", "kubectl get events -n hsc-jit --sort-by=.lastTimestamp") in texts
    assert ("003", "kubectl get canary node0-canary -n bizra-production") in texts
    # A placeholder, a `$(...)`, a continuation and an expectation are all read as written.
    by_argv = {" ".join(c.argv): c for c in READS}
    assert by_argv["logs -f <new-pod-name> -n hsc-jit"].grep == "All services initialized"
    assert by_argv["logs -f deployment/bizra-inference"].expected == (
        "Model loaded successfully in X.Xs")
    assert ("003", "kubectl get deployment node0 -n bizra-production -o "
                   "'jsonpath={.metadata.annotations.flagger\\.app/last-stable-revision}'"
            ) in texts
    # Prose that mentions kubectl ("kubectl configured") is no command.
    assert not [c for c in ALL if c.seed == "001"]


def _marks(command: Command) -> list[pytest.MarkDecorator]:
    if command.seed != "003":
        return []
    missing = [what for ready, what in SEED_003_NEEDS.get(command.text, [NODE0_SCENARIO])
               if not ready]
    return [pytest.mark.skipif(bool(missing), reason="needs " + " and ".join(missing))]


def _kubectl(kubectl_binary: str, sim: SimCluster, seed: str, tmp_path: Path) -> Kubectl:
    config = tmp_path / "kubeconfig"
    config.write_text(sim.kubeconfig_text(SEED[seed].namespace), encoding="utf-8")
    return Kubectl(kubectl_binary, config, tmp_path / "kube-cache")


async def _resolve(kubectl: Kubectl, command: Command) -> list[str]:
    seed = SEED[command.seed]
    argv = command.argv
    for placeholder, selector in seed.pods.items():
        if placeholder in argv:
            name = await kubectl.ok(
                "get", "pods", "-l", selector, "--sort-by=.metadata.creationTimestamp",
                "-o", "jsonpath={.items[-1:].metadata.name}",
            )
            assert name, f"no pod for {placeholder} ({selector})"
            argv = [name if a == placeholder else a for a in argv]
    return [seed.values.get(a, a) for a in argv]


def _pattern(expected: str) -> str:
    """The seed's words as a pattern: its X.Xs stands for any number of seconds."""
    return re.escape(expected).replace(r"X\.X", r"\d+\.\d")


def _check_shape(command: Command, argv: list[str], out: str) -> None:
    verb = argv[0]
    lines = out.splitlines()
    output = next((a.split("=", 1)[1] if "=" in a else "" for a in argv if a.startswith("-o")), "")
    if "-o" in argv:
        output = argv[argv.index("-o") + 1]
    assert out.strip(), f"{command.text}: no output"
    if verb == "get" and output.startswith("jsonpath"):
        for path, pattern in JSONPATH_ANSWERS.items():
            if path in output:
                assert re.fullmatch(pattern, out), f"{command.text}: {out!r}"
        return
    if verb == "get":
        header = lines[0].split()
        assert header[0] in ("NAME", "NAMESPACE", "LAST"), lines[0]
        assert len(lines) > 1, out
        names = [a for a in argv[2:] if not a.startswith("-") and "=" not in a
                 and argv[argv.index(a) - 1] not in ("-n", "-l", "-o", "--namespace")]
        target = argv[1].split("/", 1)[1] if "/" in argv[1] else (names[0] if names else "")
        if target:
            assert any(target in line.split()[:2] for line in lines[1:]), out
        if output == "wide" and argv[1] in ("pods", "pod", "po"):
            assert {"NODE", "IP", "NOMINATED"} <= set(header), lines[0]
        return
    if verb == "describe":
        assert lines[0].startswith("Name:"), out
    elif verb == "top":
        assert lines[0].split()[:3] == ["NAME", "CPU(cores)", "MEMORY(bytes)"], out
    elif verb == "wait":
        assert all(line.endswith("condition met") for line in lines), out
    elif argv[:2] == ["rollout", "status"]:
        assert lines[-1].endswith("successfully rolled out"), out
    elif argv[:2] == ["rollout", "history"]:
        assert lines[1].split() == ["REVISION", "CHANGE-CAUSE"], out


async def _follow(kubectl: Kubectl, argv: list[str], pattern: str) -> tuple[str, str]:
    """A command that follows (-f, -w) until stopped: read until `pattern`, then stop it;
    what it printed, and what it said on stderr."""
    proc = await kubectl.start(*argv)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        out = await read_until(proc.stdout, pattern, timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    return out, (await proc.stderr.read()).decode()


def _check_picked_pod(sim: SimCluster, argv: list[str], stderr: str) -> None:
    """`kubectl logs deployment/NAME` picks one of its pods and says which (GetFirstPod)."""
    namespace = argv[argv.index("-n") + 1] if "-n" in argv else ""
    picked = re.search(r"Found \d+ pods, using pod/(\S+)", stderr)
    assert picked, stderr
    deployment = next(a for a in argv if a.startswith("deployment/")).split("/", 1)[1]
    pod = next(p for p in sim.store.list(("", "pods")) if p["metadata"]["name"] == picked[1])
    assert pod["metadata"]["namespace"] == (namespace or pod["metadata"]["namespace"])
    assert pod["metadata"]["name"].startswith(deployment + "-")


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, id=c.id, marks=_marks(c)) for c in READS],
)
async def test_seed_read_works_against_its_scenario(
    command: Command, kubectl_binary: str, tmp_path: Path
) -> None:
    async with SimCluster(SEED[command.seed].scenario, manual_clock=True) as sim:
        kubectl = _kubectl(kubectl_binary, sim, command.seed, tmp_path)
        needed = NEEDS.get((command.seed, command.text))
        if needed:
            await kubectl.ok(*shlex.split(needed)[1:])
            await sim.until(lambda: _ready(sim, command))
        argv = await _resolve(kubectl, command)
        follows = "-f" in argv or "-w" in argv
        if follows:
            want = (_pattern(command.expected) if command.expected
                    else re.escape(command.grep) if command.grep else r"\S")
            out, err = await _follow(kubectl, argv, want)
            if "-w" in argv:
                assert out.splitlines()[0].split()[0] == "NAME", out
            if argv[0] == "logs" and any(a.startswith("deployment/") for a in argv):
                _check_picked_pod(sim, argv, err)
            return
        result = await kubectl(*argv)
        assert result.returncode == 0, f"{command.text}:\n{result.stderr}"
        empty = EMPTY.get((command.seed, command.text))
        if empty is not None:
            assert (result.stdout, result.stderr.strip()) == ("", empty)
            return
        _check_shape(command, argv, result.stdout)
        if command.expected:
            assert re.search(_pattern(command.expected), result.stdout), result.stdout
        if command.grep:
            assert command.grep in result.stdout, result.stdout
        if argv[0] == "logs" and argv[1].startswith("deployment/"):
            _check_picked_pod(sim, argv, result.stderr)


def _ready(sim: SimCluster, command: Command) -> bool:
    name = command.argv[-1]
    pod = sim.store.get(("", "pods"), SEED[command.seed].namespace, name)
    conditions = ((pod or {}).get("status") or {}).get("conditions") or ()
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

