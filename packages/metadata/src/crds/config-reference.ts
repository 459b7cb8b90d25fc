import { renderCrds } from './render-crds.ts';

/**
 * docs/configuration.md: the reference of every Cluster and Topic field, rendered from the
 * generated CRDs (so from exactly the schema the API server validates with). A unit test fails
 * when the checked-in file differs; `npm run gen:crds -w @runnel/metadata` rewrites both.
 */

/** A node of a CRD's structural OpenAPI schema, as far as the reference reads it. */
interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: SchemaNode;
  readonly items?: SchemaNode;
  readonly enum?: readonly string[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-validations'?: ReadonlyArray<{ readonly rule: string; readonly message: string; readonly fieldPath?: string }>;
}

/** One row of the reference: a field path and what the schema says about it. */
export interface ReferenceField {
  /** `spec.storage.size`, `spec.config.<key>`, `status.brokers[].id`. */
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  /** The schema's `default`, or undefined (Runnel's CRDs set none: the store must read back what was written). */
  readonly default: unknown;
  /** Schema constraints and the CEL rules about this field, each as a short phrase. */
  readonly validation: readonly string[];
  readonly description: string;
}

const typeOf = (node: SchemaNode): string => {
  if (node.enum !== undefined) return `enum (${node.enum.map((v) => `\`${v}\``).join(', ')})`;
  if (node.type === 'array') return `array of ${node.items === undefined ? 'any' : typeOf(node.items)}`;
  if (node.type === 'object' && node.additionalProperties !== undefined) return `map of string to ${typeOf(node.additionalProperties)}`;
  if (node.type === 'object' && node['x-kubernetes-preserve-unknown-fields'] === true) return 'object (any fields)';
  return node.format === undefined ? (node.type ?? 'any') : `${node.type} (${node.format})`;
};

/** Constraints of a scalar node (and of an array's or map's own size). */
function constraints(node: SchemaNode): string[] {
  const out: string[] = [];
  if (node.minimum !== undefined && node.maximum !== undefined) out.push(`${node.minimum} to ${node.maximum}`);
  else if (node.minimum !== undefined) out.push(`at least ${node.minimum}`);
  else if (node.maximum !== undefined) out.push(`at most ${node.maximum}`);
  if (node.minLength !== undefined) out.push(`at least ${node.minLength} character${node.minLength === 1 ? '' : 's'}`);
  if (node.maxLength !== undefined) out.push(`at most ${node.maxLength} characters`);
  if (node.maxItems !== undefined) out.push(`at most ${node.maxItems} items`);
  if (node.pattern !== undefined) out.push(`matches \`${node.pattern}\``);
  return out;
}

/** Adds a node's CEL rules to `rules`, by the field each is about: `fieldPath` relative to the node, else the node itself. */
function addCelRules(node: SchemaNode, path: string, rules: Map<string, string[]>): void {
  for (const v of node['x-kubernetes-validations'] ?? []) {
    const target = v.fieldPath === undefined ? path : `${path}${v.fieldPath}`;
    rules.set(target, [...(rules.get(target) ?? []), `${v.message} (CEL \`${v.rule}\`)`]);
  }
}

/** Rows of `node` and everything under it, parents first (a parent's rules about a child are known before the child). */
function walk(node: SchemaNode, path: string, required: boolean, rules: Map<string, string[]>, out: ReferenceField[]): void {
  addCelRules(node, path, rules);
  out.push({ path, type: typeOf(node), required, default: node.default, validation: [...constraints(node), ...(rules.get(path) ?? [])], description: node.description ?? (path.endsWith('[]') ? 'Each item.' : 'Each value of the map.') });
  for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`, node.required?.includes(name) ?? false, rules, out);
  // An array's or a map's elements: their fields, or the element itself when it has constraints.
  const element = node.items ?? node.additionalProperties;
  if (element === undefined) return;
  const elementPath = node.items !== undefined ? `${path}[]` : `${path}.<key>`;
  if (element.properties !== undefined) {
    addCelRules(element, elementPath, rules);
    for (const [name, child] of Object.entries(element.properties)) walk(child, `${elementPath}.${name}`, element.required?.includes(name) ?? false, rules, out);
  } else if (constraints(element).length > 0 || element['x-kubernetes-validations'] !== undefined) {
    walk(element, elementPath, false, rules, out);
  }
}

/** The reference rows of one CRD: `metadata.name` (when a rule is about it), then spec and status. */
export function referenceFields(crd: Record<string, unknown>): { kind: string; spec: ReferenceField[]; status: ReferenceField[]; object: ReferenceField[] } {
  const spec = crd['spec'] as { names: { kind: string }; versions: Array<{ schema: { openAPIV3Schema: SchemaNode } }> };
  const root = spec.versions[0]!.schema.openAPIV3Schema;
  const rootRules = new Map<string, string[]>();
  addCelRules(root, '', rootRules);
  const object: ReferenceField[] = rootRules.size === 0 ? [] : [{
    path: 'metadata.name',
    type: 'string',
    required: true,
    default: undefined,
    validation: [...rootRules.values()].flat(),
    description: 'Name of the object (a DNS subdomain, as for every Kubernetes object).',
  }];
  const rows = (name: 'spec' | 'status'): ReferenceField[] => {
    const out: ReferenceField[] = [];
    walk(root.properties![name]!, name, root.required?.includes(name) ?? false, new Map<string, string[]>(), out);
    return out;
  };
  return { kind: spec.names.kind, spec: rows('spec'), status: rows('status'), object };
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(fields: readonly ReferenceField[], withRequired: boolean): string {
  const head = withRequired
    ? '| Field | Type | Required | Default | Validation | Description |\n|---|---|---|---|---|---|\n'
    : '| Field | Type | Description |\n|---|---|---|\n';
  return head + fields.map((f) => withRequired
    ? `| \`${f.path}\` | ${cell(f.type)} | ${f.required ? 'yes' : 'no'} | ${f.default === undefined ? '—' : `\`${JSON.stringify(f.default)}\``} | ${f.validation.length === 0 ? '—' : cell(f.validation.join('; '))} | ${cell(f.description)} |`
    : `| \`${f.path}\` | ${cell(f.type)} | ${cell(f.description)} |`).join('\n') + '\n';
}

/** The text of docs/configuration.md. */
export function renderConfigReference(): string {
  const parts = [
    '<!-- Generated from the CRD schemas (packages/metadata/src/crds/*-schema.ts) by `npm run gen:crds -w @runnel/metadata`. Do not edit. -->',
    '# Configuration reference: Cluster and Topic',
    '',
    'Every field of the `runnel.dev/v1alpha1` resources, from the same schema the API server validates',
    'with (`deploy/crds/`). **Validation** lists the schema\'s bounds and patterns and the CEL rules',
    '(with the message `kubectl apply` prints when a rule refuses a change). The CRDs set no schema',
    'defaults, so an object reads back exactly as written; what an absent field means is in its',
    'description. Status fields are written by the operator.',
    '',
    'See also [troubleshooting](troubleshooting.md) for the conditions in `status.conditions`.',
    '',
  ];
  for (const crd of renderCrds()) {
    const { kind, spec, status, object } = referenceFields(crd.object);
    parts.push(`## ${kind}`, '', `\`kubectl explain ${String((crd.object['spec'] as { names: { plural: string } }).names.plural)}.spec --api-version=runnel.dev/v1alpha1\` prints the same descriptions.`, '');
    if (object.length > 0) parts.push('### Object', '', table(object, true));
    parts.push('### spec', '', table(spec, true), '### status', '', table(status, false));
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
