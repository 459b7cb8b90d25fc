// Shard 2 of the replication simulation (see replication-suite.ts); two files so vitest runs them in parallel.
import { defineReplicationSuite } from './replication-suite.ts';

defineReplicationSuite(1);
