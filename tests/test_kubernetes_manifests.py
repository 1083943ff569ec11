"""The Kubernetes manifests as a cluster takes them: the base and each overlay rendered with `kubectl kustomize`, every
object valid against the Kubernetes schemas (strict: a field Kubernetes does not have is an error), checkov's
policies passing but for the exceptions the manifests give with their reasons, and what every workload needs to
survive a node or a replica going away: an autoscaler, a disruption budget, topology spread, probes, a locked-down
security context, and no secret in any file."""

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from copy import deepcopy
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from flightrak.settings import SERVICE_PORTS, Settings

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"
DEPLOY_README = REPO / "deploy" / "README.md"
RENDERS = {"base": K8S / "base", "small": K8S / "overlays" / "small", "large": K8S / "overlays" / "large"}
NAMESPACE = "flightrak"
# The schemas the manifests are checked against: a version kubernetes-validate bundles and managed clusters still run.
KUBERNETES_VERSION = "1.33.0"
# Checkov would downgrade what the project pins (packaging 26 to 23): it lives in a venv of its own under .venv/.
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = REPO / ".venv" / "checkov"
KUBECTL_NEEDED = (
    "these tests render the manifests with `kubectl kustomize`: install kubectl 1.27 or later (it carries "
    "kustomize v5), e.g. from https://kubernetes.io/docs/tasks/tools/ or apt-get install kubectl (pkgs.k8s.io)"
)
GRPC_SERVICES = tuple(SERVICE_PORTS)
# Each keeps FLIGHTRAK_DATABASE_POOL_SIZE connections to PostgreSQL; a gateway keeps one (its LISTEN).
POOLED = (*GRPC_SERVICES, "worker")
COMPONENT = "app.kubernetes.io/component"
# An env var with one of these in its name holds a secret and must come from a Secret.
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "DATABASE_URL", "SMTP_URL", "API_KEY")


def kubectl() -> str:
    found = shutil.which("kubectl") or next((p for p in ("/usr/bin/kubectl",) if Path(p).exists()), None)
    if found is None:
        pytest.fail(f"kubectl not found: {KUBECTL_NEEDED}")
    answer = subprocess.run([found, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=60)
    kustomize = json.loads(answer.stdout or "{}").get("kustomizeVersion", "") if answer.returncode == 0 else ""
    if not kustomize.startswith("v5"):
        pytest.fail(f"{found} carries kustomize {kustomize or '(none)'}, not v5: {KUBECTL_NEEDED}")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, list[dict]]]:
    """Each render's file (for checkov) and its objects."""
    binary = kubectl()
    out = tmp_path_factory.mktemp("kustomize")
    renders = {}
    for name, directory in RENDERS.items():
        result = subprocess.run([binary, "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"kubectl kustomize {directory.relative_to(REPO)}: {result.stderr}"
        path = out / f"{name}.yaml"
        path.write_text(result.stdout)
        renders[name] = (path, [doc for doc in yaml.safe_load_all(result.stdout) if doc])
    return renders


@pytest.fixture(params=list(RENDERS))
def objects(request, rendered) -> list[dict]:
    return rendered[request.param][1]


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in objects if doc["kind"] == kind}


def workloads(objects: list[dict]) -> list[dict]:
    return [doc for doc in objects if doc["kind"] in ("Deployment", "Job")]


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels"}, selector  # the manifests select by labels only
    return selector["matchLabels"].items() <= labels.items()


def autoscalers(objects: list[dict]) -> dict[str, dict]:
    """Each HorizontalPodAutoscaler by the Deployment it scales."""
    return {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in of_kind(objects, "HorizontalPodAutoscaler").values()}


def config_map(objects: list[dict]) -> dict[str, str]:
    return of_kind(objects, "ConfigMap")["flightrak-config"]["data"]


def test_every_object_is_valid_against_the_kubernetes_schemas_in_strict_mode(objects):
    problems = []
    for doc in objects:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(map(str, error.path))
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(error.message)
    assert not problems
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= {
        doc["kind"] for doc in objects
    }


def test_strict_validation_refuses_a_field_kubernetes_does_not_have(rendered):
    deployment = deepcopy(of_kind(rendered["base"][1], "Deployment")["identity"])
    kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def checkov() -> Path:
    """Checkov in its own venv under .venv/, installed from the package index once."""
    binary = CHECKOV_VENV / "bin" / "checkov"
    stamp = CHECKOV_VENV / f".installed-{CHECKOV_VERSION}"
    CHECKOV_VENV.parent.mkdir(exist_ok=True)
    with open(CHECKOV_VENV.parent / ".checkov.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once install it once
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], check=True, timeout=300)
            pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            package = f"checkov=={CHECKOV_VERSION}"
            installed = subprocess.run([*pip, package], capture_output=True, text=True, timeout=1200)
            if installed.returncode != 0:
                pytest.fail(f"could not install {package} into {CHECKOV_VENV}: {installed.stderr[-2000:]}")
            stamp.touch()
    return binary


