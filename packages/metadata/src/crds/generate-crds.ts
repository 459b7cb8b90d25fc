// `npm run gen:crds -w @runnel/metadata`: writes deploy/crds/*.yaml from the TypeScript schemas, and
// docs/configuration.md (the field reference) from the same CRDs. crds.test.ts and
// config-reference.test.ts fail when the checked-in files differ from what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './config-reference.ts';
import { renderCrds } from './render-crds.ts';

/** deploy/crds of the repository. */
export const CRD_DIRECTORY = fileURLToPath(new URL('../../../../deploy/crds/', import.meta.url));
/** docs/configuration.md of the repository. */
export const CONFIG_REFERENCE_FILE = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));

if (import.meta.main) {
  await mkdir(CRD_DIRECTORY, { recursive: true });
  for (const crd of renderCrds()) {
    await writeFile(`${CRD_DIRECTORY}${crd.file}`, crd.yaml);
    console.log(`wrote deploy/crds/${crd.file}`);
  }
  await writeFile(CONFIG_REFERENCE_FILE, renderConfigReference());
  console.log('wrote docs/configuration.md');
}
