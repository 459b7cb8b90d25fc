import { readdir, readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { validateTopicName } from '../validate-topic-name.ts';
import { CRD_DIRECTORY } from './generate-crds.ts';
import { renderCrds } from './render-crds.ts';
import { TOPIC_NAME_PATTERN, TOPIC_SPEC_FIELDS, TopicSpecSchema } from './topic-schema.ts';

describe('generated CRDs', () => {
  it('deploy/crds holds exactly what the generator writes (run `npm run gen:crds -w @runnel/metadata` after changing a schema)', async () => {
    const rendered = renderCrds();
    const files = (await readdir(CRD_DIRECTORY)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(rendered.map((c) => c.file).sort());
    for (const crd of rendered) {
      expect(await readFile(`${CRD_DIRECTORY}${crd.file}`, 'utf8'), `deploy/crds/${crd.file} is stale`).toBe(crd.yaml);
    }
  });

  it('the YAML parses back to the CRD object the API server receives', () => {
    for (const crd of renderCrds()) expect(parse(crd.yaml)).toEqual(crd.object);
  });

  it('uses only structural-schema keywords a CRD accepts (no $id, const, anyOf, patternProperties)', () => {
    const forbidden = ['$id', 'const', 'anyOf', 'oneOf', 'patternProperties', '$ref'];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        expect(forbidden, `${path}.${key}`).not.toContain(key);
        walk(value, `${path}.${key}`);
      }
    };
    for (const crd of renderCrds()) walk(crd.object, crd.file);
  });

  it('every Topic spec field but topicName is part of the topic model, and the name pattern agrees with validateTopicName', () => {
    expect(Object.keys(TopicSpecSchema.properties).filter((k) => k !== 'topicName').sort()).toEqual([...TOPIC_SPEC_FIELDS].sort());
    const pattern = new RegExp(TOPIC_NAME_PATTERN);
    for (const name of ['orders', 'Orders_v2.events-1', 'a'.repeat(224), 'a'.repeat(225), 'a'.repeat(249), 'bad name', 'ü', '']) {
      let valid = true;
      try {
        validateTopicName(name);
      } catch (err) {
        expect(err).toBeInstanceOf(RunnelError);
        valid = false;
      }
      // '.' and '..' are refused by the CEL rule next to the pattern.
      expect(pattern.test(name), name).toBe(valid);
    }
  });
});
