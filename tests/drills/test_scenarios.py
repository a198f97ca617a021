"""Drill scenarios as files: the shipped library, each checked against the layout it rehearses
and the simulated cluster it runs on, listed one line a scenario; and hostile files — wrong
types, an unknown fault, a node the cluster does not have, names its layout lacks — each
problem a `file:line: path: message` line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from warroom.cli import main
from warroom.drills.library import shipped_paths

ROOT = Path(__file__).resolve().parents[2]
HEAD = "name: hostile\nlayout: bizra-inference-10k\nsays: Everything wrong.\n"  # lines 1-3


def drill(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["drill", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_the_library_has_a_scenario_for_each_kind_of_trouble_and_lists_them() -> None:
    names = [p.stem for p in shipped_paths()]
    assert names == [
        "canary-latency-regression", "crash-loop-new-image", "drain-held-by-pdb", "error-burst",
        "gpu-node-lost", "green-health-failing", "hpa-pinned-at-max",
        "prometheus-outage-mid-canary",
    ]  # fmt: skip
    code, out = drill("--list")
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) == len(names)
    first = lines[0].split()
    assert first[:2] == ["canary-latency-regression", "bizra-inference-10k"]
    assert lines[0].endswith("roll back within ten minutes of the first breach.")
    layouts = {line.split()[1] for line in lines}
    assert layouts == {p.stem for p in (ROOT / "layouts").glob("*.yaml")}  # every seed rehearsed


@pytest.mark.parametrize("path", shipped_paths(), ids=lambda p: p.stem)
def test_each_shipped_scenario_holds_against_its_layout_and_cluster(path: Path) -> None:
    code, out = drill("--check", str(path))
    assert code == 0, out
    assert out.startswith(f"{path}: ok: ") and "on its simulated cluster" in out, out


CASES = [
    (
        "wrong types and an unknown fault",
        HEAD + "faults:\n  - at: soon\n    regress: {image: x, latency: fast}\n"
        "  - at: 2m\n    explode: {node: gpu-node-1}\n"
        "responses:\n  - {id: r, title: R, acknowledged: {trigger: error_rate_high}, "
        "within: 5m}\n",
        [
            "S:5: faults[0].at: 'soon' is not a duration; write it like 5s, 1m, 15m, 2h or 1h30m",
            "S:6: faults[0].regress.latency: expected a number, got 'fast'",
            "S:8: faults[1].explode: unknown key; expected one of id, at, when, impact, regress, "
            "error_burst, fail_node, gpu_xid, lose_gpu, crash_image, prometheus_outage, "
            "endpoint, users, release, block_disruptions, delete_pod, cordon, scale",
        ],
    ),
    (
        "two kinds in one fault, no time, no responses",
        HEAD + "faults:\n  - at: 1m\n    cordon: {node: gpu-node-1}\n"
        "    fail_node: {node: gpu-node-2}\n  - users: {service: a/b, users: 3}\n"
        "responses: []\n",
        [
            "S:7: faults[0].fail_node: the fault already is cordon; a fault is one kind — split it",
            "S:8: faults[1]: says neither or both of at and when; give one: at: 4m, or when: {…}",
            "S:9: responses: is empty; list at least one",
        ],
    ),
    (
        "a node the cluster lacks, names the layout lacks",
        HEAD + "faults:\n  - {id: lost, at: 3m, fail_node: {node: gpu-node-99}}\n"
        "  - when: {trigger: no_such_trigger}\n    cordon: {node: gpu-node-1}\n"
        "responses:\n  - id: back\n    title: Rolled back\n"
        "    action: {action: undo, target: nobody}\n    within: 5m\n    after: lost\n",
        [
            "S:5: faults[0].fail_node.node: there is no node 'gpu-node-99' (its nodes: "
            "gpu-node-1, gpu-node-10, gpu-node-11, gpu-node-12, gpu-node-2, gpu-node-3 …)",
            "S:6: faults[1].when.trigger: 'no_such_trigger' is not a trigger of the layout (the "
            "layout's: error_rate_high, ihsan_low, latency_sustained)",
            "S:11: responses[0].action.target: 'nobody' is not a target (the layout's: "
            "bizra-inference)",
        ],
    ),
    (
        "a response after nothing the timeline has",
        HEAD + "faults:\n  - {at: 1m, cordon: {node: gpu-node-1}}\n"
        "responses:\n  - {id: r, title: R, drained: {node: gpu-node-1}, within: 5m, "
        "after: later}\n",
        [
            "S:7: responses[0].after: 'later' is not start, first_breach or a fault's id; give "
            "one of start, first_breach",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_scenario_gets_file_line_errors(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    code, out = drill("--check", str(path))
    assert code == 1, out
    assert "Traceback" not in out
    wanted = [line.replace("S:", f"{path}:") for line in expected]
    assert out.removeprefix("Error: ").splitlines() == wanted


def test_a_missing_or_unreadable_scenario_is_one_sentence(tmp_path: Path) -> None:
    code, out = drill("--check", "no-such-drill")
    assert (code, out) == (
        1, "Error: no-such-drill: no such scenario file or shipped scenario; see warroom drill "
        "--list\n",
    )  # fmt: skip
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: x\n\xff\xfe\n")
    code, out = drill("--check", str(binary))
    assert (code, out) == (1, f"Error: {binary}:2: is not UTF-8 text; save it as UTF-8\n")
    code, out = drill()
    assert code == 2 and "give --scenario NAME (see warroom drill --list)" in out


def test_every_kind_of_fault_condition_and_response_is_documented() -> None:
    from warroom.drills.scenario import CONDITIONS, FAULTS, RESPONSES

    rows = {
        line.split("|")[1].strip().strip("`")
        for line in (ROOT / "docs" / "drills.md").read_text().splitlines()
        if line.startswith("| `")
    }
    missing = [kind for kind in (*FAULTS, *CONDITIONS, *RESPONSES) if kind not in rows]
    assert missing == [], f"not in docs/drills.md's tables: {missing}"
