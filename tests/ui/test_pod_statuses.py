"""Every status an on-call engineer must notice is drawn in the tone of its trouble."""

from __future__ import annotations

import pytest

from tests.ui.screen import color_of, line_with, text, theme_color
from tests.waiting import until
from warroom.state.model import RoomModel
from warroom.state.picture import ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.ui.app import WarRoomApp
from warroom.ui.widgets.pods import PodTable

NOW = 1_795_000_000.0
UNSCHEDULABLE = {
    "type": "PodScheduled",
    "status": "False",
    "reason": "Unschedulable",
    "message": "0/12 nodes are available: 12 Insufficient nvidia.com/gpu.",
}


def pod(name: str, phase: str, state: dict | None = None, **extra: object) -> dict:
    status: dict = {"phase": phase, "conditions": list(extra.pop("conditions", []))}
    if state is not None:
        status["containerStatuses"] = [{"name": "c", "ready": False, "state": state}]
    if "reason" in extra:
        status["reason"] = extra.pop("reason")
    meta = {"uid": name, "name": name, "namespace": "ns", "resourceVersion": "1"}
    meta["labels"] = {"version": name}  # sorted by version: one group each
    if extra.pop("deleting", False):
        meta["deletionTimestamp"] = "2026-11-18T06:00:00Z"
    return {"metadata": meta, "spec": {"containers": [{"name": "c"}]}, "status": status}


def on_a_lost_node() -> dict:
    """Running and ready by its last container statuses, marked not ready by the node lifecycle
    controller (MarkPodsNotReady): kubectl still prints `1/1 Running`."""
    body = pod(
        "i-lost", "Running", {"running": {}}, conditions=[{"type": "Ready", "status": "False"}]
    )
    body["status"]["containerStatuses"][0]["ready"] = True
    return body


PODS = [
    pod("a-pull", "Pending", {"waiting": {"reason": "ImagePullBackOff"}}),
    pod("b-errpull", "Pending", {"waiting": {"reason": "ErrImagePull"}}),
    pod("c-oom", "Running", {"terminated": {"reason": "OOMKilled", "exitCode": 137}}),
    pod("d-error", "Failed", {"terminated": {"reason": "Error", "exitCode": 1}}),
    pod("e-evicted", "Failed", reason="Evicted"),
    pod("f-crash", "Running", {"waiting": {"reason": "CrashLoopBackOff"}}),
    pod("g-nowhere", "Pending", conditions=[UNSCHEDULABLE]),
    pod("h-leaving", "Running", {"running": {}}, deleting=True),
    on_a_lost_node(),
]


@pytest.mark.parametrize(
    ("name", "status", "variable"),
    [
        ("a-pull", "ImagePullBackOff", "error"),
        ("b-errpull", "ErrImagePull", "error"),
        ("c-oom", "OOMKilled", "error"),
        ("d-error", "Error", "error"),
        ("e-evicted", "Evicted", "error"),
        ("f-crash", "CrashLoopBackOff", "error"),
        ("g-nowhere", "Pending", "error"),  # Pending that no node can take
        ("h-leaving", "Terminating", "warning"),
        ("i-lost", "Running", "warning"),  # 1/1 by kubectl, not ready by its node's loss
    ],
)
async def test_each_bad_status_is_drawn_as_trouble(name: str, status: str, variable: str) -> None:
    picture = ClusterPicture(["ns"], clock=lambda: NOW)
    picture.cache("pods", "ns").replace(PODS, "1")
    model = RoomModel(lambda: RoomSnapshot(picture), Targets(), clock=lambda: NOW)
    app = WarRoomApp(model, HeaderInfo("ctx", ("ns",), "test"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        await until(lambda: name in text(table), what="the pod listed", pause=pilot.pause)
        row = line_with(table, name)
        assert row.text.split()[2] == status
        assert color_of(row.style_of(status)) == theme_color(app, variable)
