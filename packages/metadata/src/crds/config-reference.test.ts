import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { referenceFields, renderConfigReference } from './config-reference.ts';
import { CONFIG_REFERENCE_FILE } from './generate-crds.ts';
import { renderCrds } from './render-crds.ts';

/** Every property path of a schema node (`spec.storage.size`), objects in arrays as `[]`. */
function schemaPaths(node: Record<string, unknown>, path: string): string[] {
  const props = (node['properties'] ?? (node['items'] as Record<string, unknown> | undefined)?.['properties']) as Record<string, Record<string, unknown>> | undefined;
  const prefix = node['items'] !== undefined ? `${path}[]` : path;
  return [path, ...Object.entries(props ?? {}).flatMap(([name, child]) => schemaPaths(child, `${prefix}.${name}`))];
}

const crdByKind = (kind: string): Record<string, unknown> => renderCrds().find((c) => (c.object['spec'] as { names: { kind: string } }).names.kind === kind)!.object;
const rootSchema = (crd: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  (crd['spec'] as { versions: Array<{ schema: { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } } }> }).versions[0]!.schema.openAPIV3Schema.properties;

describe('configuration reference (docs/configuration.md)', () => {
  it('is what the generator writes from the CRD schemas (run `npm run gen:crds -w @runnel/metadata` after changing a schema)', async () => {
    expect(await readFile(CONFIG_REFERENCE_FILE, 'utf8'), 'docs/configuration.md is stale').toBe(renderConfigReference());
  });

  it('has a row for every spec and status field of Cluster and Topic, with its description', () => {
    for (const kind of ['Cluster', 'Topic']) {
      const crd = crdByKind(kind);
      const rows = referenceFields(crd);
      const documented = new Set([...rows.spec, ...rows.status].map((f) => f.path));
      for (const part of ['spec', 'status'] as const) {
        for (const path of schemaPaths(rootSchema(crd)[part]!, part)) expect(documented, `${kind} ${path}`).toContain(path);
      }
      for (const f of [...rows.spec, ...rows.status]) expect(f.description, `${kind} ${f.path}`).not.toBe('');
    }
  });

  it('states types, required fields, bounds, patterns and the CEL rules with their messages', () => {
    const topic = referenceFields(crdByKind('Topic'));
    const field = (path: string) => topic.spec.find((f) => f.path === path)!;
    expect(field('spec.partitions')).toMatchObject({ type: 'integer', required: true });
    expect(field('spec.partitions').validation).toEqual(['1 to 100000', expect.stringContaining('spec.partitions cannot decrease')]);
    expect(field('spec.deletionPolicy').type).toBe('enum (`Delete`, `Retain`)');
    expect(field('spec.minInsyncReplicas').validation.join('\n')).toContain('spec.minInsyncReplicas must not exceed spec.replicationFactor');
    expect(topic.object[0]?.validation.join('\n')).toContain('needs spec.topicName');
    const cluster = referenceFields(crdByKind('Cluster'));
    const size = cluster.spec.find((f) => f.path === 'spec.storage.size')!;
    expect(size.required).toBe(true);
    expect(size.validation.join('\n')).toMatch(/matches `\^\[0-9\]\+.*spec\.storage\.size cannot shrink/s);
    expect(cluster.spec.find((f) => f.path === 'spec.config')?.type).toBe('map of string to string');
  });

  it('follows the schema: a field added to a CRD gets a row with its type, bounds and default', () => {
    const crd = structuredClone(crdByKind('Topic'));
    const spec = rootSchema(crd)['spec'] as { properties: Record<string, unknown> };
    spec.properties['segmentBytes'] = { type: 'integer', minimum: 1024, default: 1_048_576, description: 'Segment size.' };
    expect(referenceFields(crd).spec.find((f) => f.path === 'spec.segmentBytes')).toEqual({
      path: 'spec.segmentBytes', type: 'integer', required: false, default: 1_048_576, validation: ['at least 1024'], description: 'Segment size.',
    });
  });
});
