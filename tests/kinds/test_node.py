"""kubectl's node STATUS and ROLES: TestPrintNodeStatus and TestPrintNodeRole cases."""

from __future__ import annotations

import pytest

from warroom.kinds.node import node_roles, node_status

# fmt: off

def _node(name, conditions=(), unschedulable=False, labels=None, **status):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"unschedulable": unschedulable} if unschedulable else {},
            "status": {"conditions": list(conditions), **status}}


READY = {"type": "Ready", "status": "True"}
NOT_READY = {"type": "Ready", "status": "False"}


@pytest.mark.parametrize(("node", "want"), [
    (_node("foo1", [READY]), "Ready"),
    (_node("foo2", [READY], unschedulable=True), "Ready,SchedulingDisabled"),
    (_node("foo3", [READY, READY]), "Ready"),
    (_node("foo4", [NOT_READY]), "NotReady"),
    (_node("foo5", [NOT_READY], unschedulable=True), "NotReady,SchedulingDisabled"),
    (_node("foo6", [{"type": "InvalidValue", "status": "True"}]), "Unknown"),
    (_node("foo7", [{}]), "Unknown"),
    (_node("foo8", [{"type": "InvalidValue", "status": "True"}], unschedulable=True),
     "Unknown,SchedulingDisabled"),
    (_node("foo9", [{}], unschedulable=True), "Unknown,SchedulingDisabled"),
])
def test_node_status(node, want):
    assert node_status(node) == want


@pytest.mark.parametrize(("labels", "want"), [
    ({}, "<none>"),
    ({"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "",
      "node-role.kubernetes.io/proxy": "", "kubernetes.io/role": "node"},
     "control-plane,master,node,proxy"),
    ({"kubernetes.io/role": "node"}, "node"),
])
def test_node_roles(labels, want):
    assert (",".join(node_roles(labels)) or "<none>") == want
