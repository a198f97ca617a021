"""The live screen follows the cluster: rows appear, nodes turn red, versions show, staleness."""

from __future__ import annotations

import aiohttp
from textual.command import CommandList
from textual.widgets import TabbedContent

from tests.conftest import canary_ingress
from tests.ui.conftest import NS, Room, wait_until
from warroom.ui.app import WarRoomApp
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.panels import Banner, Panel, RolloutPanel
from warroom.ui.widgets.pods import PodTable


def rendered(panel: Panel | NodeTable) -> str:
    """The text a panel shows, as plain characters."""
    return panel.plain()


async def patch(room: Room, path: str, body: dict, patch_type: str = "merge") -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.patch(
            f"{room.sim.url}{path}",
            json=body,
            headers={"Content-Type": f"application/{patch_type}-patch+json"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()


def pod_names(table: PodTable) -> set[str]:
    return {table.cell(uid, "name") for uid in table.uids}


async def test_scaling_the_deployment_makes_rows_appear(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        await wait_until(pilot, lambda: table.row_count == 3, what="three pod rows")
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {"spec": {"replicas": 6}},
        )
        await wait_until(pilot, lambda: table.row_count == 6, what="six pod rows")
        await wait_until(
            pilot,
            lambda: all(
                table.cell(uid, "status") == "Running" and table.cell(uid, "ready") == "1/1"
                for uid in table.uids
            ),
            timeout=30,
            what="all six running and ready",
        )
        live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
        assert pod_names(table) == live


async def test_node_failure_turns_the_node_red(room: Room) -> None:
    app = room.app()
    pod = room.sim.store.list(("", "pods"), NS)[0]
    node = pod["spec"]["nodeName"]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        panel = app.query_one("#nodes-panel", NodeTable)
        await wait_until(pilot, lambda: node in rendered(panel), what="node rows")
        room.sim.fail_node(node)
        await wait_until(
            pilot,
            lambda: (
                f"{node}" in rendered(panel)
                and any(
                    line.split()[:2] == [node, "NotReady"] for line in rendered(panel).splitlines()
                )
            ),
            timeout=30,
            what="node NotReady",
        )
        row = panel.position(node)
        assert row is not None
        name_style = panel.row_styles(row)[0]
        assert name_style is not None and name_style.color is not None
        assert name_style.color.name == "red"


async def test_a_rollout_shows_both_versions_with_their_counts(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one("#rollout", RolloutPanel)
        await wait_until(pilot, lambda: "2.0.0-production" in rendered(panel), what="rollout")
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
        await wait_until(
            pilot, lambda: "2.0.1-rc1" in rendered(panel), timeout=30, what="the new version"
        )
        text = rendered(panel)
        new_line = next(line for line in text.splitlines() if "2.0.1-rc1" in line)
        old_line = next(line for line in text.splitlines() if "2.0.0-production" in line)
        assert new_line.split()[0] == "new" and old_line.split()[0] == "stable"
        assert "bizra/inference:2.0.1-rc1" in new_line
        # maxUnavailable 0: the crashing new pod never takes traffic; old keeps all three.
        assert old_line.split()[2:6] == ["1", "3", "3", "3"]
        assert new_line.split()[3] == "1" and new_line.split()[5] == "0"
        assert "Waiting for rollout to finish" in text


async def test_lost_api_connections_show_staleness_then_recover_without_ghosts(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        banner = app.query_one("#banner", Banner)
        await wait_until(pilot, lambda: table.row_count == 3, what="pod rows")
        assert not banner.display
        room.sim.restart_apiserver(seconds=3.0)
        await wait_until(pilot, lambda: banner.display, timeout=10, what="the staleness banner")
        assert "⚠" in rendered(banner)
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
        await wait_until(pilot, lambda: not banner.display, timeout=30, what="recovery")

        def same_as_cluster() -> bool:
            live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
            return pod_names(table) == live and table.row_count == len(live) == 4

        await wait_until(pilot, same_as_cluster, timeout=30, what="rows equal to the cluster")
        assert victim not in pod_names(table)


async def test_events_tab_shows_the_newest_first_with_the_war_rooms_own_entries(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        events = app.query_one("#events-panel", EventList)
        await wait_until(pilot, lambda: events.row_count > 0, what="events listed")
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {"spec": {"replicas": 4}},
        )

        def first_row() -> str:
            """The first row on screen, under the header: what the engineer reads first."""
            return "".join(seg.text for seg in events.render_line(1))

        await wait_until(
            pilot,
            lambda: "Scaled up replica set" in events.plain(),
            timeout=30,
            what="the scale-up event",
        )
        room.picture.note("Drill", "canary promoted by hand")
        await wait_until(
            pilot, lambda: "canary promoted by hand" in first_row(), what="our note on top"
        )
        assert first_row().split()[1] == "Drill"  # age, reason, then what
        # Newest first: every row is at most as old as the one below it.
        times = [row.time for row in app.timeline.rows]
        assert times == sorted(times, reverse=True) and len(times) == events.row_count
        # With the cursor on the newest entry, newer ones keep arriving on top, in view.
        room.picture.note("Drill", "second note")
        await wait_until(pilot, lambda: "second note" in first_row(), what="the next note on top")
        # Moved down to read an entry, the cursor stays on it as entries arrive above.
        await pilot.press("down")
        reading = events.selected_key()
        room.picture.note("Drill", "third note")
        await wait_until(pilot, lambda: events.cursor == 2, what="the cursor following its row")
        assert events.selected_key() == reading
        await pilot.press("end")
        assert events.cursor == events.row_count - 1


async def test_slash_from_another_tab_opens_the_filter_and_typing_filters(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        table = app.query_one("#pod-table", PodTable)
        await pilot.press("slash")
        await wait_until(pilot, lambda: table.row_count == 3, what="the pods listed")
        victim = table.cell(table.uids[1], "name")
        await pilot.press(*victim[-5:])
        await wait_until(pilot, lambda: table.row_count == 1, what="the filter applied")
        assert pod_names(table) == {victim}
        await pilot.press("enter", "escape")
        await wait_until(pilot, lambda: table.row_count == 3, what="the filter cleared")
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
        await wait_until(
            pilot, lambda: offered(app) == "Show nodes and GPUs", what="the command offered"
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: tabs.active == "nodes", what="the nodes view")
        await pilot.press("ctrl+p")
        await pilot.press(*"filter pods")
        await wait_until(pilot, lambda: offered(app) == "Filter pods", what="the action offered")
        await pilot.press("enter")
        box = app.query_one("#pod-filter")
        await wait_until(pilot, lambda: box.display and box.has_focus, what="the filter box")
        assert tabs.active == "pods"


async def test_an_nginx_canary_ingress_shows_its_weight_in_the_rollout(room: Room) -> None:
    canary = canary_ingress("bizra-inference-canary", NS, "bizra-inference-canary", 20)
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one("#rollout", RolloutPanel)
        await wait_until(pilot, lambda: "2.0.0-production" in rendered(panel), what="rollout")
        assert "canary" not in rendered(panel)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{room.sim.url}/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses", json=canary
            ) as resp,
        ):
            assert resp.status == 201, await resp.text()
        line = "canary 20% of requests → service bizra-inference-canary"
        await wait_until(pilot, lambda: line in rendered(panel), what="the canary weight")
        await patch(
            room,
            f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/bizra-inference-canary",
            {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/canary-weight": "50"}}},
        )
        await wait_until(
            pilot, lambda: "canary 50% of requests" in rendered(panel), what="the new weight"
        )


async def test_the_app_knows_when_keys_were_last_pressed(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.seconds_since_key() == float("inf")  # nothing typed yet
        await pilot.press("3")
        assert app.seconds_since_key() < 1.0
