// `npm run gen:crds -w @runnel/metadata`: writes deploy/crds/*.yaml from the TypeScript schemas.
// crds.test.ts fails when the checked-in files differ from what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderCrds } from './render-crds.ts';

/** deploy/crds of the repository. */
export const CRD_DIRECTORY = fileURLToPath(new URL('../../../../deploy/crds/', import.meta.url));

if (import.meta.main) {
  await mkdir(CRD_DIRECTORY, { recursive: true });
  for (const crd of renderCrds()) {
    await writeFile(`${CRD_DIRECTORY}${crd.file}`, crd.yaml);
    console.log(`wrote deploy/crds/${crd.file}`);
  }
}
