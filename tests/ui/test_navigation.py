"""Moving like k9s: Enter per view, `/` on every list, sort keys, the `:` prompt, `d` and `y`,
j/k, ^c, the palette as a menu, and a screenshot that says where it went."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TabbedContent

from tests.ui.screen import content, cursor_line, text
from tests.ui.test_keys import NOW, app_with, offers
from tests.ui.test_pod_statuses import pod
from tests.waiting import until
from warroom.state.model import RoomModel
from warroom.state.picture import ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.ui.app import WarRoomApp
from warroom.ui.details import DetailScreen, EventDetail, NodeDetail, TextScreen
from warroom.ui.resources import ResourceList, ResourceScreen
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.pods import PodTable

PODS = [pod(f"web-{i}", "Running", {"running": {}}) for i in range(3)]


def cursor_row(table: PodTable) -> str:
    """The pod the cursor is on, as drawn."""
    line = cursor_line(table)
    return line.text.split()[1] if line is not None else ""


async def test_j_and_k_move_the_cursor_as_the_arrows_do() -> None:
    app = app_with(pods=PODS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        await until(lambda: cursor_row(table) == "web-0", what="the cursor", pause=pilot.pause)
        await pilot.press("j", "j")
        await until(lambda: cursor_row(table) == "web-2", what="j moving", pause=pilot.pause)
        await pilot.press("k")
        await until(lambda: cursor_row(table) == "web-1", what="k moving", pause=pilot.pause)


async def test_ctrl_c_quits_even_from_the_filter_box() -> None:
    app = app_with(pods=PODS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", "w")
        await pilot.press("ctrl+c")
        await until(lambda: not app.is_running, what="^c quitting", pause=pilot.pause)


async def test_the_palette_opened_empty_lists_the_apps_commands() -> None:
    app = app_with()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")

        def listed() -> list[str]:
            return [offer[0] for offer in offers(app)]

        await until(lambda: "Show pods" in listed(), what="the commands", pause=pilot.pause)
        for command in ("Show overview", "Show nodes and GPUs", "Show every key", "Quit"):
            assert command in listed()


def svgs(folder: Path) -> list[Path]:
    return list(folder.glob("*.svg"))


async def test_a_screenshot_says_where_it_was_saved(tmp_path: Path) -> None:
    app = app_with()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.action_save_screenshot(str(tmp_path))
        await pilot.pause()
        saved = svgs(tmp_path)
        assert len(saved) == 1 and "<svg" in saved[0].read_text()
        said = [n.message for n in app._notifications]
        assert said == [f"Screenshot saved to {saved[0]} (open it in a browser)."]


async def test_a_screenshot_that_cannot_be_saved_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    app = app_with()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.action_save_screenshot(str(blocked / "below"))
        await pilot.pause()
        said = " ".join(n.message for n in app._notifications)
        assert said.startswith(f"Could not save a screenshot in {blocked / 'below'}: ")
        assert said.endswith("Start warroom from a folder you can write to.")


# ---- a picture with more in it: a tainted GPU node, its pods, events, a deployment ----------


def gpu_node(name: str, ready: str, taints: list[dict] | None = None) -> dict:
    return {
        "metadata": {"uid": f"uid-{name}", "name": name, "resourceVersion": "1"},
        "spec": {"taints": taints or []},
        "status": {
            "conditions": [
                {"type": "Ready", "status": ready, "reason": "KubeletReady"},
                {"type": "MemoryPressure", "status": "False"},
            ],
            "capacity": {"nvidia.com/gpu": "4", "cpu": "32"},
            "allocatable": {"nvidia.com/gpu": "4", "cpu": "31500m"},
        },
    }


def gpu_pod(name: str, node: str, gpus: int, created: str) -> dict:
    body = pod(name, "Running", {"running": {}})
    body["metadata"]["creationTimestamp"] = created
    body["spec"]["nodeName"] = node
    body["spec"]["containers"] = [
        {"name": "c", "image": "ghcr.io/x/y:1", "resources": {"limits": {"nvidia.com/gpu": gpus}}}
    ]
    body["status"]["containerStatuses"][0]["ready"] = True
    body["status"]["containerStatuses"][0]["restartCount"] = {"old": 0, "mid": 7}.get(name, 2)
    return body


def event(uid: str, reason: str, message: str, about: dict, when: str) -> dict:
    return {
        "metadata": {"uid": uid, "name": f"{uid}.1", "namespace": "ns", "resourceVersion": "1"},
        "involvedObject": about,
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 3,
        "firstTimestamp": "2026-11-18T06:00:00Z",
        "lastTimestamp": when,
        "source": {"component": "kubelet", "host": "gpu-node-2"},
    }


LONG = "Back-off restarting failed container c in pod mid_ns(uid): " + "x" * 150 + " END"


def rich_app() -> WarRoomApp:
    picture = ClusterPicture(["ns"], clock=lambda: NOW)
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    picture.cache("nodes").replace(
        [gpu_node("gpu-node-1", "True"), gpu_node("gpu-node-2", "Unknown", [taint])], "1"
    )
    pods = [
        gpu_pod("old", "gpu-node-2", 2, "2026-11-18T05:00:00Z"),
        gpu_pod("mid", "gpu-node-2", 1, "2026-11-18T06:00:00Z"),
        gpu_pod("new", "gpu-node-1", 1, "2026-11-18T07:00:00Z"),
    ]
    picture.cache("pods", "ns").replace(pods, "1")
    about_mid = {"kind": "Pod", "namespace": "ns", "name": "mid", "uid": "mid"}
    picture.cache("events", "ns").replace(
        [
            event("ev-1", "BackOff", LONG, about_mid, "2026-11-18T07:30:00Z"),
            event("ev-2", "FailedMount", "volume gone", about_mid, "2026-11-18T07:20:00Z"),
        ],
        "1",
    )
    deploy = {
        "metadata": {
            "uid": "d-1",
            "name": "web",
            "namespace": "ns",
            "creationTimestamp": "2026-11-18T05:00:00Z",
            "resourceVersion": "1",
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {"replicas": 3},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    picture.cache("deployments", "ns").replace([deploy], "1")
    model = RoomModel(lambda: RoomSnapshot(picture), Targets(), clock=lambda: NOW)
    return WarRoomApp(model, HeaderInfo("ctx", ("ns",), "test"))


async def test_enter_on_a_node_opens_that_node_not_a_pod() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("3")
        table = app.query_one(NodeTable)
        await until(lambda: "gpu-node-2" in text(table), what="the nodes", pause=pilot.pause)
        await pilot.press("j", "enter")
        await until(lambda: isinstance(app.screen, DetailScreen), pause=pilot.pause)
        drawn = content(app.screen.query_one(NodeDetail))
        assert drawn.startswith("gpu-node-2 NotReady")
        assert "Ready Unknown" in drawn and "MemoryPressure False" in drawn
        assert "node.kubernetes.io/unreachable:NoExecute" in drawn
        assert "3 of 4 allocated to watched pods" in drawn  # old (2) + mid (1)
        assert "ns/old" in drawn and "ns/mid" in drawn and "ns/new" not in drawn
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, DetailScreen), pause=pilot.pause)


async def test_enter_on_an_event_shows_the_whole_message_and_its_object() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        events = app.query_one(EventList)
        await until(lambda: "BackOff" in text(events), what="the events", pause=pilot.pause)
        assert "END" not in text(events)  # cut on the list
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, DetailScreen), pause=pilot.pause)
        drawn = content(app.screen.query_one(EventDetail))
        assert "x" * 150 + "END" in drawn.replace(" ", "")  # whole, over several lines
        assert "About Pod ns/mid" in drawn
        assert "From kubelet on gpu-node-2" in drawn and "Seen 3 times" in drawn


async def test_slash_filters_the_nodes_and_the_cursor_lands_on_the_first_match() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        table = app.query_one(NodeTable)
        await until(lambda: "gpu-node-2" in text(table), what="the nodes", pause=pilot.pause)
        await pilot.press("j")  # on gpu-node-2, which the filter keeps, and not first
        await pilot.press("slash", *"node", "enter")
        status = app.query_one("#nodes-status")
        await until(lambda: "matching 'node'" in text(status), what="filter", pause=pilot.pause)
        line = cursor_line(table)
        assert line is not None and line.text.startswith("gpu-node-1")
        await pilot.press("slash", *"notready", "enter")
        await until(lambda: "gpu-node-1" not in text(table), what="the filter", pause=pilot.pause)
        line = cursor_line(table)
        assert line is not None and line.text.startswith("gpu-node-2")
        await until(
            lambda: text(status).strip().startswith("1 nodes · matching 'notready'"),
            pause=pilot.pause,
        )


async def test_slash_filters_the_events() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        events = app.query_one(EventList)
        await until(lambda: "BackOff" in text(events), what="the events", pause=pilot.pause)
        await pilot.press("slash", *"volume")
        await until(lambda: "BackOff" not in text(events), what="the filter", pause=pilot.pause)
        assert "FailedMount" in text(events)


def pod_order(table: PodTable) -> list[str]:
    return [line.split()[1] for line in text(table).splitlines()[1:] if line.strip()]


async def test_shift_letters_sort_the_pods_and_again_reverses() -> None:
    app = rich_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        status = app.query_one("#pods-status")
        await until(lambda: len(pod_order(table)) == 3, what="the pods", pause=pilot.pause)
        await pilot.press("A")
        await until(lambda: pod_order(table) == ["new", "mid", "old"], pause=pilot.pause)
        await until(lambda: "sorted by age ↑" in text(status), pause=pilot.pause)
        await pilot.press("A")
        await until(lambda: pod_order(table) == ["old", "mid", "new"], pause=pilot.pause)
        await until(lambda: "sorted by age ↓" in text(status), pause=pilot.pause)
        await pilot.press("T")  # restarts: old 0, new 2, mid 7
        await until(lambda: pod_order(table) == ["old", "new", "mid"], pause=pilot.pause)
        await pilot.press("O")  # node
        await until(lambda: pod_order(table)[0] == "new", pause=pilot.pause)


async def test_the_prompt_goes_to_a_view_by_its_short_name_with_completion() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("colon", "n", "tab", "enter")  # completed to `nodes`
        await until(lambda: tabs.active == "nodes", what=":nodes", pause=pilot.pause)
        await pilot.press("colon", *"ev", "enter")
        await until(lambda: tabs.active == "events", what=":ev", pause=pilot.pause)
        await pilot.press("colon", *"deploy", "enter")
        await until(lambda: isinstance(app.screen, ResourceScreen), pause=pilot.pause)
        listed = text(app.screen.query_one(ResourceList))
        header, row = listed.splitlines()[:2]
        assert header.split() == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
        assert row.split() == ["ns", "web", "2/3", "3", "2", "6h6m"]
        await pilot.press("colon", *"pdo", "enter")
        await until(lambda: app._notifications, what="a toast", pause=pilot.pause)
        said = [n.message for n in app._notifications][-1]
        assert said.startswith(":pdo is not a view here; try :pods :nodes")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ResourceScreen), pause=pilot.pause)


async def test_d_describes_and_y_shows_the_yaml_of_the_selected_object() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("colon", *"deploy", "enter")
        await until(lambda: isinstance(app.screen, ResourceScreen), pause=pilot.pause)
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, TextScreen), pause=pilot.pause)
        drawn = text(app.screen.query_one("#reading-text"))
        assert "Name:" in drawn and "web" in drawn.splitlines()[0]
        assert "3 desired | 3 updated | 0 total | 2 available | 0 unavailable" in drawn
        await pilot.press("escape", "y")
        await until(
            lambda: (
                isinstance(app.screen, TextScreen)
                and "kind: Deployment" in text(app.screen.query_one("#reading-text"))
            ),
            what="the YAML",
            pause=pilot.pause,
        )
        yaml_text = text(app.screen.query_one("#reading-text"))
        assert "apiVersion: apps/v1" in yaml_text and "managedFields" not in yaml_text


async def test_d_on_a_row_that_is_no_object_says_why() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("d")  # on the overview: no row selected
        await until(lambda: app._notifications, what="a toast", pause=pilot.pause)
        said = [n.message for n in app._notifications][-1]
        assert said.startswith("Select a row first")


async def test_a_filter_with_brackets_is_shown_as_typed() -> None:
    app = rich_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "slash", *"[b]")
        status = app.query_one("#pods-status")
        await until(lambda: "matching '[b]'" in text(status), pause=pilot.pause)
        assert app.is_running
