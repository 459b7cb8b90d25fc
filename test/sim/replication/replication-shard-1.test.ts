// Shard 1 of the replication simulation (see replication-suite.ts); two files so vitest runs them in parallel.
import { defineReplicationSuite } from './replication-suite.ts';

defineReplicationSuite(0);
