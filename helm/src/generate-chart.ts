// `npm run gen:chart`: writes the chart's values.yaml and values.schema.json (from
// chart-values.ts), its copies of the generated CRDs and monitoring objects, and the plain
// manifests deploy/operator/runnel-operator.yaml (`helm template` of the chart; needs the helm test
// tool, `npm run kube:build`). test/process/helm-chart.test.ts fails when any of them drifts.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { builtTestTool } from '@runnel/test-kube';
import { REPO_ROOT, renderChartFiles, renderPlainManifests } from './render-chart-files.ts';

for (const file of renderChartFiles()) {
  await mkdir(dirname(`${REPO_ROOT}${file.path}`), { recursive: true });
  await writeFile(`${REPO_ROOT}${file.path}`, file.text);
  console.log(`wrote ${file.path}`);
}
const plain = await renderPlainManifests(await builtTestTool('helm'));
await mkdir(dirname(`${REPO_ROOT}${plain.path}`), { recursive: true });
await writeFile(`${REPO_ROOT}${plain.path}`, plain.text);
console.log(`wrote ${plain.path}`);
