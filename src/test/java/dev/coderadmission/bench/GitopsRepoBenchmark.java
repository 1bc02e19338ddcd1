package dev.coderadmission.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a Flux repository of 20 HelmReleases (a local chart each renders: a Service and an Ingress)
 * and 2,000 plain objects in 20 kustomizations, for timing {@code dry-run} over a whole repository:
 *
 * <pre>
 * java -cp target/test-classes dev.coderadmission.bench.GitopsRepoBenchmark /tmp/bench-repo
 * time java -jar target/coder-admission.jar dry-run -c src/examples/config-tenant.yaml \
 *     --repo-root /tmp/bench-repo --source flux-system/setup /tmp/bench-repo > /dev/null
 * </pre>
 */
public final class GitopsRepoBenchmark {
    private GitopsRepoBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        var root = Path.of(args.length > 0 ? args[0] : "target/bench-repo");
        var chart = Files.createDirectories(root.resolve("charts/web/templates"));
        Files.writeString(chart.getParent().resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n");
        Files.writeString(chart.getParent().resolve("values.yaml"), "className: tailscale\n");
        Files.writeString(chart.resolve("service.yaml"), """
                apiVersion: v1
                kind: Service
                metadata: {name: {{ .Release.Name }}, labels: {app.kubernetes.io/name: {{ .Release.Name }}}}
                spec: {type: ClusterIP, ports: [{name: http, port: 80}]}
                """);
        Files.writeString(chart.resolve("ingress.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: {{ .Release.Name }}}
                spec:
                  ingressClassName: {{ .Values.className }}
                  defaultBackend: {service: {name: {{ .Release.Name }}, port: {number: 80}}}
                """);
        for (int app = 0; app < 20; app++) {
            var dir = Files.createDirectories(root.resolve("apps/app-" + app));
            var resources = new StringBuilder("resources:\n  - helmrelease.yaml\n");
            Files.writeString(dir.resolve("helmrelease.yaml"), """
                    apiVersion: helm.toolkit.fluxcd.io/v2
                    kind: HelmRelease
                    metadata: {name: app-%d, namespace: flux-system}
                    spec:
                      targetNamespace: app-%d
                      chart: {spec: {chart: ./charts/web, sourceRef: {kind: GitRepository, name: setup, namespace: flux-system}}}
                    """.formatted(app, app));
            for (int i = 0; i < 100; i++) {
                Files.writeString(dir.resolve("cm-" + i + ".yaml"), """
                        apiVersion: v1
                        kind: ConfigMap
                        metadata: {name: cm-%d, labels: {app: app-%d}}
                        data: {key: value-%d}
                        """.formatted(i, app, i));
                resources.append("  - cm-").append(i).append(".yaml\n");
            }
            Files.writeString(dir.resolve("kustomization.yaml"), "namespace: app-" + app + "\n" + resources);
        }
        System.out.println("wrote " + root + ": 20 HelmReleases, 2000 ConfigMaps in 20 kustomizations");
    }
}
