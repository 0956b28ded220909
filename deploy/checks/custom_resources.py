"""The custom resources the manifests use, which `kubernetes-validate` cannot check (it knows only
Kubernetes' own kinds and passes the others silently): each is held to a subset of its CRD's
schema written here, and to what it points at in the rendered overlay.

- KEDA's ScaledObject (keda.sh/v1alpha1): it scales a rendered Deployment that no
  HorizontalPodAutoscaler also scales; between 1 and its maximum; each nats-jetstream trigger
  names one of fusion's durable consumers (services/platform/permissions.py FUSION_CONSUMERS)
  and reads the monitoring port of the rendered headless NATS Service in the object's own
  namespace, which a NetworkPolicy opens to namespaces labelled gridfusion.io/role: autoscaling;
- the Prometheus Operator's PodMonitor and PrometheusRule (monitoring.coreos.com/v1): a
  PodMonitor selects pods of rendered workloads and scrapes a port each of them names, from a
  namespace the NetworkPolicies let in (gridfusion.io/role: monitoring); a rule has an alert or
  a record name and an expression (deploy/checks/alerts.py checks the rules themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from _common import check_schema, pod_specs

# Kubernetes' own API groups: kubernetes-validate checks these.
BUILT_IN_GROUPS = {"", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
                   "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"}
KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "ScaledObject",
    ("monitoring.coreos.com/v1", "PodMonitor"): "PodMonitor",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "PrometheusRule",
}
AUTOSCALER_NAMESPACE = {"gridfusion.io/role": "autoscaling"}
MONITORING_NAMESPACE = {"gridfusion.io/role": "monitoring"}
# A map of string to string, as KEDA's trigger metadata and a rule's labels are: KEDA refuses a
# number where its metadata wants "10", Prometheus a number as a label value.
STRINGS = dict

# The subset of each CRD's schema the project may use (KEDA 2.12+, Prometheus Operator 0.70+).
SCHEMA: dict[str, dict[str, object]] = {
    "Metadata": {"name": str, "namespace": str, "labels": STRINGS, "annotations": STRINGS},
    "LabelSelector": {"matchLabels": STRINGS, "matchExpressions": ["Requirement"]},
    "Requirement": {"key": str, "operator": str, "values": list},
    "ScaledObject": {"apiVersion": str, "kind": str, "metadata": "Metadata", "spec": "ScaledObjectSpec"},
    "ScaledObjectSpec": {"scaleTargetRef": "ScaleTarget", "pollingInterval": int, "cooldownPeriod": int,
                         "initialCooldownPeriod": int, "idleReplicaCount": int, "minReplicaCount": int,
                         "maxReplicaCount": int, "fallback": "Fallback", "advanced": "Advanced",
                         "triggers": ["Trigger"]},
    "ScaleTarget": {"apiVersion": str, "kind": str, "name": str, "envSourceContainerName": str},
    "Fallback": {"failureThreshold": int, "replicas": int},
    "Advanced": {"restoreToOriginalReplicaCount": bool, "horizontalPodAutoscalerConfig": "HPAConfig"},
    "HPAConfig": {"name": str, "behavior": "Behavior"},
    "Behavior": {"scaleUp": "ScalingRules", "scaleDown": "ScalingRules"},
    "ScalingRules": {"stabilizationWindowSeconds": int, "selectPolicy": str, "policies": ["ScalingPolicy"]},
    "ScalingPolicy": {"type": str, "value": int, "periodSeconds": int},
    "Trigger": {"type": str, "name": str, "metadata": STRINGS, "metricType": str,
                "useCachedMetrics": bool, "authenticationRef": "AuthenticationRef"},
    "AuthenticationRef": {"name": str, "kind": str},
    "PodMonitor": {"apiVersion": str, "kind": str, "metadata": "Metadata", "spec": "PodMonitorSpec"},
    "PodMonitorSpec": {"jobLabel": str, "podTargetLabels": list, "selector": "LabelSelector",
                       "namespaceSelector": "NamespaceSelector", "podMetricsEndpoints": ["PodMetricsEndpoint"],
                       "sampleLimit": int},
    "NamespaceSelector": {"any": bool, "matchNames": list},
    "PodMetricsEndpoint": {"port": str, "path": str, "interval": str, "scrapeTimeout": str, "scheme": str,
                           "honorLabels": bool, "relabelings": list, "metricRelabelings": list},
    "PrometheusRule": {"apiVersion": str, "kind": str, "metadata": "Metadata", "spec": "PrometheusRuleSpec"},
    "PrometheusRuleSpec": {"groups": ["RuleGroup"]},
    "RuleGroup": {"name": str, "interval": str, "limit": int, "labels": STRINGS, "rules": ["Rule"]},
    "Rule": {"alert": str, "record": str, "expr": str, "for": str, "keep_firing_for": str,
             "labels": STRINGS, "annotations": STRINGS},
}
SCALED_KINDS = {"nats-jetstream", "cpu", "memory"}
JETSTREAM_KEYS = {"natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold",
                  "activationLagThreshold", "useHttps"}


def _string_maps(value: object, typ: object, where: str, errors: list[str]) -> None:
    """Every value of every string map in ``value`` (of schema type ``typ``) is a string."""
    if typ is STRINGS:
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if not isinstance(item, str):
                errors.append(f"{where}.{key}: expected a string, got {type(item).__name__} {item!r}")
    elif isinstance(typ, list) and isinstance(value, list):
        for i, item in enumerate(value):
            _string_maps(item, typ[0], f"{where}[{i}]", errors)
    elif isinstance(typ, str) and isinstance(value, dict):
        for key, item in value.items():
            if key in SCHEMA[typ]:
                _string_maps(item, SCHEMA[typ][key], f"{where}.{key}", errors)


def schema_problems(docs: Iterable[dict]) -> tuple[list[str], int]:
    """Problems of every object of a kind Kubernetes does not define, and how many there were."""
    errors: list[str] = []
    seen = 0
    for d in docs:
        api = d.get("apiVersion", "")
        group = api.split("/")[0] if "/" in api else ""
        if group in BUILT_IN_GROUPS:
            continue
        seen += 1
        where = f"{d.get('kind')}/{(d.get('metadata') or {}).get('name')}"
        kind = KINDS.get((api, d.get("kind")))
        if kind is None:
            errors.append(f"{where} ({api}): no schema for this kind in deploy/checks/custom_resources.py, "
                          "and kubernetes-validate cannot check it")
            continue
        found: list[str] = []
        check_schema(d, kind, where, found, SCHEMA)
        _string_maps(d, kind, where, found)
        errors += found
    return errors, seen


def selects(selector: dict, labels: dict) -> bool:
    """Whether a Kubernetes label selector selects these labels."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for req in selector.get("matchExpressions") or []:
        value, op = labels.get(req["key"]), req["operator"]
        if (op == "In" and value not in req.get("values", [])) or (op == "NotIn" and value in req.get("values", [])) \
                or (op == "Exists" and value is None) or (op == "DoesNotExist" and value is not None):
            return False
    return True


