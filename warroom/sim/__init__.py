"""The simulated cluster: a Kubernetes API server, controllers and scenarios on loopback."""
