"""RFC 7386 JSON merge patch (``application/merge-patch+json``).

Ours rather than a library's: jsonpatch, which applies our RFC 6902 patches, has no merge
patch, and RFC 7386 section 2 gives the whole algorithm in ten lines.
"""

from __future__ import annotations

import copy
from typing import Any

from warroom.sim.patch.errors import too_deep


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: null deletes a key, objects merge recursively, any other value replaces.
    Neither input is changed, and the result shares nothing with them."""
    try:
        return _merge_patch(copy.deepcopy(target), patch)
    except RecursionError:
        raise too_deep() from None


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result
