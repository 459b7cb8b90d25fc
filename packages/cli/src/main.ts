#!/usr/bin/env node
// The `runnel` command. Placeholder until the CLI lands.
console.error('runnel: not built yet');
process.exitCode = 1;