def _opens(policies: Iterable[dict], pod_labels: dict, namespace_labels: dict, port: int) -> bool:
    """Whether some NetworkPolicy lets pods of namespaces with these labels in to this port."""
    for pol in policies:
        spec = pol["spec"]
        if "Ingress" not in spec.get("policyTypes", ["Ingress"]) or not selects(spec.get("podSelector") or {}, pod_labels):
            continue
        for rule in spec.get("ingress") or []:
            ports = {p.get("port") for p in rule.get("ports") or []}
            if rule.get("ports") and port not in ports:
                continue
            if not rule.get("from"):  # from anywhere
                return True
            froms = [f for f in rule["from"] if "namespaceSelector" in f and "podSelector" not in f]
            if any(selects(f["namespaceSelector"], namespace_labels) for f in froms):
                return True
    return False


def _pods(docs: Iterable[dict]) -> list[tuple[str, dict, dict]]:
    """(workload, pod labels, pod spec) of every workload."""
    out = []
    for d in docs:
        if d.get("kind") in ("Deployment", "StatefulSet"):
            for name, spec in pod_specs(d):
                out.append((name, d["spec"]["template"]["metadata"].get("labels") or {}, spec))
    return out


def check_scaled_objects(docs: list[dict], namespace: str | None, fusion_consumers: Iterable[tuple],
                         errors: list[str]) -> None:
    """Each ScaledObject against what it scales and reads."""
    get = _index(docs)
    hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in get("HorizontalPodAutoscaler")}
    durables = {(stream, name) for stream, name, *_ in fusion_consumers}
    for so in get("ScaledObject"):
        name, spec = so["metadata"]["name"], so["spec"]
        target = spec["scaleTargetRef"]
        kind = target.get("kind", "Deployment")
        where = f"ScaledObject/{name}"
        if kind != "Deployment" or not any(d["metadata"]["name"] == target["name"] for d in get("Deployment")):
            errors.append(f"{where}: scales {kind}/{target['name']}, which is not rendered")
        if target["name"] in hpa_targets:
            errors.append(f"{where}: a HorizontalPodAutoscaler scales {target['name']} too; KEDA makes its own")
        low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        if not 1 <= low <= high:
            errors.append(f"{where}: replicas {low}..{high}: at least 1, and no more than the maximum")
        for i, trig in enumerate(spec.get("triggers") or []):
            there = f"{where} trigger {i} ({trig.get('type')})"
            if trig.get("type") not in SCALED_KINDS:
                errors.append(f"{there}: a trigger type this project does not use (known: {sorted(SCALED_KINDS)})")
            if trig.get("type") == "nats-jetstream":
                _check_jetstream_trigger(trig.get("metadata") or {}, there, docs, namespace, durables, errors)


