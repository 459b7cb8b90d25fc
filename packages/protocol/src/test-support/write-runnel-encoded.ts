/**
 * Writes Runnel-encoded versions of the golden fixtures, so that the Java generator's `verify`
 * mode can check with Kafka's own decoder that Kafka reads what Runnel writes (for every codec,
 * including those whose compressed bytes legitimately differ from Kafka's).
 *
 * Usage: npx node packages/protocol/src/test-support/write-runnel-encoded.ts <outDir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeRecordBatch } from '../record-batch-encoder.ts';
import { loadKafkaFixtures, producerRecordsOf } from './kafka-fixtures.ts';

if (import.meta.main) {
  const outDir = process.argv[2];
  if (outDir === undefined) {
    console.error('usage: write-runnel-encoded.ts <outDir>');
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  for (const fixture of loadKafkaFixtures()) {
    if (fixture.kind !== 'records' && fixture.kind !== 'large') continue;
    const batch = encodeRecordBatch(producerRecordsOf(fixture), { ...fixture.options, compression: fixture.compression });
    writeFileSync(path.join(outDir, `${fixture.name}.bin`), batch);
    console.log(`${fixture.name.padEnd(24)} ${batch.length} bytes`);
  }
}
