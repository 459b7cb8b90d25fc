import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { RUNNEL_GROUP } from '../kubernetes/kube-names.ts';
import { ClusterSpecSchema, ClusterStatusSchema } from './cluster-schema.ts';
import { toJsonSchema, type CelRule } from './schema-helpers.ts';
import { TopicSpecSchema, TopicStatusSchema } from './topic-schema.ts';
import { MAX_TOPIC_NAME_LENGTH } from '../validate-topic-name.ts';

/** One generated CRD file. */
export interface RenderedCrd {
  /** File name under deploy/crds. */
  readonly file: string;
  /** The CustomResourceDefinition as an object (what the apiserver receives). */
  readonly object: Record<string, unknown>;
  /** The YAML text checked in. */
  readonly yaml: string;
}

interface PrinterColumn {
  readonly name: string;
  readonly type: 'integer' | 'string' | 'date' | 'boolean';
  readonly jsonPath: string;
  readonly description: string;
}

interface CrdDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly spec: TSchema;
  readonly status: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
  readonly rootValidations?: readonly CelRule[];
}

const VERSION = 'v1alpha1';

const readyColumn: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'The Ready condition' };
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' };

const DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: 'Topic',
    plural: 'topics',
    singular: 'topic',
    shortNames: ['rt'],
    spec: TopicSpecSchema,
    status: TopicStatusSchema,
    printerColumns: [
      { name: 'Partitions', type: 'integer', jsonPath: '.status.partitions', description: 'Partitions that exist (a partition Lease each)' },
      { name: 'RF', type: 'integer', jsonPath: '.spec.replicationFactor', description: 'Replication factor' },
      { name: 'Under-Replicated', type: 'integer', jsonPath: '.status.underReplicatedPartitions', description: 'Partitions with ISR smaller than their replicas, live' },
      { name: 'Offline', type: 'integer', jsonPath: '.status.offlinePartitions', description: 'Partitions without a leader, live' },
      readyColumn,
      ageColumn,
    ],
    rootValidations: [
      {
        rule: `has(self.spec.topicName) || self.metadata.name.size() <= ${MAX_TOPIC_NAME_LENGTH}`,
        message: `metadata.name longer than ${MAX_TOPIC_NAME_LENGTH} characters needs spec.topicName (the topic name limit)`,
      },
    ],
  },
  {
    kind: 'Cluster',
    plural: 'clusters',
    singular: 'cluster',
    shortNames: ['rc'],
    spec: ClusterSpecSchema,
    status: ClusterStatusSchema,
    printerColumns: [
      { name: 'Brokers', type: 'string', jsonPath: '.status.readyBrokers', description: 'Ready brokers / desired brokers' },
      readyColumn,
      { name: 'Under-Replicated', type: 'integer', jsonPath: '.status.underReplicatedPartitions', description: 'Partitions with ISR smaller than their replicas, live' },
      ageColumn,
    ],
  },
];

function crdObject(definition: CrdDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${RUNNEL_GROUP}` },
    spec: {
      group: RUNNEL_GROUP,
      names: { kind: definition.kind, listKind: `${definition.kind}List`, plural: definition.plural, singular: definition.singular, shortNames: [...definition.shortNames] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `A Runnel ${definition.kind}.`,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toJsonSchema(definition.spec),
                status: toJsonSchema(definition.status),
              },
              ...(definition.rootValidations ? { 'x-kubernetes-validations': definition.rootValidations.map((rule) => ({ ...rule })) } : {}),
            },
          },
        },
      ],
    },
  };
}

const HEADER = '# Generated from packages/metadata/src/crds/*-schema.ts by `npm run gen:crds -w @runnel/metadata`. Do not edit.\n';

/** Every Runnel CRD, rendered from the TypeScript schemas (the only source of truth). */
export function renderCrds(): RenderedCrd[] {
  return DEFINITIONS.map((definition) => {
    const object = crdObject(definition);
    return { file: `${definition.plural}.${RUNNEL_GROUP}.yaml`, object, yaml: HEADER + stringify(object, { lineWidth: 0 }) };
  });
}