def _check_jetstream_trigger(meta: dict, there: str, docs: list[dict], namespace: str | None,
                             durables: set[tuple[str, str]], errors: list[str]) -> None:
    get = _index(docs)
    unknown = set(meta) - JETSTREAM_KEYS
    if unknown:
        errors.append(f"{there}: unknown metadata {sorted(unknown)}")
    if (meta.get("stream"), meta.get("consumer")) not in durables:
        errors.append(f"{there}: {meta.get('stream')}/{meta.get('consumer')} is not a durable consumer of fusion "
                      f"(services/platform/permissions.py: {sorted(durables)})")
    for key in ("lagThreshold", "activationLagThreshold"):
        if key in meta and not str(meta[key]).isdigit():
            errors.append(f"{there}: {key} {meta[key]!r} is no whole number")
    if "lagThreshold" not in meta:
        errors.append(f"{there}: no lagThreshold")
    host, _, port = str(meta.get("natsServerMonitoringEndpoint", "")).rpartition(":")
    services = {s["metadata"]["name"]: s for s in get("Service")}
    svc_name, _, rest = host.partition(".")
    svc = services.get(svc_name)
    if svc is None or svc["spec"].get("clusterIP") != "None":
        errors.append(f"{there}: natsServerMonitoringEndpoint {host!r} names no rendered headless Service "
                      "(KEDA asks the consumer's leader as <server name>.<endpoint>, so the endpoint "
                      "must be the headless Service whose pod names are the NATS server names)")
        return
    if rest != f"{namespace}.svc.cluster.local":
        errors.append(f"{there}: natsServerMonitoringEndpoint {host!r} is not in the namespace "
                      f"{namespace} ({svc_name}.{namespace}.svc.cluster.local)")
    ports = {str(p["port"]): p for p in svc["spec"].get("ports") or []}
    if port not in ports or ports[port].get("name") != "monitor":
        errors.append(f"{there}: port {port!r} is not the monitor port of Service {svc_name}")
        return
    selector = svc["spec"].get("selector") or {}
    nats = [labels for _, labels, _ in _pods(docs) if selects({"matchLabels": selector}, labels)]
    if not nats:
        errors.append(f"{there}: Service {svc_name} selects no rendered pods")
    elif not _opens(get("NetworkPolicy"), nats[0], AUTOSCALER_NAMESPACE, int(port)):
        errors.append(f"{there}: no NetworkPolicy lets namespaces labelled {AUTOSCALER_NAMESPACE} in to "
                      f"port {port} of the NATS pods, so KEDA cannot read the lag")


def check_pod_monitors(docs: list[dict], errors: list[str]) -> int:
    """Each PodMonitor selects rendered pods and scrapes a named port they all have, which the
    NetworkPolicies open to Prometheus's namespace. Returns how many pods' workloads are scraped."""
    get = _index(docs)
    scraped = set()
    for pm in get("PodMonitor"):
        where = f"PodMonitor/{pm['metadata']['name']}"
        chosen = [(w, labels, spec) for w, labels, spec in _pods(docs) if selects(pm["spec"]["selector"], labels)]
        if not chosen:
            errors.append(f"{where}: its selector picks no rendered pods")
        for endpoint in pm["spec"].get("podMetricsEndpoints") or []:
            for workload, labels, spec in chosen:
                ports = {p.get("name"): p["containerPort"] for c in spec.get("containers", [])
                         for p in c.get("ports") or []}
                if endpoint.get("port") not in ports:
                    errors.append(f"{where}: {workload} has no port named {endpoint.get('port')!r} "
                                  f"(it has {sorted(n for n in ports if n)})")
                elif not _opens(get("NetworkPolicy"), labels, MONITORING_NAMESPACE, ports[endpoint["port"]]):
                    errors.append(f"{where}: no NetworkPolicy lets namespaces labelled {MONITORING_NAMESPACE} in to "
                                  f"{workload}'s port {ports[endpoint['port']]}")
                else:
                    scraped.add(workload)
    for rule_object in get("PrometheusRule"):
        for group in rule_object["spec"].get("groups") or []:
            for rule in group.get("rules") or []:
                if ("alert" in rule) == ("record" in rule) or not rule.get("expr"):
                    errors.append(f"PrometheusRule/{rule_object['metadata']['name']} group {group.get('name')}: "
                                  "a rule needs an expression and either an alert or a record name")
    return len(scraped)


def _index(docs: list[dict]) -> Callable[[str], list[dict]]:
    def get(kind: str) -> list[dict]:
        return [d for d in docs if d.get("kind") == kind]
    return get
