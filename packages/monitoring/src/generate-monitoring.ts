// `npm run gen:monitoring -w @runnel/monitoring`: writes deploy/monitoring/* and docs/monitoring.md
// from the TypeScript sources. monitoring.test.ts fails when the checked-in files differ from what
// this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderMonitoringDoc } from './docs/monitoring-doc.ts';
import { renderMonitoring } from './render-monitoring.ts';

/** deploy/monitoring of the repository. */
export const MONITORING_DIRECTORY = fileURLToPath(new URL('../../../deploy/monitoring/', import.meta.url));
/** docs/monitoring.md of the repository. */
export const MONITORING_DOC = fileURLToPath(new URL('../../../docs/monitoring.md', import.meta.url));

if (import.meta.main) {
  await mkdir(MONITORING_DIRECTORY, { recursive: true });
  for (const file of renderMonitoring()) {
    await writeFile(`${MONITORING_DIRECTORY}${file.file}`, file.text);
    console.log(`wrote deploy/monitoring/${file.file}`);
  }
  await writeFile(MONITORING_DOC, renderMonitoringDoc());
  console.log('wrote docs/monitoring.md');
}
