"""deploy/checks/manifests.py: every overlay renders, validates strictly and holds together."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy


BASE = "deploy/k8s/base"
JOB = "deploy/k8s/jobs/bootstrap-admin.yaml"
PROD = "deploy/k8s/overlays/prod/kustomization.yaml"
DEPARTMENT = f"{BASE}/department/department.yaml"
POLICIES = f"{BASE}/network-policies.yaml"
AUTH = f"{BASE}/nats/auth.conf"


def test_passes_on_the_repository(check):
    proc = check("manifests", ROOT)
    assert proc.returncode == 0
    assert "dev:" in proc.output and "prod:" in proc.output
    assert "prod: no demo account can exist" in proc.output
    assert "prod: fusion never seeds the synthetic county" in proc.output
    assert "prod+oidc: 59 objects rendered and validated; single sign-on configured" in proc.output
    assert "prod: no gRPC reflection: GRPC_REFLECTION unset or false in all 11 containers" in proc.output
    assert ("prod: each department system reaches only its own department's service "
            "(5 department services)") in proc.output
    assert "jobs next to prod: 1 validated (bootstrap-admin.yaml)" in proc.output
    assert "PASS manifests" in proc.output


def test_fails_on_an_unknown_field(check, repo):
    edit(repo / BASE / "gateway.yaml", "  revisionHistoryLimit: 5\n",
         "  revisionHistoryLimit: 5\n  replicaCount: 2\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "kubernetes-validate --strict" in proc.output
    assert "replicaCount" in proc.output


def test_fails_on_a_value_of_the_wrong_type(check, repo):
    edit(repo / BASE / "fusion.yaml", "  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: five\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "five" in proc.output


def test_fails_on_a_missing_file(check, repo):
    (repo / BASE / "fusion.yaml").unlink()
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "fusion.yaml" in proc.output


def test_fails_when_nats_reads_another_departments_secret(check, repo):
    edit(repo / BASE / "nats" / "nats.yaml",
         "secretKeyRef: {name: nats-user-petition, key: password}",
         "secretKeyRef: {name: nats-user-legal-aid, key: password}")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "$NATS_PASSWORD_PETITION" in proc.output


def test_fails_when_a_department_may_use_the_whole_jetstream_api(check, repo):
    edit(repo / BASE / "nats" / "auth.conf", '"gridfusion.events.petition.>"',
         '"gridfusion.events.petition.>", "$JS.API.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "'petition' may use the whole JetStream API" in proc.output


def test_fails_when_a_department_may_publish_as_another(check, repo):
    edit(repo / BASE / "nats" / "auth.conf", '"gridfusion.events.petition.>"',
         '"gridfusion.events.petition.>", "gridfusion.events.legal_aid.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "outside its own department's subjects" in proc.output


def test_finding_4_the_manifests_check_fails_when_auth_conf_drifts_from_the_permission_table(check, repo):
    """The gateway's entry as it once was: the whole JetStream API and every user's replies."""
    auth = repo / AUTH
    # Whatever the table grants the gateway today, its entry goes back to what it once was.
    entry = re.compile(r'(      user: gateway\n      password: \$NATS_PASSWORD_GATEWAY\n      permissions: \{\n)'
                       r'        publish: \{allow: \[[^\n]*\]\}\n        subscribe: \{allow: \[[^\n]*\]\}\n')
    text, replaced = entry.subn(lambda m: m.group(1) + '        publish: {allow: ["$JS.API.>", "$JS.ACK.>", "_INBOX.>"]}\n'
                                '        subscribe: {allow: ["gridfusion.cases.>", "gridfusion.reference.>", "_INBOX.>"]}\n',
                                auth.read_text())
    assert replaced == 1, "the gateway's entry is not in auth.conf"
    auth.write_text(text)
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("NATS: auth.conf differs from the permission table (services/platform/permissions.py); "
            "write it with `make nats-auth`") in proc.output
    assert '+        publish: {allow: ["$JS.API.>", "$JS.ACK.>", "_INBOX.>"]}' in proc.output
    assert "NATS user 'gateway' may publish '$JS.API.>'; the gateway reaches JetStream only" in proc.output
    assert "NATS user 'gateway' lacks publish $JS.API.CONSUMER.CREATE.CASES" in proc.output
    assert "NATS user 'gateway' may read every user's replies (_INBOX.>)" in proc.output
    assert "NATS user 'gateway' may publish into inboxes" in proc.output
    assert "NATS user 'gateway' cannot publish gridfusion.gateway.sessions.ended" in proc.output


def test_fails_when_a_department_may_read_another_users_inbox(check, repo):
    edit(repo / AUTH, '"_INBOX_petition.>"', '"_INBOX_petition.>", "_INBOX_fusion.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "NATS user 'petition' may read fusion's replies (_INBOX_fusion.>)" in proc.output


def test_fails_when_the_table_changes_and_auth_conf_is_not_written_again(check, repo):
    edit(repo / "services/platform/permissions.py",
         'subscribe=(REFERENCE, GATEWAY_SESSIONS, inbox)',
         'subscribe=("gridfusion.events.>", REFERENCE, GATEWAY_SESSIONS, inbox)')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "NATS: auth.conf differs from the permission table" in proc.output
    assert '-        subscribe: {allow: ["gridfusion.events.>", "gridfusion.reference.>"' in proc.output


def test_fails_when_nats_server_rejects_the_configuration(check, repo):
    edit(repo / "deploy/k8s/overlays/dev/nats.conf", "lame_duck_duration: 30s", "lame_duck_duration: 5s")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "nats-server -t rejects" in proc.output


def test_fails_when_a_secret_the_dev_pods_read_is_not_generated(check, repo):
    edit(repo / "deploy/k8s/overlays/dev/kustomization.yaml",
         "  - name: nats-user-civil-affairs\n    literals: [username=civil_affairs, password=dev-nats-civil-affairs]\n",
         "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "reads Secret 'nats-user-civil-affairs'" in proc.output


def test_fails_when_gateway_targets_miss_a_department(check, repo):
    edit(repo / BASE / "kustomization.yaml", ', "civil_affairs": "civil-affairs:50051"', "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "GATEWAY_DEPARTMENT_TARGETS" in proc.output


def test_fails_when_prod_acknowledges_before_fsync(check, repo):
    edit(repo / "deploy/k8s/overlays/prod/nats.conf", "  sync_interval: always\n", "")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "sync_interval: always" in proc.output


def test_fails_when_prod_mongodb_members_disagree_with_the_bootstrap(check, repo):
    edit(repo / "deploy/k8s/overlays/prod/kustomization.yaml",
         "{name: mongodb, count: 3}", "{name: mongodb, count: 2}")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "bootstrap Job sets up 3 members" in proc.output
    assert "MongoDB must run 3 members" in proc.output


def test_prod_fails_when_a_gateway_container_switches_local_mode_on(check, repo):
    # pydantic-settings ignores the case of a variable's name: so does the check.
    edit(repo / BASE / "gateway.yaml", "            - name: OTEL_SERVICE_NAME\n",
         "            - name: gateway_local_mode\n              value: \"yes\"\n"
         "            - name: OTEL_SERVICE_NAME\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "Deployment/gateway (gateway): GATEWAY_LOCAL_MODE='yes' (env)" in proc.output
    assert "no demo account can exist" not in proc.output


def test_prod_fails_when_the_demo_password_is_set_anywhere(check, repo):
    edit(repo / PROD, "      - NATS_STREAM_REPLICAS=3\n",
         "      - NATS_STREAM_REPLICAS=3\n      - GRIDFUSION_DEMO_PASSWORD=changeme\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "Deployment/gateway (gateway): GRIDFUSION_DEMO_PASSWORD is set " \
           "(ConfigMap gridfusion-config)" in proc.output
    assert "ConfigMap gridfusion-config holds GRIDFUSION_DEMO_PASSWORD" in proc.output


def test_fails_when_the_gateway_cannot_reach_mongodb(check, repo):
    edit(repo / BASE / "gateway.yaml", '        gridfusion.io/mongodb-client: "true"\n', "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/gateway: the NetworkPolicies refuse its connection to MongoDB "
            "(MONGODB_URI) (StatefulSet/mongodb, port 27017)") in proc.output


def test_fails_when_the_gateway_signs_in_as_fusions_mongodb_user(check, repo):
    edit(repo / BASE / "gateway.yaml", "                  name: gateway-mongodb\n",
         "                  name: fusion-mongodb\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/gateway: MONGODB_URI comes from Secret 'fusion-mongodb' key 'uri'; "
            "its MongoDB user's is 'gateway-mongodb' key 'uri'") in proc.output


def test_fails_when_a_department_signs_in_as_another_departments_mongodb_user(check, repo):
    edit(repo / BASE / "departments" / "petition" / "kustomization.yaml",
         "value: petition-mongodb}", "value: legal-aid-mongodb}")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/petition: MONGODB_URI comes from Secret 'legal-aid-mongodb' key 'uri'; "
            "its MongoDB user's is 'petition-mongodb' key 'uri'") in proc.output


def test_fails_when_a_services_mongodb_user_may_use_another_database(check, repo):
    edit(repo / BASE / "mongodb" / "bootstrap-job.yaml", "value: gridfusion_civil_affairs\n",
         "value: gridfusion_civil_affairs,gridfusion_gateway\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("MongoDB: civil_affairs's user may use 'gridfusion_civil_affairs,gridfusion_gateway' "
            "(MONGODB_CIVIL_AFFAIRS_DATABASE); it must be exactly its own database, "
            "'gridfusion_civil_affairs'") in proc.output


def test_fails_when_two_services_share_a_mongodb_user(check, repo):
    job = repo / BASE / "mongodb" / "bootstrap-job.yaml"
    for key in ("username", "password"):
        edit(job, f"secretKeyRef: {{name: fusion-mongodb, key: {key}}}",
             f"secretKeyRef: {{name: petition-mongodb, key: {key}}}")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "MongoDB: fusion and petition share the user of Secret petition-mongodb" in proc.output


def test_fails_when_access_tokens_outlive_30_minutes(check, repo):
    edit(repo / BASE / "kustomization.yaml", "GATEWAY_TOKEN_MINUTES=15", "GATEWAY_TOKEN_MINUTES=60")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "GATEWAY_TOKEN_MINUTES='60' (ConfigMap gateway-config) must be a whole number " \
           "from 1 to 30" in proc.output


def test_fails_when_single_sign_on_cannot_reach_its_provider(check, repo):
    edit(repo / "deploy/k8s/components/oidc/kustomization.yaml", "resources:\n  - gateway-oidc.yaml\n", "")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "[prod+oidc] Deployment/gateway: single sign-on is configured but no NetworkPolicy " \
           "lets the gateway reach the provider over HTTPS (443)" in proc.output


def test_fails_when_single_sign_on_lacks_openid(check, repo):
    edit(repo / "deploy/k8s/components/oidc/kustomization.yaml",
         "      - GATEWAY_OIDC_MAPPING_FILE=/etc/gridfusion/oidc-mapping.yaml\n",
         "      - GATEWAY_OIDC_MAPPING_FILE=/etc/gridfusion/oidc-mapping.yaml\n"
         "      - GATEWAY_OIDC_SCOPES=profile email\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "GATEWAY_OIDC_SCOPES='profile email' must include openid" in proc.output


def test_fails_on_an_unknown_field_in_the_bootstrap_admin_job(check, repo):
    edit(repo / JOB, "  backoffLimit: 4\n", "  backoffLimit: 4\n  retries: 4\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "rejects prod-jobs.yaml" in proc.output and "retries" in proc.output


def test_fails_when_the_bootstrap_admin_job_cannot_reach_fusion(check, repo):
    edit(repo / JOB, '        gridfusion.io/fusion-client: "true"\n', "")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert ("bootstrap-admin.yaml: Job/bootstrap-admin: the NetworkPolicies refuse its "
            "connection to fusion-all:50051 (GATEWAY_FUSION_TARGET)") in proc.output


def test_fails_when_the_bootstrap_admin_job_is_less_hardened_than_the_gateway(check, repo):
    edit(repo / JOB, "            readOnlyRootFilesystem: true\n", "            readOnlyRootFilesystem: false\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert ("Job/bootstrap-admin: container bootstrap-admin securityContext.readOnlyRootFilesystem "
            "is False, the services' is True") in proc.output


def test_fails_when_the_bootstrap_admin_job_names_another_database(check, repo):
    edit(repo / JOB, "              value: gridfusion_gateway\n", "              value: gridfusion_fusion\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "GATEWAY_DATABASE='gridfusion_fusion', the gateway's is 'gridfusion_gateway'" in proc.output


def test_fails_when_the_bootstrap_admin_password_file_is_not_mounted(check, repo):
    edit(repo / JOB, "--password-file, /secrets/password]", "--password-file, /run/password]")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "--password-file /run/password is no mounted Secret key" in proc.output


def test_prod_fails_when_fusion_may_seed_the_synthetic_county(check, repo):
    edit(repo / PROD, "      - FUSION_SEED_REFERENCE=false\n", "      - FUSION_SEED_REFERENCE=True\n")
    # pydantic-settings ignores the case of a variable's name: so does the check.
    edit(repo / BASE / "fusion.yaml", "            - name: OTEL_SERVICE_NAME\n",
         "            - name: fusion_seed_reference\n              value: \"1\"\n"
         "            - name: OTEL_SERVICE_NAME\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert ("Deployment/fusion (fusion): FUSION_SEED_REFERENCE='True' (ConfigMap gridfusion-config); "
            "prod never seeds the synthetic county") in proc.output
    assert "Deployment/fusion (fusion): FUSION_SEED_REFERENCE='1' (env)" in proc.output
    # Every container reads gridfusion-config: the gateway's is refused as well.
    assert "Deployment/gateway (gateway): FUSION_SEED_REFERENCE='True'" in proc.output
    assert "fusion never seeds the synthetic county" not in proc.output


FUSION_INGRESS_FROM_DEPARTMENTS = """        # The current reference version (DEPARTMENT_FUSION_TARGET).
        - podSelector:
            matchLabels:
              app.kubernetes.io/component: department
