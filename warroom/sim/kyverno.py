"""Kyverno's image verification as admission: ClusterPolicy (kyverno.io/v1) verifyImages rules.

Followed: kyverno/kyverno pkg/engine/internal/imageverifier.go (the rule's message, "failed
to verify image IMAGE: .attestors[0].entries[0].keys: ERR"), pkg/utils/image/infos.go (an
image named as docker.io/name:tag), pkg/webhooks/utils/block.go (GetBlockedMessages: the
policy → rule → message YAML under "resource Kind/ns/name was blocked due to the following
policies"), pkg/autogen (a Pod rule also guards the pod templates of Deployments, DaemonSets,
StatefulSets, Jobs and ReplicaSets as autogen-NAME, CronJobs as autogen-cronjob-NAME), and
the API server's webhook error: 'admission webhook "mutate.kyverno.svc-fail" denied the
request: ...' with code 400 and no reason, which kubectl prints as "Error from server: ...".
The sim has no registry to ask: an image is signed when the scenario's signedImages name it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Any

from warroom.sim.catalogue import ResourceType
from warroom.sim.controllers.runtime import image_id
from warroom.sim.errors import ApiError
from warroom.sim.store import Obj, Store, clone

POLICIES = ("kyverno.io", "clusterpolicies")
WEBHOOK = "mutate.kyverno.svc-fail"
# cosign's ErrNoSignaturesFound, what an image never signed gets.
NO_SIGNATURES = "no signatures found"
AUTOGEN = {
    "Deployment": "autogen-",
    "DaemonSet": "autogen-",
    "StatefulSet": "autogen-",
    "Job": "autogen-",
    "ReplicaSet": "autogen-",
    "ReplicationController": "autogen-",
    "CronJob": "autogen-cronjob-",
}


def image_name(image: str) -> str:
    """infos.go's ImageInfo.String(): registry/path:tag (docker.io and :latest filled in)."""
    name, _, digest = image.partition("@")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    tag = ""
    if ":" in path.rsplit("/", 1)[-1]:
        path, _, tag = path.rpartition(":")
    if digest:
        return f"{registry}/{path}@{digest}"
    return f"{registry}/{path}:{tag or 'latest'}"


def _pod_spec(obj: Obj, kind: str) -> dict[str, Any] | None:
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    if kind in AUTOGEN:
        return (spec.get("template") or {}).get("spec") or {}
    return None


def images_of(obj: Obj, kind: str) -> list[str]:
    spec = _pod_spec(obj, kind) or {}
    out: list[str] = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or ():
            if container.get("image"):
                out.append(str(container["image"]))
    return out


def _quoted(text: str) -> str:
    """yaml.v3's scalar as GetBlockedMessages encodes it: single-quoted when plain won't do."""
    if ": " in text or text[:1] in "!&*-?[]{}|>'\"%@`#,":
        return "'" + text.replace("'", "''") + "'"
    return text


def _matches(rule: dict[str, Any], kind: str, namespace: str) -> bool:
    match = rule.get("match") or {}
    blocks = list(match.get("any") or ()) + list(match.get("all") or ())
    if match.get("resources"):
        blocks.append({"resources": match["resources"]})
    for block in blocks:
        resources = block.get("resources") or {}
        kinds = resources.get("kinds") or ()
        namespaces = resources.get("namespaces") or ()
        if "Pod" not in kinds and kind not in kinds:
            continue
        if namespaces and not any(fnmatch.fnmatchcase(namespace, n) for n in namespaces):
            continue
        return True
    return False


class ImageVerification:
    """Refuses writes of workloads whose images a verifyImages rule says are not signed."""

    def __init__(self, store: Store, signed: Iterable[str]) -> None:
        self.store = store
        # A signed tag's digest (the kubelet's imageID) is signed too: the seed's rollback
        # sets the image by digest.
        self.signed = {image_name(i) for i in signed} | {image_name(image_id(i)) for i in signed}

    def __call__(self, rt: ResourceType, new: Obj, old: Obj | None) -> None:
        if rt.kind != "Pod" and rt.kind not in AUTOGEN:
            return
        namespace = new["metadata"].get("namespace", "")
        before = set(images_of(old, rt.kind)) if old is not None else set()
        images = [i for i in images_of(new, rt.kind) if i not in before]
        if not images:
            return
        failures: list[tuple[str, str, str]] = []
        for policy in self.store.list(POLICIES):
            failure = self._verify(policy, rt.kind, namespace, images)
            if failure is not None:
                failures.append(failure)
        if not failures:
            return
        lines = [
            "",
            "",
            f"resource {rt.kind}/{namespace}/{new['metadata'].get('name', '')} was blocked due "
            "to the following policies ",
            "",
        ]
        for policy_name, rule, message in sorted(failures):
            lines += [f"{policy_name}:", f"  {rule}: {_quoted(message)}"]
        err = ApiError(
            400, f'admission webhook "{WEBHOOK}" denied the request: ' + "\n".join(lines) + "\n"
        )
        err.reason = ""  # ToStatusErr keeps the webhook's empty reason: "Error from server:"
        raise err

    def _verify(
        self, policy: Obj, kind: str, namespace: str, images: list[str]
    ) -> tuple[str, str, str] | None:
        spec = policy.get("spec") or {}
        action = str(spec.get("validationFailureAction") or spec.get("failureAction") or "Audit")
        if action.lower() != "enforce":
            return None
        for rule in spec.get("rules") or ():
            if not rule.get("verifyImages") or not _matches(rule, kind, namespace):
                continue
            name = str(rule.get("name", ""))
            if kind != "Pod":
                name = AUTOGEN[kind] + name
            for verify in rule["verifyImages"]:
                refs = verify.get("imageReferences") or []
                for image in images:
                    full = image_name(image)
                    if not any(
                        fnmatch.fnmatchcase(full, r) or fnmatch.fnmatchcase(image, r) for r in refs
                    ):
                        continue
                    if full in self.signed:
                        continue
                    return (
                        str(policy["metadata"]["name"]),
                        name,
                        f"failed to verify image {full}: .attestors[0].entries[0].keys: "
                        f"{NO_SIGNATURES}",
                    )
        return None


class PolicyReadiness:
    """Kyverno's policy controller: a ClusterPolicy it has loaded reads Ready (a registry
    write hook), with the rule counts `kubectl get cpol -o wide` shows."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, rt: ResourceType, old: Obj | None, new: Obj | None) -> None:
        if rt.storage_key != POLICIES or new is None:
            return
        status = new.get("status") or {}
        if any(c.get("type") == "Ready" for c in status.get("conditions") or ()):
            return
        rules = (new.get("spec") or {}).get("rules") or ()
        ready = clone(new)
        ready["status"] = {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Succeeded",
                    "message": "Ready",
                    "lastTransitionTime": self.store.clock.timestamp(),
                }
            ],
            "rulecount": {
                kind.lower(): sum(1 for r in rules if r.get(kind))
                for kind in ("generate", "mutate", "validate", "verifyImages")
            },
        }
        self.store.update(POLICIES, ready)
