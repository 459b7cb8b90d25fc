import { Type, type TSchema } from '@sinclair/typebox';

/**
 * The Helm chart's values: one TypeBox schema whose `default`s are the chart's values.yaml and
 * whose JSON form is its values.schema.json (`npm run gen:chart` writes both; helm-chart.test.ts
 * fails when either drifts). Each `description` becomes the comment above its key in values.yaml.
 */

const StringMap = (description: string): TSchema =>
  Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, description, default: {} });
const AnyObject = (description: string, defaultValue: Record<string, unknown> = {}): TSchema =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', description, default: defaultValue });
const ObjectList = (description: string): TSchema => Type.Unsafe<unknown[]>({ type: 'array', items: { type: 'object' }, description, default: [] });
const Enum = <const V extends readonly string[]>(values: V, description: string, defaultValue: V[number]): TSchema =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], description, default: defaultValue });
const Section = (properties: Record<string, TSchema>, description: string): TSchema =>
  Type.Object(properties, { description, additionalProperties: false });

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

/** A monitoring object the chart can render from packages/monitoring's output. */
const monitor = (what: string, extra: Record<string, TSchema> = {}): TSchema =>
  Section(
    {
      enabled: Type.Boolean({ description: `Render ${what}.`, default: false }),
      labels: StringMap('Extra labels. kube-prometheus-stack only selects objects that carry its `release: <release name>` label.'),
      ...extra,
    },
    what,
  );

/** The chart's values schema; defaults are values.yaml. */
export const ChartValuesSchema = Type.Object(
  {
    image: Section(
      {
        repository: Type.String({ description: 'The Runnel image (broker and operator).', minLength: 1, default: 'ghcr.io/runnel/runnel' }),
        tag: Type.String({ description: 'Image tag; empty means the chart appVersion.', default: '' }),
        pullPolicy: Enum(['Always', 'IfNotPresent', 'Never'] as const, 'Image pull policy.', 'IfNotPresent'),
      },
      'Container image of the operator, and the default broker image of `cluster`.',
    ),
    imagePullSecrets: ObjectList('Pull secrets of the operator pods (`[{name: …}]`).'),
    crds: Section(
      {
        install: Type.Boolean({
          description:
            'Install and upgrade the Cluster and Topic CRDs with the release. They carry `helm.sh/resource-policy: keep`: `helm upgrade` updates them, `helm uninstall` leaves them (and so every Cluster and Topic) in place.',
          default: true,
        }),
      },
      'The runnel.dev CustomResourceDefinitions.',
    ),
    operator: Section(
      {
        replicas: Type.Integer({ description: 'Operator replicas; one leads through a Lease, the others stand by.', minimum: 1, default: 2 }),
        leaderElection: Type.Boolean({ description: 'Run only while holding the `runnel-operator` Lease in the release namespace. Keep it on with more than one replica.', default: true }),
        logLevel: Enum(['trace', 'debug', 'info', 'warn', 'error'] as const, 'Log level (RUNNEL_LOG_LEVEL).', 'info'),
        metricsPort: Type.Integer({ description: 'Port of /metrics, /healthz and /readyz (the probes and the metrics Service use it).', minimum: 1, maximum: 65535, default: 8080 }),
        resources: AnyObject('CPU and memory of the operator container (core/v1 ResourceRequirements).', {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { memory: '512Mi' },
        }),
        podAnnotations: StringMap('Annotations of the operator pods.'),
        podLabels: StringMap('Extra labels of the operator pods.'),
        nodeSelector: StringMap('Node labels the operator pods require.'),
        tolerations: ObjectList('Tolerations of the operator pods.'),
        affinity: AnyObject('Affinity of the operator pods.'),
        priorityClassName: Type.String({ description: 'PriorityClass of the operator pods; empty for none.', default: '' }),
      },
      'The operator Deployment.',
    ),
    watch: Section(
      {
        scope: Enum(
          ['Namespace', 'Cluster'] as const,
          'Namespace: watch `namespaces` (default the release namespace) with a Role in each. Cluster: watch every namespace with a ClusterRole.',
          'Namespace',
        ),
        namespaces: Type.Array(Type.String({ pattern: DNS_LABEL }), {
          description: 'Namespaces to watch when scope is Namespace; empty means the release namespace. Each must exist.',
          uniqueItems: true,
          default: [],
        }),
      },
      'Where the operator looks for Clusters and Topics, and where its RBAC reaches.',
    ),
    serviceAccount: Section(
      {
        create: Type.Boolean({ description: 'Create the operator ServiceAccount.', default: true }),
        name: Type.String({ description: 'Its name; empty means `<release>-operator`.', default: '' }),
      },
      'The operator ServiceAccount.',
    ),
    rbac: Section(
      { create: Type.Boolean({ description: 'Create the least-privilege Roles (or ClusterRole) and bindings the operator needs.', default: true }) },
      'RBAC of the operator.',
    ),
    metricsService: Section(
      { enabled: Type.Boolean({ description: 'A Service `<release>-operator-metrics` (port `metrics`) in front of the operator pods.', default: true }) },
      'The operator metrics Service.',
    ),
    monitoring: Section(
      {
        serviceMonitor: monitor('A ServiceMonitor for the operator metrics Service (needs the prometheus-operator CRDs).', {
          interval: Type.String({ description: 'Scrape interval.', default: '30s' }),
        }),
        podMonitor: monitor('A PodMonitor for the broker pods of every Runnel Cluster (needs the prometheus-operator CRDs).', {
          interval: Type.String({ description: 'Scrape interval.', default: '30s' }),
        }),
        prometheusRule: monitor("A PrometheusRule with Runnel's alerts (needs the prometheus-operator CRDs)."),
        dashboard: monitor('A ConfigMap labelled `grafana_dashboard: "1"` holding the Grafana dashboard, for the Grafana sidecar.'),
      },
      'Prometheus and Grafana objects, rendered from deploy/monitoring (generated by packages/monitoring).',
    ),
    cluster: Section(
      {
        create: Type.Boolean({ description: 'Create a Cluster with the release.', default: false }),
        name: Type.String({ description: 'Its name (the bootstrap address is `<name>.<namespace>.svc:9092`).', pattern: DNS_LABEL, default: 'runnel' }),
        spec: AnyObject('Its spec (see deploy/crds/clusters.runnel.dev.yaml); `image` defaults to the chart image.', {
          replicas: 3,
          storage: { size: '10Gi' },
        }),
      },
      'An optional Cluster in the release namespace. `helm uninstall` keeps it running, with its data (`helm.sh/resource-policy: keep`).',
    ),
    topics: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: DNS_LABEL, description: 'metadata.name of the Topic.' }),
          spec: Type.Object({}, { additionalProperties: true, description: 'Its spec (partitions, replicationFactor, …).' }),
        },
        { additionalProperties: false },
      ),
      {
        description:
          'Topics to create in the release namespace for the Cluster `cluster.name` (`[{name: orders, spec: {partitions: 6, replicationFactor: 3}}]`). `helm uninstall` keeps them and their data.',
        default: [],
      },
    ),
  },
  { additionalProperties: false, title: 'Values of the runnel Helm chart' },
);
