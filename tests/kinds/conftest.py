"""The simulated cluster and a real kubectl, for checking client code against kubectl."""

from tests.sim.conftest import kubectl, kubectl_binary, sim  # noqa: F401
