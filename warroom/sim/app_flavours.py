"""The words each kind of program prints: an inference server (uvicorn), ingress-nginx or plain
nginx, CoreDNS, Prometheus, or any other program. Picked by the image's name."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from warroom.sim.container_logs import ContainerRun, Line, Probe

MODEL_WORDS = ("inference", "vllm", "triton", "tgi", "text-generation", "serving", "llm")
STEP = 0.001  # between consecutive lines written at once


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _iso_ms(ts: float) -> str:
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _name_version(image: str) -> tuple[str, str]:
    tail = image.rsplit("/", 1)[-1].split("@")[0]
    name, _, tag = tail.partition(":")
    return name, tag or "latest"


def _burst(at: float, texts: list[str]) -> list[Line]:
    """Lines written together from `at`, one STEP apart."""
    return [(at + i * STEP, text) for i, text in enumerate(texts)]


class Flavour:
    """A program that prints a banner, nothing while it runs, and a word when stopped."""

    def startup(self, run: ContainerRun) -> list[str]:
        name, version = _name_version(run.image)
        texts = [f"{_iso_ms(run.started)} INFO starting {name} version={version}"]
        if run.port:
            texts.append(f"{_iso_ms(run.started)} INFO listening addr=:{run.port}")
        return texts

    def crash(self, run: ContainerRun, at: float) -> list[str]:
        name, _ = _name_version(run.image)
        return [f"Error: failed to start {name}: open /etc/{name}/config.yaml: permission denied"]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        return [f"{_iso_ms(at)} INFO received signal, shutting down signal=terminated"]

    def serving_since(self, run: ContainerRun) -> float | None:
        """From when the kubelet's probe requests show in the log (None: they never do)."""
        return None

    def access(self, run: ContainerRun, probe: Probe, index: int, k: int) -> str:
        return ""

    def loaded(self, run: ContainerRun) -> list[Line]:
        return []

    def fixed(self, run: ContainerRun) -> list[Line]:
        """Every line not written by a probe, in the order the program wrote them."""
        out = _burst(run.started + 0.01, self.startup(run))
        out += self.loaded(run)
        if run.crashed and run.finished is not None:
            texts = self.crash(run, run.finished)
            out += _burst(run.finished - len(texts) * STEP, texts)
        elif run.stopping is not None:
            out += _burst(run.stopping + STEP, self.shutdown(run, run.stopping))
        return out


class ModelServer(Flavour):
    """A Python inference server under uvicorn: the model loads, then it serves on its port."""

    def startup(self, run: ContainerRun) -> list[str]:
        name, version = _name_version(run.image)
        texts = [
            f"INFO:     Starting {name} {version}",
            "INFO:     Loading model weights from /models",
        ]
        if run.gpus:
            devices = ",".join(str(i) for i in range(run.gpus))
            texts.append(
                f"INFO:     CUDA available: {run.gpus} GPU(s), CUDA_VISIBLE_DEVICES={devices}"
            )
        return texts

    def serving_since(self, run: ContainerRun) -> float | None:
        if run.ready is None:
            return None
        return max(run.started + 0.1, run.ready - 0.25)

    def loaded(self, run: ContainerRun) -> list[Line]:
        up = self.serving_since(run)
        if up is None:
            return []
        took = up - 0.05 - (run.started + 0.01)
        port = run.port or 8000
        return _burst(
            up - 0.05,
            [
                f"INFO:     Model loaded successfully in {took:.1f}s",
                "INFO:     Started server process [1]",
                "INFO:     Waiting for application startup.",
                "INFO:     Application startup complete.",
                f"INFO:     Uvicorn running on http://0.0.0.0:{port} (Press CTRL+C to quit)",
            ],
        )

    def access(self, run: ContainerRun, probe: Probe, index: int, k: int) -> str:
        seed = hashlib.sha256(f"{run.container_id}/{index}/{k}".encode()).digest()
        client_port = 32768 + int.from_bytes(seed[:2], "big") % 28000
        host = run.host_ip or "10.0.0.1"
        return f'INFO:     {host}:{client_port} - "GET {probe.path} HTTP/1.1" 200 OK'

    def crash(self, run: ContainerRun, at: float) -> list[str]:
        return [
            "Traceback (most recent call last):",
            '  File "/app/server.py", line 88, in <module>',
            "    main()",
            '  File "/app/server.py", line 71, in main',
            "    engine = load_model(settings.model_path, device=settings.device)",
            '  File "/app/engine.py", line 142, in load_model',
            "    weights = torch.load(path, map_location=device)",
            "RuntimeError: CUDA error: an illegal memory access was encountered",
        ]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        return [
            "INFO:     Shutting down",
            "INFO:     Waiting for application shutdown.",
            "INFO:     Application shutdown complete.",
            "INFO:     Finished server process [1]",
        ]


