// The benchmark report of the client/broker data plane: `node test/bench/run.ts [bench options]`
// is `runnel bench all`: it starts `runnel broker` in its own process (fsync durability, the
// default), runs the matrix from this process (a separate client process) and prints one table:
// ceilings (loopback TCP, bare grpc-js ProduceStream, disk write+fdatasync), 1 KiB produce and
// consume with their ratios to the grpc-js ceiling, 100 B records/s, e2e latency at half the max
// 1 KiB rate, and broker RSS with 100 partitions under load. Pass --json for one JSON object.
// Benchmarks print figures; they are never timed tests.
import { runCli } from '@runnel/cli';

process.exitCode = await runCli(['bench', 'all', ...process.argv.slice(2)]);
