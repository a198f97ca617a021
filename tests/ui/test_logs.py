"""`l`: the selected pod's log from the simulated cluster's API server, following; a pod of
several containers asks which first."""

from __future__ import annotations

from textual.widgets import Log

from tests.ui.conftest import NS, Room
from tests.ui.screen import text
from tests.waiting import until
from warroom.ui.logs import LogScreen
from warroom.ui.widgets.pods import PodTable


async def create(room: Room, body: dict) -> None:
    async with (
        room.sim.session() as session,
        session.post(f"{room.sim.url}/api/v1/namespaces/{NS}/pods", json=body) as resp,
    ):
        assert resp.status == 201, await resp.text()


async def test_l_follows_the_selected_pods_log(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        await until(lambda: "bizra-inference" in text(table), what="the pods", pause=pilot.pause)
        await pilot.press("l")
        await until(lambda: isinstance(app.screen, LogScreen), what="the log", pause=pilot.pause)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        status = screen.query_one("#log-status")
        await until(lambda: "following" in text(status), what="following", pause=pilot.pause)
        first = int(text(status).split("following · ")[1].split()[0])
        # The sim's kubelet keeps writing (probe requests): the count grows as lines come.
        await until(
            lambda: int(text(status).split("following · ")[1].split()[0]) > first,
            what="new lines followed",
            pause=pilot.pause,
        )
        log = screen.query_one(Log)
        await pilot.press("home")  # the history's start: the server starting
        await until(
            lambda: "Model loaded successfully in" in text(log),
            what="the start",
            pause=pilot.pause,
        )
        assert "[inference-server]" in text(status)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, LogScreen), pause=pilot.pause)


async def test_a_pod_of_two_containers_asks_which_log(room: Room) -> None:
    body = {
        "metadata": {"name": "two", "labels": {"app": "two"}},
        "spec": {
            "containers": [
                {"name": "app", "image": "ghcr.io/bizra/inference:2.0.0"},
                {"name": "sidecar", "image": "nginx:1.27"},
            ]
        },
    }
    await create(room, body)
    app = room.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        await until(lambda: "two" in text(table).split(), what="the pod", pause=pilot.pause)
        await pilot.press("slash", *"two", "enter", "l")
        await until(lambda: isinstance(app.screen, LogScreen), what="the log", pause=pilot.pause)
        screen = app.screen
        status = screen.query_one("#log-status")
        await until(lambda: "2 containers: which log?" in text(status), pause=pilot.pause)
        picker = text(screen.query_one("#log-containers"))
        assert "1  app" in picker and "2  sidecar" in picker
        await pilot.press("2")
        await until(
            lambda: "[sidecar]" in text(status),
            what="the sidecar's",
            pause=pilot.pause,
        )
        await until(
            lambda: "following" in text(status) or "waiting to start" in text(status),
            what="the log or the server's refusal",
            pause=pilot.pause,
        )


async def test_l_on_a_node_says_logs_are_a_pods(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.press("3")
        await until(lambda: app.query_one("#nodes-status").display, pause=pilot.pause)
        await until(lambda: "gpu-node" in text(app.query_one("#nodes-panel")), pause=pilot.pause)
        await pilot.press("l")
        await until(lambda: app._notifications, what="a toast", pause=pilot.pause)
        said = [n.message for n in app._notifications][-1]
        assert said == "Logs are a pod's: select a pod (2 Pods) first."
