"""The CLI's --context/--namespace/--prometheus applied to a dumped layout, before revalidation."""

from __future__ import annotations

import re
from typing import Any

from warroom.layout.errors import LayoutError
from warroom.layout.fields import check_http_url, check_namespace


def _checked(flag: str, value: str, check: Any) -> str:
    # Each flag is checked on its own so a bad value is blamed on the flag, not on the file.
    try:
        return str(check(value.strip()))
    except ValueError as err:
        raise LayoutError.single(flag, str(err)) from None


def _require_text(value: str) -> str:
    if not value:
        raise ValueError("is empty; give a kubeconfig context name")
    return value


def rename_namespace_in_query(query: str, old: str, new: str) -> str:
    """Rewrite `namespace="old"` (any matcher op, either quote) to `namespace="new"`."""
    pattern = re.compile(
        r"(?P<head>\bnamespace\s*(?:=~|!~|!=|=)\s*)(?P<q>[\"'])" + re.escape(old) + r"(?P=q)"
    )
    return pattern.sub(lambda m: f"{m['head']}{m['q']}{new}{m['q']}", query)


def override_data(
    data: dict[str, Any],
    *,
    context: str | None = None,
    namespace: str | None = None,
    prometheus: str | None = None,
) -> dict[str, Any]:
    """A changed copy of a `Layout.model_dump()`; raises LayoutError for a bad flag value."""
    data = {**data, "cluster": dict(data["cluster"]), "prometheus": dict(data["prometheus"])}
    if context is not None:
        data["cluster"]["context"] = _checked("--context", context, _require_text)
    if prometheus is not None:
        data["prometheus"]["url"] = _checked("--prometheus", prometheus, check_http_url)
    if namespace is not None:
        new = _checked("--namespace", namespace, check_namespace)
        old = data["cluster"]["namespaces"][0]
        rest = [n for n in data["cluster"]["namespaces"][1:] if n != new]
        data["cluster"]["namespaces"] = [new, *rest]
        # Everything that followed the primary namespace follows the new one.
        data["targets"] = [
            {**t, "namespace": new} if t["namespace"] == old else t for t in data["targets"]
        ]
        data["custom_resources"] = [
            {**r, "namespace": new} if r["namespace"] == old else r
            for r in data["custom_resources"]
        ]
        data["signals"] = {
            sid: {**s, "query": rename_namespace_in_query(s["query"], old, new)}
            for sid, s in data["signals"].items()
        }
    return data