"""


@pytest.mark.parametrize("side", ["egress", "ingress"])
def test_fails_when_a_department_cannot_reach_fusion(check, repo, side):
    text = (repo / POLICIES).read_text()
    if side == "egress":
        # The departments' policy keeps Egress among its types but loses its one rule.
        start = text.index("  egress:\n", text.index("  name: departments\n"))
        text = text[:start] + text[text.index("---", start):]
    else:
        assert FUSION_INGRESS_FROM_DEPARTMENTS in text
        text = text.replace(FUSION_INGRESS_FROM_DEPARTMENTS, "", 1)
    (repo / POLICIES).write_text(text)
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/petition: the NetworkPolicies refuse its connection to fusion:50051 "
            f"(DEPARTMENT_FUSION_TARGET) (Deployment/fusion, port 50051): no {side} rule admits it"
            ) in proc.output


def test_fails_when_a_department_does_not_know_where_fusion_is(check, repo):
    edit(repo / DEPARTMENT, "            - name: DEPARTMENT_FUSION_TARGET\n              value: fusion:50051\n",
         "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/civil-affairs: DEPARTMENT_FUSION_TARGET is not set: its default, "
            "127.0.0.1:50050, is no address of fusion in a cluster") in proc.output


def test_fails_when_the_reference_command_in_the_gateway_names_another_service(check, repo):
    edit(repo / BASE / "kustomization.yaml", "GRIDFUSION_FUSION_TARGET=fusion-all:50051",
         "GRIDFUSION_FUSION_TARGET=petition:50051")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/gateway: GRIDFUSION_FUSION_TARGET='petition:50051' is not fusion: "
            "Service petition routes to ['Deployment/petition']") in proc.output


def test_prod_fails_when_the_gateway_reaches_only_ready_fusion_pods(check, repo):
    # Fusion is not ready before the first import: through Service fusion, the import
    # (the API, or the command in a gateway pod) would never reach it.
    edit(repo / BASE / "kustomization.yaml", "GATEWAY_FUSION_TARGET=fusion-all:50051",
         "GATEWAY_FUSION_TARGET=fusion:50051")
    edit(repo / JOB, "              value: fusion-all:50051\n", "              value: fusion:50051\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert ("Deployment/gateway: GATEWAY_FUSION_TARGET='fusion:50051': Service fusion routes only "
            "to ready fusion pods, and fusion is not ready until reference data is imported") in proc.output
    assert "GRIDFUSION_FUSION_TARGET" not in proc.output


def test_fails_when_a_startup_probe_waits_for_readiness(check, repo):
    edit(repo / BASE / "fusion.yaml", "              port: 50051\n              service: liveness\n"
         "            periodSeconds: 2\n",
         "              port: 50051\n            periodSeconds: 2\n")
    edit(repo / BASE / "gateway.yaml", "          startupProbe:\n            httpGet:\n              path: /healthz\n",
         "          startupProbe:\n            httpGet:\n              path: /readyz\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/fusion: startupProbe asks for gRPC health service '', which stays "
            "NOT_SERVING until reference data is loaded") in proc.output
    assert "Deployment/gateway: startupProbe asks /readyz, the readiness path" in proc.output


def test_fails_when_a_department_may_announce_reference_versions(check, repo):
    edit(repo / AUTH, '"gridfusion.events.petition.>"',
         '"gridfusion.events.petition.>", "gridfusion.reference.activated"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("NATS user 'petition' may publish gridfusion.reference.activated; only fusion announces "
            "reference versions") in proc.output
    assert "'petition' may touch 'gridfusion.reference.activated'" in proc.output


def test_fails_when_another_service_may_end_the_gateways_sessions(check, repo):
    edit(repo / AUTH, '"gridfusion.cases.>", "gridfusion.handover.>"',
         '"gridfusion.cases.>", "gridfusion.gateway.sessions.ended", "gridfusion.handover.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("NATS user 'fusion' may publish gridfusion.gateway.sessions.ended; only the gateway ends "
            "sessions") in proc.output


def test_fails_when_a_service_cannot_hear_reference_versions(check, repo):
    edit(repo / AUTH, '["gridfusion.reference.>", "_INBOX_legal_aid.>"]', '["_INBOX_legal_aid.>"]')
    edit(repo / AUTH, '"gridfusion.reference.>", "$JS.API.STREAM.INFO.EVENTS"', '"$JS.API.STREAM.INFO.EVENTS"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "NATS user 'legal_aid' cannot subscribe gridfusion.reference.activated" in proc.output
    assert "NATS user 'fusion' cannot publish gridfusion.reference.activated" in proc.output


# Finding 5: department gRPC credentials, reflection, and which systems reach which service.

PETITION_SYSTEMS = """          podSelector:
            matchLabels:
              gridfusion.io/department: petition
