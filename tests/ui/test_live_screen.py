"""The live screen follows the cluster: rows appear, nodes turn red, versions show, staleness.

Every assertion reads what the widgets draw (tests/ui/screen.py), not what they keep."""

from __future__ import annotations

import time

from textual.command import CommandList
from textual.widgets import TabbedContent

from tests.conftest import canary_ingress
from tests.ui.conftest import NS, Room
from tests.ui.screen import color_of, content, line_with, lines, text, theme_color
from tests.waiting import until
from warroom.kube.backoff import Backoff
from warroom.ui.app import WarRoomApp
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.panels import Banner, RolloutPanel
from warroom.ui.widgets.pods import PodTable


async def patch(room: Room, path: str, body: dict, patch_type: str = "merge") -> None:
    async with (
        room.sim.session() as session,
        session.patch(
            f"{room.sim.url}{path}",
            json=body,
            headers={"Content-Type": f"application/{patch_type}-patch+json"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()


def pod_rows(table: PodTable) -> list[list[str]]:
    """The pods table as drawn: one list of cells (split on blanks) per row, header dropped."""
    drawn = [line.text.split() for line in lines(table)]
    return [cells for cells in drawn[1:] if cells]


def pod_names(table: PodTable) -> set[str]:
    return {cells[1] for cells in pod_rows(table)}


async def test_scaling_the_deployment_makes_rows_appear(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        await until(lambda: len(pod_rows(table)) == 3, what="three pod rows", pause=pilot.pause)
        assert lines(table)[0].text.split()[:4] == ["version", "pod", "status", "ready"]
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {"spec": {"replicas": 6}},
        )
        await until(lambda: len(pod_rows(table)) == 6, what="six pod rows", pause=pilot.pause)
        await until(
            lambda: all(cells[2:4] == ["Running", "1/1"] for cells in pod_rows(table)),
            timeout=30,
            what="all six running and ready",
            pause=pilot.pause,
        )
        live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
        assert pod_names(table) == live
        ok = theme_color(app, "success")
        assert {color_of(line.style_of("Running")) for line in lines(table)[1:7]} == {ok}


async def test_node_failure_turns_the_node_red(room: Room) -> None:
    app = room.app()
    pod = room.sim.store.list(("", "pods"), NS)[0]
    node = pod["spec"]["nodeName"]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        panel = app.query_one("#nodes-panel", NodeTable)
        await until(lambda: node in text(panel), timeout=20, what="node rows", pause=pilot.pause)
        assert color_of(line_with(panel, node).style_of(node)) == theme_color(app, "success")
        room.sim.fail_node(node)
        await until(
            lambda: line_with(panel, node).text.split()[:2] == [node, "NotReady"],
            timeout=30,
            what="node NotReady",
            pause=pilot.pause,
        )
        row = line_with(panel, node)
        assert color_of(row.style_of(node)) == theme_color(app, "error")
        assert color_of(row.style_of("NotReady")) == theme_color(app, "error")


async def test_a_rollout_shows_both_versions_with_their_counts(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one("#rollout", RolloutPanel)
        await until(
            lambda: "2.0.0-production" in text(panel), timeout=20, what="rollout", pause=pilot.pause
        )
        room.sim.set_image_broken("ghcr.io/bizra/inference:2.0.1-rc1")
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "inference-server",
                                    "image": "ghcr.io/bizra/inference:2.0.1-rc1",
                                }
                            ]
                        }
                    }
                }
            },
            patch_type="strategic-merge",
        )
        await until(
            lambda: "2.0.1-rc1" in text(panel),
            timeout=30,
            what="the new version",
            pause=pilot.pause,
        )
        new_line = line_with(panel, "2.0.1-rc1").text.strip("│ ")
        old_line = line_with(panel, "2.0.0-production").text.strip("│ ")
        assert new_line.split()[0] == "new" and old_line.split()[0] == "stable"
        assert "ghcr.io/bizra/inference:2.0.1-rc1" in new_line  # the registry is kept
        # maxUnavailable 0: the crashing new pod never takes traffic; old keeps all three.
        assert old_line.split()[2:6] == ["1", "3", "3", "3"]
        assert new_line.split()[3] == "1" and new_line.split()[5] == "0"
        waiting = line_with(panel, 'Waiting for deployment "bizra-inference" rollout')
        assert color_of(waiting.style_of("Waiting")) == theme_color(app, "warning")
        # kubectl's warning about the pod that cannot start reaches the panel, in the bad tone.
        await until(
            lambda: "⚠ CrashLoopBackOff - " in text(panel),
            timeout=30,
            what="kubectl's warning about the crashing pod",
            pause=pilot.pause,
        )
        warning = line_with(panel, "⚠ CrashLoopBackOff")
        assert color_of(warning.style_of("CrashLoopBackOff")) == theme_color(app, "error")


