"""Which version a pod or pod template runs: its version label, else its image's tag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warroom.kinds.objects import Obj, section


def image_tag(image: str) -> str:
    tail = image.rsplit("/", 1)[-1]
    if "@" in tail:
        return tail.split("@", 1)[1][:19]
    return tail.split(":", 1)[1] if ":" in tail else "latest"


def containers(obj: Obj) -> Sequence[Mapping[str, Any]]:
    """The containers of a pod, or of the pod template of a Deployment or ReplicaSet."""
    spec = section(obj, "spec")
    template = spec.get("template")
    if isinstance(template, Mapping):
        spec = section(template, "spec")
    return list(spec.get("containers") or ())


def version_of(obj: Obj) -> str:
    """The version a pod or template runs: its `version` label, else its first image's tag."""
    labels = section(section(obj, "metadata"), "labels")
    template = section(obj, "spec").get("template")
    if isinstance(template, Mapping):
        labels = section(section(template, "metadata"), "labels") or labels
    for key in ("version", "app.kubernetes.io/version"):
        if labels.get(key):
            return str(labels[key])
    found = containers(obj)
    return image_tag(str(found[0].get("image", ""))) if found else "?"
