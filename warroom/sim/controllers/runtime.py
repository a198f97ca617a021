"""What the container runtime reports of containers and images: IDs, digests, sizes, and
durations as Go prints them in the kubelet's event messages."""

from __future__ import annotations

import hashlib


def container_id(pod_uid: str, name: str, restarts: int) -> str:
    digest = hashlib.sha256(f"{pod_uid}/{name}/{restarts}".encode()).hexdigest()
    return f"containerd://{digest}"


def image_id(image: str) -> str:
    """The kubelet's imageID: REPO@DIGEST, the digest a reference pinned by one names."""
    if "@" in image:
        return image
    digest = hashlib.sha256(image.encode()).hexdigest()
    return f"{image.split(':')[0]}@sha256:{digest}"


def go_duration(seconds: float) -> str:
    """time.Duration's String() to the millisecond: 800ms, 25s, 2m5.5s."""
    ms = round(seconds * 1000)
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    text = f"{rest / 1000:g}s"
    return f"{minutes}m{text}" if minutes else text


def image_size(image: str) -> int:
    """A stable, plausible compressed image size (50 MB – 2 GB)."""
    digest = hashlib.sha256(image.encode()).digest()
    return 50_000_000 + int.from_bytes(digest[:4], "big") % 1_950_000_000