"""


def test_fails_when_a_department_system_may_reach_another_departments_service(check, repo):
    # Petition's policy admits the whole department-systems namespace, as once every policy did.
    edit(repo / POLICIES, PETITION_SYSTEMS, "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/petition: the NetworkPolicies let legal_aid's department systems reach "
            "petition's service on port 50051: a department system may reach its own department's "
            "service only") in proc.output
    assert ("Deployment/petition: the NetworkPolicies let every pod of the department-systems "
            "namespaces reach petition's service") in proc.output
    assert "Deployment/legal-aid: the NetworkPolicies let" not in proc.output


def test_fails_when_a_department_systems_policy_names_another_department(check, repo):
    edit(repo / POLICIES, PETITION_SYSTEMS, PETITION_SYSTEMS.replace("petition", "legal_aid"))
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/petition: the NetworkPolicies refuse petition's own department systems") in proc.output
    assert "let legal_aid's department systems reach petition's service" in proc.output


def test_fails_when_a_department_system_may_come_from_any_namespace(check, repo):
    edit(repo / POLICIES, "        - namespaceSelector:\n            matchLabels:\n"
         "              gridfusion.io/role: department-systems\n          podSelector:\n"
         "            matchLabels:\n              gridfusion.io/department: civil_affairs\n",
         "        - namespaceSelector: {}\n          podSelector:\n"
         "            matchLabels:\n              gridfusion.io/department: civil_affairs\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/civil-affairs: the NetworkPolicies let pods labelled gridfusion.io/department: "
            "civil_affairs of any namespace reach civil_affairs's service") in proc.output


def test_fails_when_a_department_pod_holds_a_department_systems_token(check, repo):
    edit(repo / DEPARTMENT, "                  name: department-system-petition\n                  key: sha256\n",
         "                  name: department-system-petition\n                  key: token\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/legal-aid (legal-aid): DEPARTMENT_SYSTEM_TOKEN_SHA256__PETITION reads key 'token' "
            "of Secret 'department-system-petition': a token is its holder's alone") in proc.output
    assert ("Deployment/petition: DEPARTMENT_SYSTEM_TOKEN_SHA256__PETITION must come from Secret "
            "'department-system-petition' key 'sha256' (the digest of petition's own system's token)"
            ) in proc.output


def test_fails_when_a_department_service_does_not_know_the_gateways_token(check, repo):
    edit(repo / DEPARTMENT, "            - name: DEPARTMENT_GATEWAY_TOKEN_SHA256\n              valueFrom:\n"
         "                secretKeyRef:\n                  name: gateway-service-token\n                  key: sha256\n",
         "")
    edit(repo / BASE / "gateway.yaml", "                  name: gateway-service-token\n",
         "                  name: gateway-jwt\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("Deployment/petition: DEPARTMENT_GATEWAY_TOKEN_SHA256 must come from Secret "
            "'gateway-service-token' key 'sha256' (the digest of the gateway's token), not elsewhere"
            ) in proc.output
    assert "Deployment/gateway: GATEWAY_SERVICE_TOKEN must come from Secret 'gateway-service-token'" in proc.output


def test_fails_when_a_tokens_digest_is_not_its_sha256_or_the_token_is_short(check, repo):
    text = (repo / "deploy/k8s/overlays/dev/kustomization.yaml").read_text()
    start = text.index("  - name: department-system-legal-aid\n")
    digest_at = text.index("sha256=", start) + len("sha256=")
    text = text[:digest_at] + "0" * 64 + text[digest_at + 64:]
    text = text.replace("token=dev-only-petition-system-token-not-secret-0000", "token=short", 1)
    (repo / "deploy/k8s/overlays/dev/kustomization.yaml").write_text(text)
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "Secret department-system-legal-aid: sha256 is not the SHA-256 of its token" in proc.output
    assert "Secret department-system-petition: the token must be at least 32 bytes" in proc.output


def test_prod_fails_when_grpc_reflection_is_on(check, repo):
    edit(repo / PROD, "      - FUSION_SEED_REFERENCE=false\n",
         "      - FUSION_SEED_REFERENCE=false\n      - GRPC_REFLECTION=true\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert ("Deployment/petition (petition): GRPC_REFLECTION='true' (ConfigMap gridfusion-config); "
            "prod serves no gRPC reflection: it must be unset or false") in proc.output
    assert "prod: no gRPC reflection" not in proc.output
