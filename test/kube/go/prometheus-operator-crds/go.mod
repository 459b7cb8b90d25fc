// Pins the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule) that the chart
// tests install before a server-side dry run of the chart's monitoring objects. Nothing is built:
// `go mod download -json github.com/prometheus-operator/prometheus-operator` here fetches the
// module (verified against go.sum) and the tests read example/prometheus-operator-crd/*.yaml.
module runnel.dev/test-kube/prometheus-operator-crds

go 1.25.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
