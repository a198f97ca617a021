"""The blue-green strategy (seed 002): green (the target) runs beside blue, an NGINX canary
Ingress on blue's host sends `canary-weight` % of the requests to green, and at the end the
Service's selector is switched to green's pods. The calls are the seed's own:

- promote: the weight to the next step (`kubectl annotate ingress … --overwrite
  nginx.ingress.kubernetes.io/canary-weight=N`, a merge patch of the annotation); past the
  last step, the Service's selector switched to green's label value;
- promote-full: the weight to 100 and the selector switched, in one action;
- rollback: the selector back to blue (the seed's `kubectl patch service … -p
  '{"spec":{"selector":{"version":"v1.0.0-blue"}}}'`) and the weight to 0, in one action,
  green kept running for inspection; its preview says first whether sticky sessions will
  keep users on green (actions/sticky.py);
- pause and resume: nothing to send, and said so: the weight moves only when promoted.

A weight-total (`canary-weight-total`, used by ingress-nginx only above 100) scales the
weight written: a step is a share of the requests, whatever the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.lease import Target
from warroom.actions.others import argo_tracking
from warroom.actions.plan import ActionArgs, ActionRefused, Check, Plan, Progress, as_abort
from warroom.actions.readiness import RollbackReady, during
from warroom.actions.rolling import StatusWords, deployments, images
from warroom.actions.sticky import PREFIX, after_weight_zero, annotations_of
from warroom.kinds.objects import as_int, section
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError
from warroom.kube.resource import Resource
from warroom.kube.writes import PatchType, get
from warroom.layout.schema import Target as LayoutTarget

Obj = dict[str, Any]
CANARY = PREFIX + "canary"
WEIGHT = PREFIX + "canary-weight"
WEIGHT_TOTAL = PREFIX + "canary-weight-total"


def ingresses(namespace: str) -> Resource:
    return Resource("networking.k8s.io", "v1", "ingresses", namespace=namespace)


def services(namespace: str) -> Resource:
    return Resource("", "v1", "services", namespace=namespace)


def weight_total(canary: Mapping[str, Any]) -> int:
    """The weight that means 100 %: ingress-nginx's canary-weight-total when above 100."""
    total = as_int(annotations_of(canary).get(WEIGHT_TOTAL))
    return total if total > 100 else 100


def weight(canary: Mapping[str, Any]) -> int:
    return as_int(annotations_of(canary).get(WEIGHT))


def weight_share(canary: Mapping[str, Any]) -> float:
    """Green's share of the requests the canary weight asks, 0–100."""
    return 100.0 * min(weight(canary), weight_total(canary)) / weight_total(canary)


def pod_label(deployment: Mapping[str, Any], label: str) -> str:
    template = section(section(deployment, "spec"), "template")
    return str(section(section(template, "metadata"), "labels").get(label, ""))


def percent(value: float) -> str:
    return f"{value:.0f} %"


@dataclass(frozen=True, slots=True)
class BlueGreenState:
    """Green, blue, the canary Ingress, the Service, and the main Ingress (None when the
    layout names none)."""

    green: Obj
    blue: Obj
    canary: Obj
    service: Obj
    main: Obj | None = None

    def selects(self, label: str) -> str:
        return str(section(section(self.service, "spec"), "selector").get(label, ""))


