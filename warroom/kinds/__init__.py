"""What Kubernetes objects say, read from raw dicts the way kubectl and the controllers do.

Pure functions over parsed JSON, no I/O and no imports of ours: the war room's view models and
the simulated cluster's server-side tables both read objects through here. Because the sim
shares this code, a bug in it would be invisible to tests against the sim; so every module's
cases come from the real projects' own tests (Kubernetes' printers, kubectl's rollout status,
ingress-nginx's canary annotations), in `tests/kinds/`.
"""
