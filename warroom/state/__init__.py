"""The in-memory picture of the world: the cluster store, signal history, view models."""
