"""A Secret's data on write: `stringData` folded into base64 `data`, the type defaulted.

As the real server does (pkg/apis/core/v1/conversion.go, Convert_v1_Secret_To_core_Secret:
stringData overwrites data key by key and is not stored; defaults.go: type Opaque), and as
its JSON decoder refuses a `data` value that is not base64 ([]byte fields).
"""

from __future__ import annotations

import base64
import binascii

from warroom.sim.errors import ApiError
from warroom.sim.store import Obj

OPAQUE = "Opaque"


def default_secret(secret: Obj) -> None:
    data = secret.get("data") or {}
    for key, value in data.items():
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                400,
                f'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                f"in data[{key!r}]",
            ) from None
    string_data = secret.pop("stringData", None) or {}
    if string_data:
        data = dict(data)
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    if data:
        secret["data"] = data
    secret.setdefault("type", OPAQUE)