async def test_lost_api_connections_show_staleness_then_recover_without_ghosts(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        banner = app.query_one("#banner", Banner)
        await until(lambda: len(pod_rows(table)) == 3, what="pod rows", pause=pilot.pause)
        assert not banner.display
        room.sim.restart_apiserver(seconds=3.0)
        await until(lambda: banner.display, timeout=10, what="the banner", pause=pilot.pause)
        # Which watch, what went wrong, how old its data is (the first failure may be the
        # dropped stream or the 503 that follows it).
        said = content(banner)
        assert said.startswith("⚠ API server: ") and "s old)" in said and "! details" in said
        # While the API is down the cluster moves on: one pod goes, two come.
        victim = room.sim.store.list(("", "pods"), NS)[0]["metadata"]["name"]
        room.sim.registry.delete_pod(
            room.sim.store.get(("", "pods"), NS, victim), {"gracePeriodSeconds": 0}
        )
        deployment = room.sim.catalogue.get("apps", "v1", "deployments")
        room.sim.registry.patch(
            deployment,
            NS,
            "bizra-inference",
            "application/merge-patch+json",
            {"spec": {"replicas": 4}},
            dry_run=False,
        )
        await until(lambda: not banner.display, timeout=30, what="recovery", pause=pilot.pause)

        def same_as_cluster() -> bool:
            live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
            return pod_names(table) == live and len(pod_rows(table)) == len(live) == 4

        await until(same_as_cluster, timeout=30, what="rows as the cluster", pause=pilot.pause)
        assert victim not in pod_names(table)


async def test_events_tab_shows_the_newest_first_with_the_war_rooms_own_entries(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        events = app.query_one("#events-panel", EventList)
        await until(
            lambda: len(lines(events)[1].text.split()) > 0, what="events listed", pause=pilot.pause
        )
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {"spec": {"replicas": 4}},
        )

        def first_row() -> str:
            """The first row on screen, under the header: what the engineer reads first."""
            return lines(events)[1].text

        await until(
            lambda: "Scaled up replica set" in text(events),
            timeout=30,
            what="the scale-up event",
            pause=pilot.pause,
        )
        room.picture.note("Drill", "canary promoted by hand")
        await until(
            lambda: "canary promoted by hand" in first_row(),
            what="our note on top",
            pause=pilot.pause,
        )
        assert first_row().split()[1] == "Drill"  # age, reason, then what
        assert color_of(lines(events)[1].style_of("Drill")) == theme_color(app, "accent")
        # With the cursor on the newest entry, newer ones keep arriving on top, in view.
        room.picture.note("Drill", "second note")
        await until(
            lambda: "second note" in first_row(), what="the next note on top", pause=pilot.pause
        )
        assert "canary promoted by hand" in lines(events)[2].text
        # Moved down to read an entry, the cursor stays on it as entries arrive above.
        await pilot.press("down")
        reading = events.selected_key()
        room.picture.note("Drill", "third note")
        await until(
            lambda: events.cursor == 2, what="the cursor following its row", pause=pilot.pause
        )
        assert events.selected_key() == reading
        await pilot.press("end")
        assert events.cursor == events.row_count - 1


async def test_war_room_entries_keep_reaching_the_events_view_after_five_hundred(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        events = app.query_one("#events-panel", EventList)
        for i in range(520):
            room.picture.note("Drill", f"note {i}")
        await until(
            lambda: "note 519" in lines(events)[1].text, what="the 520th note", pause=pilot.pause
        )
        room.picture.note("Drill", "after the timeline filled")
        await until(
            lambda: "after the timeline filled" in lines(events)[1].text,
            what="an entry past the bounded timeline",
            pause=pilot.pause,
        )


async def test_slash_from_a_tab_without_a_list_filters_the_pods(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        table = app.query_one("#pod-table", PodTable)
        await pilot.press("slash")
        await until(lambda: len(pod_rows(table)) == 3, what="the pods listed", pause=pilot.pause)
        victim = pod_rows(table)[1][1]
        await pilot.press(*victim[-5:])
        await until(lambda: len(pod_rows(table)) == 1, what="the filter applied", pause=pilot.pause)
        assert pod_names(table) == {victim}
        status = app.query_one("#pods-status")
        await until(
            lambda: f"1 pods · matching {victim[-5:]!r}" in text(status),
            what="the status line counting the match",
            pause=pilot.pause,
        )
        await pilot.press("enter", "escape")
        await until(lambda: len(pod_rows(table)) == 3, what="the filter cleared", pause=pilot.pause)
        assert table.has_focus


def offered(app: WarRoomApp) -> str:
    """The palette's first offer's command, as shown (its help line below it dropped); "" while
    it has none."""
    options = app.screen.query(CommandList)
    if not options or not options.first().option_count:
        return ""
    prompt = options.first().get_option_at_index(0).prompt
    return str(getattr(prompt, "plain", prompt)).split("\n", 1)[0]


async def test_the_command_palette_reaches_views_and_actions_by_name(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("ctrl+p")
        await pilot.press(*"show nodes")
        await until(
            lambda: offered(app) == "Show nodes and GPUs",
            what="the command offered",
            pause=pilot.pause,
        )
        await pilot.press("enter")
        await until(lambda: tabs.active == "nodes", what="the nodes view", pause=pilot.pause)
        await pilot.press("ctrl+p")
        await pilot.press(*"filter the list")
        await until(
            lambda: offered(app) == "Filter the list", what="the action offered", pause=pilot.pause
        )
        await pilot.press("enter")
        box = app.query_one("#nodes .filter")
        await until(lambda: box.display and box.has_focus, what="the filter box", pause=pilot.pause)
        assert tabs.active == "nodes"  # the list on screen


async def test_an_nginx_canary_ingress_shows_its_weight_in_the_rollout(room: Room) -> None:
    canary = canary_ingress("bizra-inference-canary", NS, "bizra-inference-canary", 20)
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one("#rollout", RolloutPanel)
        await until(
            lambda: "2.0.0-production" in text(panel), timeout=20, what="rollout", pause=pilot.pause
        )
        assert "canary" not in text(panel)
        async with (
            room.sim.session() as session,
            session.post(
                f"{room.sim.url}/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses", json=canary
            ) as resp,
        ):
            assert resp.status == 201, await resp.text()
        line = "canary 20% of requests → service bizra-inference-canary"
        await until(lambda: line in text(panel), what="the canary weight", pause=pilot.pause)
        await patch(
            room,
            f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/bizra-inference-canary",
            {
                "metadata": {
                    "annotations": {
                        "nginx.ingress.kubernetes.io/canary-weight": "5",
                        "nginx.ingress.kubernetes.io/canary-weight-total": "1000",
                    }
                }
            },
        )
        await until(
            lambda: (
                "canary 0.5% of requests" in text(panel) and "weight 5 of 1000)" in content(panel)
            ),
            what="the weight out of canary-weight-total",
            pause=pilot.pause,
        )


async def test_the_app_knows_when_keys_were_last_pressed(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.seconds_since_key() == float("inf")  # nothing typed yet
        await pilot.press("3")
        assert app.seconds_since_key() < 1.0


async def test_an_api_restart_is_one_short_line_with_a_true_age_and_recovery_is_prompt(
    room: Room,
) -> None:
    for reflector in room.sources.reflectors:
        reflector.backoff = Backoff()  # the real back-off, not the fixture's fast one
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.query_one("#banner", Banner)
        await until(lambda: "live" in text(app.query_one("#rollout")), pause=pilot.pause)
        room.sim.restart_apiserver(seconds=8.0)
        restarted = time.monotonic()
        await until(lambda: banner.display, timeout=10, what="the banner", pause=pilot.pause)
        shown = [line for line in content(banner).split("⚠ ") if line]
        assert len(shown) == 1, shown  # one line for the API server, whatever it broke
        assert shown[0].startswith("API server: ") and " watches (data " in shown[0]
        age = int(shown[0].split("(data ")[1].split("s old")[0])
        assert age <= time.monotonic() - restarted + 1  # counted from the failure, not before
        assert room.sim.url not in content(banner)  # the URL is on the sources view, not here
        await until(lambda: not banner.display, timeout=20, what="recovery", pause=pilot.pause)
        # Back within a couple of seconds of the server (8 s), not after a long back-off
        # (client-go's 0.8 s doubling would next try at 12 s).
        assert time.monotonic() - restarted < 8.0 + 3.0