@pytest.fixture(scope="module")
def checkov_reports(rendered) -> dict[str, dict]:
    """Checkov's JSON report on each render, the three scanned at once."""
    binary = checkov()
    # No download of Bridgecrew's policy mapping and no update check: the scan stays on this machine.
    environment = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    scans = {
        render: subprocess.Popen(
            [str(binary), "-f", str(path), "--framework", "kubernetes", "-o", "json", "--skip-download"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=path.parent,
        )
        for render, (path, _) in rendered.items()
    }
    reports = {}
    for render, scan in scans.items():
        out, err = scan.communicate(timeout=600)
        assert scan.returncode in (0, 1), f"checkov on {render}: {err[-2000:]}"
        reports[render] = json.loads(out)
    return reports


@pytest.mark.parametrize("render", list(RENDERS))
def test_checkov_finds_nothing_but_the_exceptions_the_manifests_give_reasons_for(render, rendered, checkov_reports):
    objects = rendered[render][1]
    report = checkov_reports[render]
    results, summary = report["results"], report["summary"]
    found = [f"{check['check_id']} {check['resource']}: {check['check_name']}" for check in results["failed_checks"]]
    assert not found
    assert summary["parsing_errors"] == 0 and summary["passed"] > 100
    assert {check["resource"].split(".")[0] for check in results["passed_checks"]} >= {"Deployment", "Job", "Pod"}
    # An annotation without "=reason" reads "No comment provided".
    unexplained = [
        f"{check['check_id']} {check['resource']}: {check['check_result']['suppress_comment']}"
        for check in results["skipped_checks"]
        if len(check["check_result"]["suppress_comment"]) < 30
    ]
    assert not unexplained
    # Every exception is written once, as an annotation of the workload it excuses.
    annotated = {
        f"{doc['kind']}.{NAMESPACE}.{doc['metadata']['name']}"
        for doc in workloads(objects)
        if any(key.startswith("checkov.io/skip") for key in doc["metadata"].get("annotations", {}))
    }
    assert {check["resource"] for check in results["skipped_checks"]} <= annotated


def test_every_deployment_has_an_autoscaler_that_owns_its_replica_count(objects):
    deployments = of_kind(objects, "Deployment")
    assert set(deployments) == {*GRPC_SERVICES, "worker", "gateway"}
    assert len(of_kind(objects, "HorizontalPodAutoscaler")) == len(autoscalers(objects)) == len(deployments)
    for name, deployment in deployments.items():
        autoscaler = autoscalers(objects)[name]
        spec = autoscaler["spec"]
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 2 <= spec["minReplicas"] < spec["maxReplicas"], name
        assert any(metric["type"] == "Resource" for metric in spec["metrics"]), name
        assert "replicas" not in deployment["spec"], f"{name}: an apply would reset what the autoscaler set"


def test_every_deployment_has_a_disruption_budget_that_leaves_it_serving(objects):
    budgets = of_kind(objects, "PodDisruptionBudget")
    minima = {name: hpa["spec"]["minReplicas"] for name, hpa in autoscalers(objects).items()}
    for name, deployment in of_kind(objects, "Deployment").items():
        covering = [pdb for pdb in budgets.values() if selects(pdb["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1, name
        spec = covering[0]["spec"]
        # A voluntary disruption (a node drain) takes one pod at a time and leaves at least one serving.
        assert spec.get("maxUnavailable") == 1 and "minAvailable" not in spec, name
        assert minima[name] > spec["maxUnavailable"], name


def test_every_deployment_spreads_its_pods_over_nodes_and_zones(objects):
    for name, deployment in of_kind(objects, "Deployment").items():
        constraints = {c["topologyKey"]: c for c in deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]}
        assert set(constraints) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
        # Two replicas never share a node when another can take one; zones are spread where the cluster has them.
        assert constraints["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"
        for constraint in constraints.values():
            assert constraint["maxSkew"] == 1
            assert selects(constraint["labelSelector"], pod_labels(deployment)), name
            assert constraint["labelSelector"]["matchLabels"][COMPONENT] == name
            assert constraint.get("matchLabelKeys") == ["pod-template-hash"], name


def test_every_container_is_locked_down_and_sized(objects):
    assert workloads(objects)
    for workload in workloads(objects):
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 10000, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert not pod.get("initContainers")
        temporary = {volume["name"] for volume in pod.get("volumes", []) if "emptyDir" in volume}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context.get("privileged", False) is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            # Python writes temporary files (uploads spooled to disk) to /tmp: a volume, the root being read-only.
            assert {m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/tmp"} <= temporary, name
            assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"]), name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, f"{name} {bound}"
            assert ":" in container["image"] and not container["image"].endswith(":latest"), name


def test_every_container_that_serves_a_port_is_probed_on_it_and_the_worker_says_why_it_is_not(objects):
    for name, deployment in of_kind(objects, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
        if not ports:
            assert name == "worker"
            assert "readinessProbe" not in container and "livenessProbe" not in container
            reasons = deployment["metadata"]["annotations"].values()
            assert {reason.split("=")[0] for reason in reasons} >= {"CKV_K8S_8", "CKV_K8S_9"}
            continue
        for probe_name in ("readinessProbe", "livenessProbe"):
            probe = container[probe_name]
            (kind,) = set(probe) & {"grpc", "httpGet", "tcpSocket", "exec"}
            port = probe[kind]["port"]
            assert port in ports or port in ports.values(), f"{name} {probe_name} probes {port}, not its port"
        if name in GRPC_SERVICES:
            # Readiness asks the gRPC health service (NOT_SERVING while PostgreSQL is away); liveness only that the
            # port answers, so that a database outage does not restart every replica.
            assert container["readinessProbe"]["grpc"]["port"] == SERVICE_PORTS[name]
            assert "tcpSocket" in container["livenessProbe"]


def test_the_grpc_services_are_headless_and_the_config_map_names_them_for_round_robin(objects):
    services = of_kind(objects, "Service")
    config = config_map(objects)
    assert {doc["metadata"].get("namespace") for doc in objects if doc["kind"] != "Namespace"} == {NAMESPACE}
    for name, port in SERVICE_PORTS.items():
        service = services[name]["spec"]
        assert service["clusterIP"] == "None", f"{name}: gRPC's DNS resolver must see every pod, not one virtual IP"
        assert [(p["port"], p["appProtocol"]) for p in service["ports"]] == [(port, "grpc")]
        assert selects({"matchLabels": service["selector"]}, pod_labels(of_kind(objects, "Deployment")[name]))
        assert config[f"FLIGHTRAK_{name.upper()}_ADDRESS"] == f"dns:///{name}.{NAMESPACE}.svc.cluster.local:{port}"
    assert services["gateway"]["spec"].get("clusterIP") != "None"


def test_the_config_map_holds_settings_the_product_reads_and_accepts(objects, monkeypatch):
    config = config_map(objects)
    fields = {f"FLIGHTRAK_{name.upper()}" for name in Settings.model_fields}
    assert not [key for key in config if key.startswith("FLIGHTRAK_") and key not in fields]
    assert not [key for key in config if not key.startswith(("FLIGHTRAK_", "OTEL_"))]
    # Mail leaves the cluster through the operator's relay with links to the public address; each pod listens on
    # its own addresses, not 127.0.0.1.
    for key in ("SMTP_URL", "MAIL_FROM", "NOTICE_MAIL_FROM", "PUBLIC_URL", "LISTEN_HOST", "GATEWAY_HOST"):
        assert config[f"FLIGHTRAK_{key}"], key
    assert config["FLIGHTRAK_LISTEN_HOST"] == config["FLIGHTRAK_GATEWAY_HOST"] == "0.0.0.0"
    for key in list(os.environ):
        if key.startswith("FLIGHTRAK_"):
            monkeypatch.delenv(key)
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FLIGHTRAK_TOKEN_SECRET", "tests-only-k4Qz9vLw2RbN7xTc5HpY3mJd8sGf6aEu")
    settings = Settings()
    assert settings.production
    assert settings.effective_smtp_url == config["FLIGHTRAK_SMTP_URL"]
    assert settings.effective_public_url == config["FLIGHTRAK_PUBLIC_URL"]
    assert settings.database_pool_size == int(config["FLIGHTRAK_DATABASE_POOL_SIZE"])


def test_no_manifest_holds_a_secret(objects):
    assert not of_kind(objects, "Secret")
    for key, value in config_map(objects).items():
        assert not any(word in key for word in SECRET_WORDS if word != "SMTP_URL"), key
        if "://" in value:
            assert urlsplit(value).password is None and urlsplit(value).username is None, key
    for workload in workloads(objects):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for variable in container["env"]:
                if any(word in variable["name"] for word in SECRET_WORDS):
                    assert "value" not in variable, variable["name"]
                    assert variable["valueFrom"]["secretKeyRef"]["name"].startswith("flightrak-"), variable["name"]
            assert not any("secretRef" in source for source in container.get("envFrom", []))
    text = yaml.safe_dump_all(objects)
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text), "a URL with a password in it"
    assert "BEGIN" not in text and "PRIVATE KEY" not in text


def readme_sizing_row(label: str) -> dict[str, str]:
    """A row of deploy/README.md's sizing table, by the render each column names."""
    lines = DEPLOY_README.read_text().splitlines()
    header = next(line for line in lines if line.startswith("| ") and "small" in line and "large" in line)
    columns = [cell.strip().strip("`") for cell in header.strip("|").split("|")]
    row = next(line for line in lines if line.startswith(f"| {label}"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    return dict(zip(columns, cells, strict=True))


@pytest.mark.parametrize("render", list(RENDERS))
def test_the_postgresql_connections_at_the_autoscalers_maxima_are_the_ones_the_readme_sizes_for(render, rendered):
    objects = rendered[render][1]
    maxima = {name: hpa["spec"]["maxReplicas"] for name, hpa in autoscalers(objects).items()}
    pool = int(config_map(objects)["FLIGHTRAK_DATABASE_POOL_SIZE"])
    connections = sum(maxima[name] for name in POOLED) * pool + maxima["gateway"]
    stated = readme_sizing_row("PostgreSQL connections at the autoscalers' maxima")[render]
    assert re.sub(r"\D", "", stated.split()[0]) == str(connections), stated