class WebBackend(ModelServer):
    """A Python API backend under uvicorn: it connects its services at startup, then serves.
    "All services initialized" is the line seed 004's go-live greps for in a new pod's log."""

    def startup(self, run: ContainerRun) -> list[str]:
        return [
            "INFO:     Started server process [1]",
            "INFO:     Waiting for application startup.",
        ]

    def loaded(self, run: ContainerRun) -> list[Line]:
        up = self.serving_since(run)
        if up is None:
            return []
        name, version = _name_version(run.image)
        port = run.port or 8000
        return _burst(
            up - 0.05,
            [
                f"INFO:     {name} {version}: All services initialized",
                "INFO:     Application startup complete.",
                f"INFO:     Uvicorn running on http://0.0.0.0:{port} (Press CTRL+C to quit)",
            ],
        )

    def crash(self, run: ContainerRun, at: float) -> list[str]:
        return [
            "ERROR:    Traceback (most recent call last):",
            '  File "/app/main.py", line 41, in lifespan',
            "    await services.initialize()",
            "ConnectionRefusedError: [Errno 111] Connect call failed ('10.96.0.20', 6379)",
            "ERROR:    Application startup failed. Exiting.",
        ]


def _nginx_date(ts: float) -> str:
    return _utc(ts).strftime("%Y/%m/%d %H:%M:%S")


class Nginx(Flavour):
    def startup(self, run: ContainerRun) -> list[str]:
        stamp = _nginx_date(run.started)
        return [
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            f'{stamp} [notice] 1#1: using the "epoll" event method',
            f"{stamp} [notice] 1#1: nginx/1.27.2",
            f"{stamp} [notice] 1#1: start worker processes",
        ]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        stamp = _nginx_date(at)
        return [
            f"{stamp} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down",
            f"{stamp} [notice] 1#1: exit",
        ]


def _klog(ts: float) -> str:
    return _utc(ts).strftime("I%m%d %H:%M:%S.%f")


class IngressNginx(Flavour):
    def startup(self, run: ContainerRun) -> list[str]:
        _, version = _name_version(run.image)
        rule = "-" * 79
        stamp = _klog(run.started)
        return [
            rule,
            "NGINX Ingress controller",
            f"  Release:       {version}",
            "  Repository:    https://github.com/kubernetes/ingress-nginx",
            "  nginx version: nginx/1.25.5",
            "",
            rule,
            "",
            f'{stamp}       7 main.go:205] "Creating API client" host="https://10.96.0.1:443"',
            f'{stamp}       7 nginx.go:271] "Starting NGINX Ingress controller"',
        ]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        return [f'{_klog(at)}       7 nginx.go:394] "Shutting down controller queues"']


class CoreDns(Flavour):
    def startup(self, run: ContainerRun) -> list[str]:
        _, version = _name_version(run.image)
        sha = hashlib.sha512(run.image.encode()).hexdigest()
        return [
            ".:53",
            f"[INFO] plugin/reload: Running configuration SHA512 = {sha}",
            f"CoreDNS-{version.lstrip('v')}",
            "linux/amd64, go1.21.11, a6338e9",
        ]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        return ["[INFO] SIGTERM: Shutting down servers then terminating"]


class Prometheus(Flavour):
    def startup(self, run: ContainerRun) -> list[str]:
        _, version = _name_version(run.image)
        stamp = _iso_ms(run.started)
        return [
            f'ts={stamp} caller=main.go:601 level=info msg="Starting Prometheus Server" '
            f'mode=server version="(version={version.lstrip("v")}, branch=HEAD)"',
            f'ts={stamp} caller=web.go:571 level=info component=web msg="Start listening for '
            'connections" address=0.0.0.0:9090',
            f'ts={stamp} caller=main.go:1148 level=info msg="Server is ready to receive web '
            'requests."',
        ]

    def shutdown(self, run: ContainerRun, at: float) -> list[str]:
        return [
            f'ts={_iso_ms(at)} caller=main.go:891 level=warn msg="Received SIGTERM, exiting '
            'gracefully..."'
        ]


_GENERIC = Flavour()
_MODEL = ModelServer()
_BACKEND = WebBackend()
_INGRESS = IngressNginx()
_NGINX = Nginx()
_COREDNS = CoreDns()
_PROMETHEUS = Prometheus()


def flavour_of(image: str) -> Flavour:
    text = image.lower()
    if any(word in text for word in MODEL_WORDS):
        return _MODEL
    name = _name_version(text)[0]
    if name in ("api", "backend") or name.endswith(("-api", "-backend")):
        return _BACKEND
    if "ingress-nginx" in text:
        return _INGRESS
    if "nginx" in text:
        return _NGINX
    if "coredns" in text:
        return _COREDNS
    if "prometheus" in _name_version(text)[0]:
        return _PROMETHEUS
    return _GENERIC
