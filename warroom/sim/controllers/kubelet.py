"""The kubelets of every simulated node: pull, start, readiness, crash loops and shutdown.

A pod bound to a node goes Pending/ContainerCreating → Running → Ready after the scenario's
delays. An image the scenario marks broken starts, exits with an error and enters
CrashLoopBackOff with restarts counting up and the back-off doubling (10 s … 300 s).
A kubelet on a failed node does nothing until the node comes back. Each container instance's
life (started, ready, stopping, exited) goes to ContainerLogs, which pods/log reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.clock import parse_rfc3339
from warroom.sim.container_logs import ContainerLogs
from warroom.sim.controllers.context import NODES, PODS, Context, key_of, split_key
from warroom.sim.controllers.runtime import container_id, go_duration, image_id, image_size
from warroom.sim.pods import condition, is_ready, is_terminating, set_condition
from warroom.sim.store import Change, Obj, clone

COMPONENT = "kubelet"
MAX_BACKOFF = 300.0


class Kubelet:
    name = "kubelet"

    def __init__(self, ctx: Context, logs: ContainerLogs | None = None) -> None:
        self.ctx = ctx
        # What each container wrote, for pods/log.
        self.logs = logs if logs is not None else ContainerLogs(ctx.clock)
        # Per pod: (stage, simulated time it is due). Stages: pulling, creating, starting,
        # running, backoff, killing.
        self._stage: dict[str, tuple[str, float]] = {}
        self._ips: dict[str, int] = {}
        # Images each node holds, and the images each pod is pulling: an IfNotPresent image
        # already on the node is not pulled again.
        self._images: dict[str, set[str]] = {}
        self._pulls: dict[str, set[str]] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == PODS:
            spec = change.obj.get("spec") or {}
            meta = change.obj["metadata"]
            key = key_of(meta["namespace"], meta["name"])
            if change.type == "DELETED":
                self._stage.pop(key, None)
                self._pulls.pop(key, None)
                self.logs.forget_pod(meta["uid"])
                return []
            if spec.get("nodeName"):
                return [key]
            return []
        if change.type_key == NODES and change.old is not None:
            node = change.obj["metadata"]["name"]
            return [
                key_of(p["metadata"]["namespace"], p["metadata"]["name"])
                for p in self.ctx.store.pods_on_node(node)
            ]
        return []

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        pod = self.ctx.store.get(PODS, ns, name)
        if pod is None:
            self._stage.pop(key, None)
            return None
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or node in self.ctx.faults.failed_nodes:
            return None
        now = self.ctx.clock.now()
        if is_terminating(pod):
            return self._shutdown(key, pod, now)
        stage, due = self._stage.get(key, ("", 0.0))
        if not stage:
            if (pod.get("status") or {}).get("containerStatuses"):
                # A pod the kubelet already runs (seeded by a scenario or before a restart).
                return self._resume(key, pod, now)
            return self._begin(key, pod, node, now)
        if now < due:
            return due - now
        if stage == "pulling":
            return self._pulled(key, pod, now)
        if stage == "creating":
            return self._start(key, pod, now)
        if stage == "starting":
            return self._ready(key, pod, now)
        if stage == "running":
            return self._crash(key, pod, now) if self._broken(pod) else self._keep_ready(pod)
        if stage == "backoff":
            return self._start(key, pod, now, restart=True)
        return None

    # ---- stages ------------------------------------------------------------------------

    def _broken(self, pod: Obj) -> bool:
        if pod["metadata"]["uid"] in self.ctx.faults.broken_pods:
            return True
        return any(
            c.get("image") in self.ctx.faults.broken_images
            for c in (pod.get("spec") or {}).get("containers") or ()
        )

    def _containers(self, pod: Obj) -> list[dict[str, Any]]:
        return list((pod.get("spec") or {}).get("containers") or ())

    def _event(self, pod: Obj, reason: str, message: str, *, warning: bool = False) -> None:
        host = (pod.get("spec") or {}).get("nodeName", "")
        if warning:
            self.ctx.recorder.warning(pod, reason, message, COMPONENT, host=host)
        else:
            self.ctx.recorder.normal(pod, reason, message, COMPONENT, host=host)

    def _write(self, pod: Obj) -> Obj:
        return self.ctx.store.update(PODS, pod)

    def _begin(self, key: str, pod: Obj, node: str, now: float) -> float:
        updated = clone(pod)
        stamp = self.ctx.clock.timestamp()
        status = updated.setdefault("status", {})
        status["phase"] = "Pending"
        status["hostIP"] = self._host_ip(node)
        status["hostIPs"] = [{"ip": status["hostIP"]}]
        status["startTime"] = stamp
        names = [c["name"] for c in self._containers(pod)]
        set_condition(updated, "PodReadyToStartContainers", "False", stamp)
        set_condition(updated, "Initialized", "True", stamp, probe_time=True)
        set_condition(
            updated,
            "Ready",
            "False",
            stamp,
            reason="ContainersNotReady",
            message=f"containers with unready status: [{' '.join(names)}]",
            probe_time=True,
        )
        set_condition(
            updated,
            "ContainersReady",
            "False",
            stamp,
            reason="ContainersNotReady",
            message=f"containers with unready status: [{' '.join(names)}]",
            probe_time=True,
        )
        status["containerStatuses"] = [
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": "",
                "ready": False,
                "started": False,
                "restartCount": 0,
                "lastState": {},
                "state": {"waiting": {"reason": "ContainerCreating"}},
            }
            for c in self._containers(pod)
        ]
        pod = self._write(updated)
        pull = 0.0
        present = self._images.get(node, set())
        pulls = self._pulls[key] = set()
        for c in self._containers(pod):
            image = c.get("image", "")
            if image in present and c.get("imagePullPolicy") != "Always":
                continue
            pulls.add(image)
            pull = max(pull, self._pull_seconds(image))
            self._event(pod, "Pulling", f'Pulling image "{image}"')
        self._stage[key] = ("pulling", now + pull)
        return pull

    def _pull_seconds(self, image: str) -> float:
        return self.ctx.faults.image_pull_seconds.get(image, self.ctx.timings.image_pull)

    def _pulled(self, key: str, pod: Obj, now: float) -> float:
        """Images are on the node; the containers are created `container_start` later."""
        pulls = self._pulls.pop(key, set())
        self._images.setdefault(pod["spec"]["nodeName"], set()).update(pulls)
        for c in self._containers(pod):
            image = c.get("image", "")
            if image in pulls:
                took = go_duration(self._pull_seconds(image))
                self._event(
                    pod,
                    "Pulled",
                    f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
                    f"Image size: {image_size(image)} bytes.",
                )
            else:
                self._event(pod, "Pulled", f'Container image "{image}" already present on machine')
        self._stage[key] = ("creating", now + self.ctx.timings.container_start)
        return self.ctx.timings.container_start

    def _start(self, key: str, pod: Obj, now: float, *, restart: bool = False) -> float:
        updated = clone(pod)
        stamp = self.ctx.clock.timestamp()
        status = updated["status"]
        status["phase"] = "Running"
        node = updated["spec"]["nodeName"]
        if not status.get("podIP"):
            status["podIP"] = self._pod_ip(node)
            status["podIPs"] = [{"ip": status["podIP"]}]
        set_condition(updated, "PodReadyToStartContainers", "True", stamp)
        for cs in status["containerStatuses"]:
            if restart:
                # The restart count counts containers started again after an exit.
                cs["restartCount"] = int(cs.get("restartCount", 0)) + 1
                if "terminated" in (cs.get("state") or {}):
                    cs["lastState"] = {"terminated": cs["state"]["terminated"]}
            cs["state"] = {"running": {"startedAt": stamp}}
            cs["started"] = True
            cs["imageID"] = image_id(cs["image"])
            cs["containerID"] = container_id(pod["metadata"]["uid"], cs["name"], cs["restartCount"])
        pod = self._write(updated)
        self.logs.pod_started(pod, now)
        for c in self._containers(pod):
            if restart:
                self._event(
                    pod,
                    "Pulled",
                    f'Container image "{c.get("image", "")}" already present on machine',
                )
            self._event(pod, "Created", f"Created container: {c['name']}")
            self._event(pod, "Started", f"Started container {c['name']}")
        broken = self._broken(pod)
        delay = self.ctx.timings.crash_after if broken else self._readiness_delay(pod)
        self._stage[key] = ("running" if broken else "starting", now + delay)
        return delay

    def _readiness_delay(self, pod: Obj) -> float:
        delay = 0.0
        for c in self._containers(pod):
            probe = c.get("readinessProbe")
            if probe:
                delay = max(
                    delay,
                    float(probe.get("initialDelaySeconds", 0))
                    + float(probe.get("periodSeconds", 10)) / 2,
                )
            else:
                delay = max(delay, self.ctx.timings.readiness)
        return delay

    def _ready(self, key: str, pod: Obj, now: float) -> float | None:
        self._stage[key] = ("running", now)
        self.logs.pod_ready(pod, now)
        self._set_ready(pod, True)
        return None

    def _set_ready(self, pod: Obj, ready: bool) -> None:
        updated = clone(pod)
        stamp = self.ctx.clock.timestamp()
        for cs in updated["status"].get("containerStatuses") or ():
            cs["ready"] = ready
        if ready:
            set_condition(updated, "Ready", "True", stamp, probe_time=True)
            set_condition(updated, "ContainersReady", "True", stamp, probe_time=True)
        if updated != pod:
            self._write(updated)

    def _keep_ready(self, pod: Obj) -> None:
        """After a node comes back, a healthy running pod reports Ready again."""
        status = pod.get("status") or {}
        running = all(
            "running" in (cs.get("state") or {}) for cs in status.get("containerStatuses") or ()
        )
        ready = all(cs.get("ready") for cs in status.get("containerStatuses") or ())
        if running and not (ready and is_ready(pod)):
            self._set_ready(pod, True)

    def _crash(self, key: str, pod: Obj, now: float) -> float:
        self.logs.pod_exited(pod, now, 1)
        updated = clone(pod)
        stamp = self.ctx.clock.timestamp()
        meta = pod["metadata"]
        names = []
        backoff = 0.0
        for cs in updated["status"]["containerStatuses"]:
            started = (cs.get("state") or {}).get("running", {}).get("startedAt", stamp)
            exited = {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": started,
                "finishedAt": stamp,
                "containerID": cs.get("containerID", ""),
            }
            # doBackOff: the first exit is restarted at once; each later one waits 10 s,
            # doubling up to 5 min. restartCount moves when the container starts again.
            restarts = int(cs.get("restartCount", 0))
            backoff = 0.0 if restarts == 0 else min(MAX_BACKOFF, 10.0 * 2 ** (restarts - 1))
            if backoff == 0:
                cs["state"] = {"terminated": exited}
            else:
                cs["lastState"] = {"terminated": exited}
                cs["state"] = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off {go_duration(backoff)} restarting failed "
                        f"container={cs['name']} "
                        f"pod={meta['name']}_{meta['namespace']}({meta['uid']})",
                    }
                }
            cs["ready"] = False
            cs["started"] = False
            names.append(cs["name"])
        set_condition(
            updated,
            "Ready",
            "False",
            stamp,
            reason="ContainersNotReady",
            message=f"containers with unready status: [{' '.join(names)}]",
            probe_time=True,
        )
        set_condition(
            updated,
            "ContainersReady",
            "False",
            stamp,
            reason="ContainersNotReady",
            message=f"containers with unready status: [{' '.join(names)}]",
            probe_time=True,
        )
        pod = self._write(updated)
        for name in names if backoff else ():
            self._event(
                pod,
                "BackOff",
                f"Back-off restarting failed container {name} in pod "
                f"{meta['name']}_{meta['namespace']}({meta['uid']})",
                warning=True,
            )
        self._stage[key] = ("backoff", now + backoff)
        return backoff

    def _resume(self, key: str, pod: Obj, now: float) -> float | None:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        node = pod["spec"]["nodeName"]
        self._images.setdefault(node, set()).update(c.get("image", "") for c in statuses)
        if all(cs.get("ready") for cs in statuses):
            ready = condition(pod, "Ready")
            since = ready.get("lastTransitionTime") if ready else None
            self.logs.pod_resumed(pod, parse_rfc3339(since) if since else None)
            self._stage[key] = ("running", now)
            return None
        return self._start(key, pod, now)

    def _shutdown(self, key: str, pod: Obj, now: float) -> float | None:
        stage, due = self._stage.get(key, ("", 0.0))
        if stage != "killing":
            grace = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
            for c in self._containers(pod):
                if any(
                    cs.get("name") == c["name"] and "running" in (cs.get("state") or {})
                    for cs in (pod.get("status") or {}).get("containerStatuses") or ()
                ):
                    self._event(pod, "Killing", f"Stopping container {c['name']}")
            self.logs.pod_stopping(pod, now)
            due = now + min(grace, self.ctx.timings.shutdown)
            self._stage[key] = ("killing", due)
        if now < due:
            return due - now
        if pod["metadata"].get("finalizers"):
            return None
        meta = pod["metadata"]
        self.logs.pod_exited(pod, now, 0)
        if self.ctx.store.get(PODS, meta["namespace"], meta["name"]) is not None:
            self.ctx.store.delete(PODS, meta["namespace"], meta["name"])
        self._stage.pop(key, None)
        return None

    # ---- addresses ---------------------------------------------------------------------

    def _host_ip(self, node_name: str) -> str:
        node = self.ctx.store.get(NODES, "", node_name) or {}
        for addr in (node.get("status") or {}).get("addresses") or ():
            if addr.get("type") == "InternalIP":
                return str(addr.get("address"))
        return "10.0.0.1"

    def _pod_ip(self, node_name: str) -> str:
        node = self.ctx.store.get(NODES, "", node_name) or {}
        cidr = (node.get("spec") or {}).get("podCIDR", "10.244.0.0/24")
        base = cidr.split("/")[0].rsplit(".", 1)[0]
        n = self._ips.get(node_name, 1) + 1
        self._ips[node_name] = n % 250 + 1
        return f"{base}.{n}"
