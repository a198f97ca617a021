"""What a reflector lists and watches: one resource, narrowed by namespace and selectors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource collection, e.g. `Resource("apps", "v1", "deployments", namespace="prod")`."""

    group: str
    version: str
    plural: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None

    @property
    def path(self) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespace:
            base += f"/namespaces/{self.namespace}"
        return f"{base}/{self.plural}"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def selectors(self) -> list[tuple[str, str]]:
        query: list[tuple[str, str]] = []
        if self.label_selector:
            query.append(("labelSelector", self.label_selector))
        if self.field_selector:
            query.append(("fieldSelector", self.field_selector))
        return query

    def describe(self) -> str:
        """`pods in namespace prod`, `deployments.apps in all namespaces`, as messages say it."""
        name = f"{self.plural}.{self.group}" if self.group else self.plural
        where = f"in namespace {self.namespace}" if self.namespace else "in all namespaces"
        narrowed = [s for s in (self.label_selector, self.field_selector) if s]
        return f"{name} {where}" + (f" matching {', '.join(narrowed)}" if narrowed else "")
