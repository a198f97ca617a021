"""A target's flagger settings: required by strategy flagger, refused without it, and the
loadtester written as NAMESPACE/NAME:PORT."""

from __future__ import annotations

import pytest

from warroom.layout.errors import LayoutError
from warroom.layout.flagger import service_parts
from warroom.layout.loader import parse_layout

HEAD = "name: canary\ncluster: {namespaces: [prod]}\ntargets:\n"


def test_the_seed_settings_load() -> None:
    layout = parse_layout(
        HEAD + "  - name: node0\n    strategy: flagger\n    flagger: {canary: node0-canary, "
        "loadtester: flagger-system/flagger-loadtester:80, allow_skip_analysis: true}\n"
    )
    (target,) = layout.targets
    assert target.flagger is not None and target.flagger.allow_skip_analysis
    assert target.flagger.stuck_intervals == 3
    assert service_parts(target.flagger.loadtester or "") == (
        "flagger-system", "flagger-loadtester", "80",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("  - name: node0\n    strategy: flagger\n",
         "strategy flagger needs its settings: add flagger: {canary: NAME}"),
        ("  - name: node0\n    flagger: {canary: node0-canary}\n",
         "is 'rolling' but the target has flagger settings; set strategy: flagger"),
        ("  - name: node0\n    strategy: flagger\n"
         "    flagger: {canary: c, loadtester: loadtester}\n",
         "'loadtester' is not a Service as NAMESPACE/NAME:PORT"),
    ],
)  # fmt: skip
def test_settings_and_strategy_must_agree(target: str, said: str) -> None:
    with pytest.raises(LayoutError) as refused:
        parse_layout(HEAD + target)
    assert said in str(refused.value)
