"""Controllers of the simulated cluster: each reconciles one kind, as kube-controller-manager."""
