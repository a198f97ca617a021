"""kube-apiserver's three PATCH bodies, one module each: json_patch (RFC 6902), merge_patch
(RFC 7386) and strategic (strategic merge patch); errors holds what they raise."""

from __future__ import annotations
