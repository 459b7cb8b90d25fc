import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renderCrds } from '@runnel/metadata';
import { renderMonitoring } from '@runnel/monitoring';
import type { TSchema } from '@sinclair/typebox';
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { ChartValuesSchema } from './chart-values.ts';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The chart directory. */
export const CHART_DIR = `${REPO_ROOT}helm/runnel/`;

/** One generated file, relative to the repository root. */
export interface ChartFile {
  readonly path: string;
  readonly text: string;
}

/** The monitoring files the chart renders (copied from deploy/monitoring). */
export const CHART_MONITORING_FILES = ['operator-servicemonitor.yaml', 'broker-podmonitor.yaml', 'prometheus-rule.yaml', 'grafana-dashboard-configmap.yaml'] as const;

/** The release and namespace of the plain manifests in deploy/operator. */
export const PLAIN_RELEASE = { name: 'runnel', namespace: 'runnel-system' } as const;

const HEADER = 'Generated from helm/src/chart-values.ts by `npm run gen:chart`. Do not edit.';

/** The default of every property of `schema`, recursively (what values.yaml holds). */
export function defaultsOf(schema: TSchema): unknown {
  if (schema['type'] === 'object' && schema['properties'] !== undefined && schema['default'] === undefined) {
    return Object.fromEntries(Object.entries(schema['properties'] as Record<string, TSchema>).map(([key, child]) => [key, defaultsOf(child)]));
  }
  if (schema['default'] === undefined) throw new Error(`values schema: a property without a default (${JSON.stringify(schema).slice(0, 120)})`);
  return structuredClone(schema['default']) as unknown;
}

/** Wraps a description into `# ` comment lines of at most ~100 columns. */
function commentLines(text: string, width = 98): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => ` ${l}`).join('\n');
}

function annotate(node: YAMLMap, schema: TSchema): void {
  const properties = schema['properties'] as Record<string, TSchema> | undefined;
  if (properties === undefined) return;
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const child = properties[String(pair.key.value)];
    if (child === undefined) continue;
    if (typeof child['description'] === 'string') pair.key.commentBefore = commentLines(child['description']);
    if (isMap(pair.value) && child['default'] === undefined) annotate(pair.value, child);
  }
}

/** values.yaml: the schema's defaults, each key under its description. */
export function renderValuesYaml(): string {
  const doc = new Document(defaultsOf(ChartValuesSchema));
  doc.commentBefore = ` ${HEADER}\n Every key is checked by values.schema.json (generated from the same source).`;
  if (isMap(doc.contents)) {
    annotate(doc.contents, ChartValuesSchema);
    for (const pair of doc.contents.items.slice(1)) if (isScalar(pair.key)) pair.key.spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0 });
}

/** values.schema.json: the schema as JSON Schema (draft 7, which Helm validates against). */
export function renderValuesSchema(): string {
  const schema = JSON.parse(JSON.stringify(ChartValuesSchema)) as Record<string, unknown>;
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $comment: HEADER, ...schema }, null, 2)}\n`;
}

/** Every file the chart generates from other sources, besides deploy/operator. */
export function renderChartFiles(): ChartFile[] {
  const monitoring = new Map(renderMonitoring().map((f) => [f.file, f.text]));
  return [
    { path: 'helm/runnel/values.yaml', text: renderValuesYaml() },
    { path: 'helm/runnel/values.schema.json', text: renderValuesSchema() },
    ...renderCrds().map((crd) => ({ path: `helm/runnel/files/crds/${crd.file}`, text: crd.yaml })),
    ...CHART_MONITORING_FILES.map((file) => {
      const text = monitoring.get(file);
      if (text === undefined) throw new Error(`packages/monitoring no longer renders ${file}`);
      return { path: `helm/runnel/files/monitoring/${file}`, text };
    }),
  ];
}

const execFileAsync = promisify(execFile);

/**
 * deploy/operator/runnel-operator.yaml: `helm template` of the chart with its defaults into the
 * namespace runnel-system, preceded by that Namespace, for one `kubectl apply --server-side -f`.
 */
export async function renderPlainManifests(helm: string): Promise<ChartFile> {
  const { stdout } = await execFileAsync(helm, ['template', PLAIN_RELEASE.name, CHART_DIR, '--namespace', PLAIN_RELEASE.namespace], { maxBuffer: 64 * 1024 * 1024 });
  const namespace = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${PLAIN_RELEASE.namespace}\n`;
  const header =
    `# The Runnel operator without Helm: \`kubectl apply --server-side -f deploy/operator/runnel-operator.yaml\`.\n` +
    `# ${HEADER.replace('chart-values.ts', 'chart-values.ts and the chart')} (\`helm template ${PLAIN_RELEASE.name} helm/runnel --namespace ${PLAIN_RELEASE.namespace}\`)\n`;
  // Applied with kubectl, not managed by Helm: say so in the label Helm would set.
  const objects = stdout.replaceAll('app.kubernetes.io/managed-by: Helm', 'app.kubernetes.io/managed-by: kubectl');
  return { path: 'deploy/operator/runnel-operator.yaml', text: `${header}---\n${namespace}${objects.startsWith('---') ? '' : '---\n'}${objects}` };
}