class BlueGreenStrategy:
    """Plans for green, moved to by a canary weight and a Service's selector."""

    strategy: str = "blue-green"
    actions: tuple[str, ...] = ("promote", "promote-full", "pause", "resume", "abort", "rollback")

    def __init__(
        self,
        green: Target,
        blue: Target,
        canary_ingress: str,
        service: Target,
        main_ingress: Target | None = None,
        selector_label: str = "version",
        steps: Sequence[int] = (5, 20, 50, 100),
        traffic_signal: str | None = None,
    ) -> None:
        self.target = green
        self.blue = blue
        self.canary_ingress = canary_ingress
        self.service = service
        self.main_ingress = main_ingress
        self.label = selector_label
        self.steps = tuple(steps)
        self.traffic_signal = traffic_signal

    @classmethod
    def for_target(cls, target: LayoutTarget) -> BlueGreenStrategy:
        settings = target.blue_green
        if settings is None:  # the layout's validation makes this impossible
            raise ValueError(f"target {target.name} has strategy blue-green but no blue_green")

        def ref(kind: str, name: str, namespace: str | None) -> Target:
            return Target(kind, name, namespace or target.namespace)

        main = settings.main_ingress
        return cls(
            Target("Deployment", target.name, target.namespace),
            ref("Deployment", settings.blue.name, settings.blue.namespace),
            settings.canary_ingress,
            ref("Service", settings.service.name, settings.service.namespace),
            ref("Ingress", main.name, main.namespace) if main is not None else None,
            settings.selector_label,
            settings.steps,
            settings.traffic_signal,
        )

    @property
    def green_namespace(self) -> str:
        return self.target.namespace or ""

    def writes(self) -> tuple[Permission, ...]:
        """A patch of the canary Ingress's weight and of the Service's selector."""
        return (
            Permission.on("patch", ingresses(self.green_namespace), self.canary_ingress),
            Permission.on("patch", services(self.service.namespace or ""), self.service.name),
        )

    async def read(self, connection: Connection) -> BlueGreenState:
        green = await get(connection, deployments(self.green_namespace), self.target.name)
        blue = await get(connection, deployments(self.blue.namespace or ""), self.blue.name)
        canary = await get(connection, ingresses(self.green_namespace), self.canary_ingress)
        service = await get(connection, services(self.service.namespace or ""), self.service.name)
        main = None
        if self.main_ingress is not None:
            try:
                main = await get(
                    connection, ingresses(self.main_ingress.namespace or ""), self.main_ingress.name
                )
            except ApiError as exc:
                if exc.code != 404:
                    raise
                raise ActionRefused(
                    f"the main Ingress {self.main_ingress.namespace}/{self.main_ingress.name} "
                    "the layout names (blue_green.main_ingress) does not exist; fix the name"
                ) from None
        return BlueGreenState(green, blue, canary, service, main)

    # -- where it stands ------------------------------------------------------------------

    def colours(self, state: BlueGreenState) -> tuple[str, str]:
        """(blue's, green's) value of the selector label; ActionRefused when a colour's pods
        lack it or both share it."""
        blue, green = pod_label(state.blue, self.label), pod_label(state.green, self.label)
        for value, name in ((blue, self.blue), (green, self.target)):
            if not value:
                raise ActionRefused(
                    f"the pods of deployment {name.namespace}/{name.name} have no label "
                    f"{self.label!r}; set blue_green.selector_label to the label that tells "
                    "blue's pods from green's"
                )
        if blue == green:
            raise ActionRefused(
                f"blue's and green's pods both have {self.label}={blue}, so the Service cannot "
                "tell them apart; set blue_green.selector_label to a label they differ in"
            )
        return blue, green

    def switched(self, state: BlueGreenState) -> bool:
        return state.selects(self.label) == pod_label(state.green, self.label) != ""

    def status(self, state: BlueGreenState, traffic: float | None = None) -> StatusWords:
        """Where the shift stands; `traffic` is the layout's traffic_signal now (green's share
        of the requests, a ratio), when the caller reads it."""
        share = weight_share(state.canary)
        selects = state.selects(self.label) or "nothing"
        facts = {
            "canary weight": f"{weight(state.canary)} of {weight_total(state.canary)}",
            "Service selects": f"{self.label}={selects}",
            "green pods": f"{as_int(section(state.green, 'status').get('availableReplicas'))} "
            "available",
        }
        if traffic is not None:
            facts["green's share of requests"] = percent(100 * traffic)
        total = len(self.steps)
        step = self.steps.index(round(share)) + 1 if round(share) in self.steps else None
        service = f"{self.service.namespace}/{self.service.name}"
        if self.switched(state):
            return StatusWords(
                "switched", f"the Service {service} selects green ({self.label}={selects})", "",
                "nothing further; rollback switches it back and the weight to 0", facts,
            )  # fmt: skip
        if share == 0:
            return StatusWords(
                "not started", f"0 of {total} steps: blue serves everything", "",
                f"promote: canary weight to {self.steps[0]} %", facts,
            )  # fmt: skip
        upcoming = self._next_step(state)
        after = (
            f"promote: canary weight to {upcoming} %"
            if upcoming is not None
            else f"promote: switch the Service {service} to green ({self.label})"
        )
        where = f"step {step} of {total}: " if step else "between steps: "
        return StatusWords("shifting", f"{where}{percent(share)} to green", "", after, facts)

    def _next_step(self, state: BlueGreenState) -> int | None:
        share = weight_share(state.canary)
        return next((s for s in self.steps if s > share + 1e-9), None)

    # -- plans ----------------------------------------------------------------------------

    def plan(self, action: str, state: BlueGreenState, args: ActionArgs, now: float) -> Plan:
        if action in ("pause", "resume"):
            return self._hold(action, state)
        if action not in ("promote", "promote-full", "abort", "rollback"):
            raise ActionRefused(
                f"the blue-green strategy has no action {action!r}; its actions: "
                f"{', '.join(self.actions)}"
            )
        blue, green = self.colours(state)
        if annotations_of(state.canary).get(CANARY) != "true":
            raise ActionRefused(
                f"Ingress {self.green_namespace}/{self.canary_ingress} is not a canary ({CANARY} "
                'is not "true"), so its weight moves nothing; annotate it or fix '
                "blue_green.canary_ingress"
            )
        if action == "rollback":
            return self._rollback(state, blue)
        if action == "abort":
            return as_abort(
                self._rollback(state, blue),
                "abort is the rollback here: the traffic goes back to blue and green is left "
                "as it is",
            )
        if self.switched(state):
            return self._nothing(
                action, f"the Service {self.service.name} already selects green; nothing further"
            )
        available = as_int(section(state.green, "status").get("availableReplicas"))
        if available == 0:
            raise ActionRefused(
                f"green (deployment {self.green_namespace}/{self.target.name}) has no available "
                "pods, so traffic moved to it would fail; wait for its rollout, then promote"
            )
        upcoming = 100 if action == "promote-full" else self._next_step(state)
        calls, preview = [], []
        if upcoming is not None:
            calls.append(self._weight_call(state, upcoming))
            preview.append(self._weight_words(state, upcoming))
        if upcoming is None or action == "promote-full":
            calls.append(self._selector_call(state, green))
            preview.append(self._selector_words(state, green))
        expect_weight = upcoming if upcoming is not None else round(weight_share(state.canary))
        expect_selector = green if upcoming is None or action == "promote-full" else None
        return self._plan(action, "promoting", state, calls, preview, expect_weight,
                          expect_selector)  # fmt: skip

    def _rollback(self, state: BlueGreenState, blue: str) -> Plan:
        calls, preview = [], []
        if state.selects(self.label) != blue:
            calls.append(self._selector_call(state, blue))
            preview.append(self._selector_words(state, blue))
        if weight(state.canary) != 0:
            calls.append(self._weight_call(state, 0))
            preview.append(self._weight_words(state, 0))
        if not calls:
            return self._nothing(
                "rollback",
                f"the canary weight is 0 and the Service {self.service.name} selects blue: "
                "nothing to roll back",
            )
        sticky = after_weight_zero(state.main, state.canary)
        preview.append(
            f"green (deployment {self.green_namespace}/{self.target.name}) keeps running for "
            "inspection"
        )
        preview.append(sticky.sentence)
        plan = self._plan("rollback", "rolling back", state, calls, preview, 0, blue)
        if sticky.sticky:
            return replace(plan, warnings=(sticky.sentence, *plan.warnings))
        return plan

    def rollback_ready(self, state: BlueGreenState, expected: str = "") -> RollbackReady:
        """Before the shift blue takes every request; during it, the rollback that switches the
        selector back and the weight to 0."""
        blue_image = images(state.blue)
        says = f"rollback returns every request to blue ({blue_image})"
        try:
            blue, _ = self.colours(state)
        except ActionRefused as refused:
            return RollbackReady("rollback", False, "", blue_image, (), problem=str(refused))
        permissions = (
            self._selector_call(state, blue).permission,
            self._weight_call(state, 0).permission,
        )
        if weight(state.canary) == 0 and state.selects(self.label) == blue:
            return RollbackReady("rollback", True, says, blue_image, permissions)
        return during(
            lambda: self.plan("rollback", state, ActionArgs(), 0.0), says, blue_image, permissions
        )

    def _hold(self, action: str, state: BlueGreenState) -> Plan:
        share = percent(weight_share(state.canary))
        where = "the Service selects green" if self.switched(state) else f"{share} to green"
        why = (
            "a blue-green shift moves only when promoted: the canary weight holds where it is "
            f"({where}) until the next promote, so there is nothing to pause"
            if action == "pause"
            else f"a blue-green shift is never paused: it holds at {where}; promote takes the "
            "next step"
        )
        return self._nothing(action, why)

    def _nothing(self, action: str, why: str) -> Plan:
        return Plan(action, "promoting", self.target, (), (), nothing_to_do=why)

    def _weight_call(self, state: BlueGreenState, share: int) -> Call:
        value = round(share * weight_total(state.canary) / 100)
        return Call(
            "patch", ingresses(self.green_namespace), self.canary_ingress,
            f"set the canary weight of ingress {self.canary_ingress} "
            f"{weight(state.canary)} → {value}",
            {"metadata": {"annotations": {WEIGHT: str(value)}}}, PatchType.MERGE,
        )  # fmt: skip

    def _weight_words(self, state: BlueGreenState, share: int) -> str:
        before = percent(weight_share(state.canary))
        step = (
            f" (step {self.steps.index(share) + 1} of {len(self.steps)})"
            if share in self.steps
            else ""
        )
        value = round(share * weight_total(state.canary) / 100)
        return (
            f"set the canary weight of Ingress {self.green_namespace}/{self.canary_ingress} "
            f"{weight(state.canary)} → {value}: green's share of requests {before} → "
            f"{percent(share)}{step}"
        )

    def _selector_call(self, state: BlueGreenState, value: str) -> Call:
        return Call(
            "patch", services(self.service.namespace or ""), self.service.name,
            f"switch the selector of service {self.service.name} to {self.label}={value}",
            {"spec": {"selector": {self.label: value}}},
        )  # fmt: skip

    def _selector_words(self, state: BlueGreenState, value: str) -> str:
        colour = "green" if value == pod_label(state.green, self.label) else "blue"
        return (
            f"switch the selector of Service {self.service.namespace}/{self.service.name} "
            f"{self.label}={state.selects(self.label) or '(none)'} → {self.label}={value}: it "
            f"selects {colour}'s pods"
        )

    def _plan(
        self,
        action: str,
        doing: str,
        state: BlueGreenState,
        calls: Sequence[Call],
        preview: Sequence[str],
        expect_weight: int,
        expect_selector: str | None,
    ) -> Plan:
        warnings = [argo_tracking(obj) for obj in (state.canary, state.service)]
        return Plan(
            action=action,
            doing=doing,
            target=self.target,
            preview=tuple(preview),
            calls=tuple(calls),
            warnings=tuple(w for w in warnings if w),
            destructive=action == "rollback",
            expect=self._check(expect_weight, expect_selector),
            expect_says="the weight and the selector read back as sent",
            timeout=60.0,
            after=self._after,
        )

    def _check(self, share: int, selector: str | None) -> Check:
        async def check(connection: Connection) -> Progress:
            canary = await get(connection, ingresses(self.green_namespace), self.canary_ingress)
            now = round(weight_share(canary))
            words = f"canary weight {weight(canary)} ({now} %)"
            if now != share:
                return Progress(False, f"{words}, not {share} %")
            if selector is not None:
                service = await get(
                    connection, services(self.service.namespace or ""), self.service.name
                )
                selects = str(section(section(service, "spec"), "selector").get(self.label, ""))
                words += f", the Service selects {self.label}={selects}"
                if selects != selector:
                    return Progress(False, f"{words}, not {selector}")
            return Progress(True, words)

        return check

    def _after(self, answers: Sequence[Obj]) -> list[str]:
        said = []
        for answer in answers:
            name = section(answer, "metadata").get("name", "")
            if answer.get("kind") == "Ingress":
                said.append(
                    f"the dry run says: ingress {name} will carry canary-weight {weight(answer)}"
                )
            elif answer.get("kind") == "Service":
                selector = section(section(answer, "spec"), "selector")
                said.append(
                    f"the dry run says: service {name} will select "
                    + ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
                )
        return said
