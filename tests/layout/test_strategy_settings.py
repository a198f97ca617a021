"""A target's strategy settings: a wrong name (a target, a signal, a namespace), steps out of
order, or settings for another strategy fail `warroom validate` at the key's own line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from warroom.cli import main
from warroom.layout import LayoutError, parse_layout

HEAD = """\
name: demo
cluster:
  namespaces: [shop, prod]
signals:
  new_share: {query: up}
targets:
  - name: api
  - name: api-new
"""  # the second target's keys start at line 9

CASES: list[tuple[str, str, str]] = [
    (
        "stable is not a target",
        "    strategy: slow-roll\n    slow_roll: {stable: apy}\n",
        "demo.yaml:10: targets[1].slow_roll.stable: 'apy' is not another target in shop; "
        "did you mean 'api'?",
    ),
    (
        "stable is the target itself",
        "    strategy: slow-roll\n    slow_roll:\n      stable: api-new\n",
        "demo.yaml:11: targets[1].slow_roll.stable: 'api-new' is not another target in shop; "
        "did you mean 'api'?",
    ),
    (
        "traffic signal unknown",
        "    strategy: slow-roll\n    slow_roll:\n      stable: api\n"
        "      traffic_signal: new_shares\n",
        "demo.yaml:12: targets[1].slow_roll.traffic_signal: 'new_shares' is not a signal of "
        "this layout; did you mean 'new_share'?",
    ),
    (
        "steps falling",
        "    strategy: slow-roll\n    slow_roll:\n      stable: api\n"
        "      steps: [25, 75, 50, 100]\n",
        "demo.yaml:12: targets[1].slow_roll.steps[2]: 50 % does not come after 75 %; list the "
        "steps rising",
    ),
    (
        "steps short of 100",
        "    strategy: slow-roll\n    slow_roll:\n      stable: api\n      steps: [50, 90]\n",
        "demo.yaml:12: targets[1].slow_roll.steps[1]: the last step is 90 %; end the steps at 100",
    ),
    (
        "settings missing",
        "    strategy: slow-roll\n",
        "demo.yaml:9: targets[1].strategy: strategy: slow-roll needs slow_roll under the "
        "target; add it",
    ),
    (
        "settings of another strategy",
        "    slow_roll: {stable: api}\n",
        "demo.yaml:9: targets[1].slow_roll: slow_roll is for strategy: slow-roll; set that "
        "or remove it",
    ),
    (
        "blue is not a target",
        "    strategy: blue-green\n    blue_green:\n      blue: {name: api, namespace: prod}\n"
        "      canary_ingress: api-canary\n      service: {name: api}\n",
        "demo.yaml:11: targets[1].blue_green.blue.name: 'prod/api' is not another target of "
        "this layout; did you mean 'shop/api'?",
    ),
    (
        "service namespace not watched",
        "    strategy: blue-green\n    blue_green:\n      blue: {name: api}\n"
        "      canary_ingress: api-canary\n      service: {name: api, namespace: live}\n",
        "demo.yaml:13: targets[1].blue_green.service.namespace: 'live' is not in "
        "cluster.namespaces (shop, prod); add it there or fix the name",
    ),
    (
        "canary ingress missing",
        "    strategy: blue-green\n    blue_green:\n      blue: {name: api}\n"
        "      service: {name: api}\n",
        "demo.yaml:10: targets[1].blue_green.canary_ingress: required key is missing; add it",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_a_wrong_setting_names_its_line(text: str, expected: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(HEAD + text, "demo.yaml")
    assert str(caught.value) == expected


def test_warroom_validate_says_it() -> None:
    runner = CliRunner()
    with runner.isolated_filesystem():
        with open("demo.yaml", "w") as out:
            out.write(HEAD + CASES[0][1])
        result = runner.invoke(main, ["validate", "demo.yaml"])
    assert result.exit_code != 0
    assert CASES[0][2] in result.output


def test_the_defaults_are_the_seeds_steps() -> None:
    layout = parse_layout(
        HEAD + "    strategy: slow-roll\n    slow_roll: {stable: api}\n", "demo.yaml"
    )
    assert layout.targets[1].slow_roll is not None
    assert layout.targets[1].slow_roll.steps == (25, 50, 75, 100)
    green = parse_layout(
        HEAD + "    strategy: blue-green\n    blue_green:\n      blue: {name: api}\n"
        "      canary_ingress: api-canary\n      service: {name: api, namespace: prod}\n",
        "demo.yaml",
    )
    settings = green.targets[1].blue_green
    assert settings is not None
    assert (settings.steps, settings.selector_label) == ((5, 20, 50, 100), "version")
