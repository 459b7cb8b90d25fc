// `npm run kube:build`: builds the pinned control-plane binaries into the cache unless present.
import { ensureKubeBinaries, findKubeBinaries } from '../build/kube-binaries.ts';
import { pins } from '../build/pins.ts';

const started = performance.now();
const cached = await findKubeBinaries();
const binaries = cached ?? (await ensureKubeBinaries({ log: (line) => console.error(line) }));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.error(
  `kube:build ${cached ? 'cached' : 'built'} Kubernetes ${pins.kubernetes}, etcd ${pins.etcd}, helm ${pins.helm} in ${seconds} s: ${binaries.binDir}`,
);
