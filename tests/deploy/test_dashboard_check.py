"""deploy/checks/dashboard.py: the Grafana dashboard holds to the metric catalog and to Grafana."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

DASHBOARD = "deploy/k8s/components/monitoring/dashboards/gridfusion.json"
OVERDUE = 'max by (level) (gridfusion_cases_overdue{namespace=\\"$namespace\\"})'


def test_passes_on_the_repository(check):
    proc = check("dashboard", ROOT)
    assert proc.returncode == 0
    assert "gridfusion.json: 20 panels, 23 expressions checked" in proc.output
    assert "PASS dashboard" in proc.output


def test_fails_on_a_series_the_catalog_lacks(check, repo):
    edit(repo / DASHBOARD, "gridfusion_cases_overdue{", "gridfusion_case_overdue{")
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert "unknown series 'gridfusion_case_overdue'" in proc.output
    assert "(did you mean 'gridfusion_cases_overdue'?)" in proc.output


def test_fails_on_a_label_the_series_does_not_carry(check, repo):
    edit(repo / DASHBOARD, OVERDUE, OVERDUE.replace("level", "department"))
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert "max by (department): 'department' is no label of the series beneath" in proc.output


def test_fails_on_a_matcher_on_a_label_the_series_does_not_carry(check, repo):
    edit(repo / DASHBOARD, 'gridfusion_cases_overdue{namespace=\\"$namespace\\"}',
         'gridfusion_cases_overdue{namespace=\\"$namespace\\", department=\\"petition\\"}')
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert "gridfusion_cases_overdue has no label 'department'" in proc.output


def test_fails_on_an_expression_that_is_not_promql(check, repo):
    edit(repo / DASHBOARD, OVERDUE, OVERDUE.removesuffix(")"))
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert '"逾期案件 Overdue cases by level" target A: does not parse as PromQL' in proc.output


def test_fails_on_an_expression_without_the_namespace_filter(check, repo):
    edit(repo / DASHBOARD, OVERDUE, "max by (level) (gridfusion_cases_overdue)")
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert 'gridfusion_cases_overdue{}: does not filter on namespace="$namespace"' in proc.output


def test_fails_on_a_histogram_quantile_over_series_without_le(check, repo):
    edit(repo / DASHBOARD, "sum by (le, department)", "sum by (department)")
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert "histogram_quantile over series without 'le'" in proc.output


def test_fails_on_a_duplicate_panel_id(check, repo):
    path = repo / DASHBOARD
    dashboard = json.loads(path.read_text())
    first, second = [p for p in dashboard["panels"] if p["type"] != "row"][:2]
    second["id"] = first["id"]
    path.write_text(json.dumps(dashboard, ensure_ascii=False))
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert f"id {first['id']} is also panel {first['id']} " in proc.output


def test_fails_on_overlapping_panels(check, repo):
    path = repo / DASHBOARD
    dashboard = json.loads(path.read_text())
    first, second = [p for p in dashboard["panels"] if p["type"] != "row"][:2]
    second["gridPos"]["x"] = first["gridPos"]["x"] + 1
    path.write_text(json.dumps(dashboard, ensure_ascii=False))
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert f"panel {first['id']} " in proc.output and "overlap" in proc.output


def test_fails_on_a_panel_with_a_fixed_datasource(check, repo):
    path = repo / DASHBOARD
    dashboard = json.loads(path.read_text())
    panel = next(p for p in dashboard["panels"] if p["type"] != "row")
    panel["datasource"] = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}
    path.write_text(json.dumps(dashboard, ensure_ascii=False))
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert f"panel {panel['id']} " in proc.output and "datasource is not" in proc.output


def test_fails_on_a_file_that_is_not_json(check, repo):
    (repo / DASHBOARD).write_text('{"uid": "gridfusion",')
    proc = check("dashboard", repo)
    assert proc.returncode == 1
    assert "gridfusion.json: not JSON" in proc.output
