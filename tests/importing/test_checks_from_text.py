"""What `warroom import` makes of commands, soaks and sign-offs, on the seeds' own lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from warroom.importing.commands import check_of, logical_lines
from warroom.importing.layout import build_layout, render
from warroom.importing.reading import read_file, read_text
from warroom.layout import parse_layout

SEEDS = Path(__file__).parent / "seeds"


def _made(code: str) -> tuple[str, dict[str, Any]] | None:
    found = check_of([code])
    return None if found is None else (found.kind, found.check)


def test_continuations_are_joined_and_expectations_attach_to_the_command_before() -> None:
    code = (
        "# Check model files in PV\n"
        "kubectl get pods -n bizra-prod -l app=bizra-inference\n"
        "# Expected: 3/3 pods Running\n"
        "docker build -t img \\\n  -f Dockerfile \\\n  .\n"
    )
    assert logical_lines(code) == [
        ("kubectl get pods -n bizra-prod -l app=bizra-inference", "3/3 pods Running"),
        ("docker build -t img -f Dockerfile .", ""),
    ]


@pytest.mark.parametrize(
    ("code", "made"),
    [
        # seed 000, Verify Deployment: the rollout is the most telling of the two.
        (
            "kubectl get pods -n bizra-prod -l app=bizra-inference\n# Expected: 3/3 pods Running\n"
            "kubectl rollout status deployment/bizra-inference -n bizra-prod\n"
            '# Expected: "successfully rolled out"',
            ("rollout", {"target": "bizra-inference", "namespace": "bizra-prod"}),
        ),
        (
            "kubectl get pods -n bizra-prod -l app=bizra-inference\n# Expected: 3/3 pods Running",
            ("pods", {"selector": "app=bizra-inference", "namespace": "bizra-prod", "min": 3}),
        ),
        # seed 003's rollback: `--timeout` takes a value, `deployment/node0` is the object.
        (
            "kubectl rollout status deployment/node0 -n bizra-production --timeout=5m",
            ("rollout", {"target": "node0", "namespace": "bizra-production"}),
        ),
        ("kubectl rollout status deploy web", ("rollout", {"target": "web"})),
        # seed 004's health checks: literal URLs, -f and -X GET as curl reads them.
        ("curl -f https://api.example.com/health", ("http", {"url": "https://api.example.com/health"})),
        (
            "curl -X GET 'http://api.example.com/ready'",
            ("http", {"url": "http://api.example.com/ready"}),
        ),
        (
            'curl https://api.sap-llm.prod/health\n# Expected: {"status":"healthy"}',
            ("http", {"url": "https://api.sap-llm.prod/health", "json": {"status": "healthy"}}),
        ),
        # A command that only reads, with a quoted expectation: its pattern, X.X a number.
        (
            'kubectl logs deployment/bizra-inference -n bizra-prod\n'
            '# Expected: "Model loaded successfully in X.Xs"',
            (
                "command",
                {
                    "run": "kubectl logs deployment/bizra-inference -n bizra-prod",
                    "imported": True,
                    "stdout": r"Model\ loaded\ successfully\ in\ [0-9]+(\.[0-9]+)?s",
                },
            ),
        ),
        (
            "cosign verify --key cosign.pub ghcr.io/bizra/node0:v2.1.0",
            (
                "command",
                {
                    "run": "cosign verify --key cosign.pub ghcr.io/bizra/node0:v2.1.0",
                    "imported": True,
                },
            ),
        ),
    ],
)
def test_commands_that_say_what_a_check_proves_become_that_check(
    code: str, made: tuple[str, dict[str, Any]]
) -> None:
    assert _made(code) == made


@pytest.mark.parametrize(
    "code",
    [
        "curl http://$LB_IP/health",  # a variable: no URL to ask
        "kubectl exec -it <pod-name> -- ls -lh /app/model/",  # a placeholder
        "curl http://$LB_IP:9464/metrics | grep bizra_inference",  # a pipe needs a shell
        "kubectl apply -f k8s/inference/deployment.yaml",  # changes the cluster
        "kubectl patch service sap-llm-api -n sap-llm-prod -p '{\"spec\":{}}'",
        "kubectl logs -f deployment/bizra-inference",  # would not end
        "kubectl get pods -n bizra-prod -w\n# Expected: New pod starts within 30s",
        # An expectation in prose: an exit code cannot say it, a person can.
        "kubectl get pods -n bizra-prod -o wide\n# Expected: Pods move to other nodes, no downtime",
        "trivy image ghcr.io/bizra/inference:2.0.0-production\n"
        "# Expected: No CRITICAL vulnerabilities",
        "curl -X POST http://api.example.com/v1/completions -d '{}'",
    ],
)
def test_commands_that_change_things_or_need_a_shell_stay_help(code: str) -> None:
    assert _made(code) is None


def _layout(markdown: str) -> dict[str, Any]:
    layout, _ = build_layout(read_text(markdown, "t.md"))
    parse_layout(render(layout, "t.md"), "t.md")  # and it validates
    return layout


def _items(layout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["title"]: i for phase in layout["phases"] for i in phase["items"]}


def test_a_rollout_status_names_its_deployment_as_a_target_and_watches_its_namespace() -> None:
    layout = _layout(
        "# Go\n## Deploy\n- [ ] Verify\n  ```bash\n"
        "  kubectl rollout status deployment/bizra-inference -n bizra-prod\n  ```\n"
    )
    assert layout["targets"] == [
        {"kind": "Deployment", "name": "bizra-inference", "namespace": "bizra-prod"}
    ]
    assert layout["cluster"]["namespaces"] == ["bizra-prod"]


def test_monitor_durations_soak_the_signals_criteria_named() -> None:
    layout = _layout(
        "# Go\n## Success\n- [ ] P95 latency < 1.5s\n## Shift\n"
        "- [ ] 5% traffic to green (monitor 30min)\n- [ ] 20% traffic to green (monitor 1hr)\n"
    )
    items = _items(layout)
    assert layout["signals"]["p95_latency"]["slo"] == {"max": 1.5}
    assert items["5% traffic to green (monitor 30min)"]["soak"] == {"for": "30m"}
    assert items["20% traffic to green (monitor 1hr)"]["soak"] == {"for": "1h"}


def test_without_a_signal_to_soak_a_monitor_item_is_ticked_by_a_person() -> None:
    items = _items(_layout("# Go\n## Shift\n- [ ] 5% traffic to green (monitor 30min)\n"))
    assert "soak" not in items["5% traffic to green (monitor 30min)"]


def test_seed_003s_slos_in_shell_comments_become_signals_its_soaks_read() -> None:
    layout, summary = build_layout(read_file(SEEDS / "003_7c585baa8920188b.txt"))
    slos = {sid: s["slo"] for sid, s in layout["signals"].items()}
    assert slos == {
        "cb_p99_latency": {"max": 0.0015},
        "cb_error_rate": {"max": 0.01},
        "cache_l1_hit": {"min": 0.9},
        "planner_json_valid": {"min": 0.98},
    }
    items = _items(layout)
    assert items["All 4 SLO metrics green for 60 minutes"]["soak"] == {"for": "1h"}
    assert items["All SLO metrics green for 180 minutes"]["soak"] == {"for": "3h"}
    # Its team headings each end in that team's sign-off.
    signed = [i for i in items.values() if "signoff" in i]
    assert [i["signoff"]["role"] for i in signed] == [
        "infrastructure_team",
        "security_team",
        "sre_team",
        "engineering_team",
    ]
    assert signed[1]["signoff"]["statement"].startswith(
        "Security Team: Cosign public key distributed to all clusters; Kyverno admission"
    )
    assert summary.signoffs == 4


def test_seed_000s_team_sign_off_is_one_sign_off_per_role_and_its_statement_is_signed() -> None:
    layout, _ = build_layout(read_file(SEEDS / "000_f6bed7c81dbe897a.txt"))
    assert layout["roles"] == {
        "engineering_lead": "Engineering lead",
        "devops_lead": "DevOps lead",
        "security_team": "Security team",
        "momo_first_architect": "MoMo (First Architect)",
        "signatory": "Signatory",
    }
    items = _items(layout)
    assert items["Team Sign-Off: DevOps lead"]["signoff"] == {
        "role": "devops_lead",
        "statement": "Team Sign-Off: DevOps lead",
    }
    # The statement block under "احسان Final Validation", signed on its `Signature:` line.
    statement = items["احسان Final Validation"]["signoff"]
    assert statement["role"] == "signatory"
    assert statement["statement"].startswith("Sign-Off Statement: I, [Name], certify that:")
    assert "______" not in statement["statement"]


def test_seed_001s_team_approvals_are_each_teams_sign_off_over_its_steps() -> None:
    layout, _ = build_layout(read_file(SEEDS / "001_9e6b0b9a041400da.txt"))
    items = _items(layout)
    assert items["Management"]["signoff"] == {
        "role": "management",
        "statement": "Management: Budget approved; Timeline approved; Go-live approved",
    }
    # The steps under it stay items of their own.
    assert "signoff" not in items["Budget approved"]


def test_seed_001s_notes_block_becomes_its_five_session_fields() -> None:
    path = SEEDS / "001_9e6b0b9a041400da.txt"
    layout, summary = build_layout(read_file(path))
    environments = ["Development", "Staging", "Production"]
    assert layout["session_fields"] == {
        "deployment_date": {"title": "Deployment Date", "kind": "date"},
        "deployed_by": {"title": "Deployed By"},
        "version": {"title": "Version", "kind": "version"},
        "environment": {"title": "Environment", "choices": environments},
        "additional_notes": {"title": "Additional Notes", "required": False},
    }
    assert summary.fields == 5
    # Not also a note item, and no phase is left empty: the Notes heading held only these.
    assert "Notes" not in [p["title"] for p in layout["phases"]]
    assert all(item["title"] != "Notes" for p in layout["phases"] for item in p["items"])
    # Nothing of the block is dropped: each word of its lines is in a field's title or choices.
    source = path.read_text(encoding="utf-8").split("## Notes", 1)[1]
    kept = " ".join(
        " ".join([f["title"], *f.get("choices", [])]) for f in layout["session_fields"].values()
    )
    assert set(re.findall(r"[^\W_]+", source)) <= set(re.findall(r"[^\W_]+", kept))
    loaded = parse_layout(render(layout, path.name))
    assert loaded.session_fields["environment"].choices == tuple(environments)
    assert [f.required for f in loaded.session_fields.values()] == [True, True, True, True, False]


@pytest.mark.parametrize(
    "notes",
    [
        "**Deployed By**: alice\n\n**Version**: 2.1.0\n",  # filled in already: a note
        "**Sign-Off Statement**:\n\n```\nI certify\n```\n",  # no blank to fill in
        "**Version**: ______ (the release tag)\n",  # more than a blank
    ],
)
def test_a_notes_block_that_is_not_blanks_to_fill_in_stays_a_note(notes: str) -> None:
    layout, summary = build_layout(read_text(f"# Go\n\n## Do\n\n- [ ] Ship\n\n## Notes\n\n{notes}"))
    assert "session_fields" not in layout and summary.fields == 0
    assert layout["phases"][-1]["items"][0]["title"] == "Notes"
