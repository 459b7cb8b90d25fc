import { Admin, type GroupDescription, type ResetTarget } from '@runnel/client';
import { BOOTSTRAP_OPTION, bootstrapOf, intFlag, parse, type Options, type Parsed } from '../args.ts';
import { textTable } from '../text-table.ts';
import { UsageError } from '../usage-error.ts';

export const GROUPS_USAGE = `Usage: runnel groups <list|describe|reset-offsets|delete> [options]

  runnel groups list
  runnel groups describe GROUP [GROUP ...]
  runnel groups reset-offsets GROUP (--to-earliest | --to-latest | --to-offset N |
                              --to-datetime ISO8601|@TIMESTAMP_MS | --by-duration 30m)
                              [--topic TOPIC[:P,P...] ...] [--execute]
  runnel groups delete GROUP [GROUP ...]

reset-offsets needs a group with no members; without --execute it only shows the plan (a dry
run). --topic limits it to a topic or some of its partitions (default: every partition the group
has committed).

Options:
  -b, --bootstrap HOST:PORT  brokers (default $RUNNEL_BOOTSTRAP or 127.0.0.1:9092)
  --json                     machine-readable output (list, describe, reset-offsets)
  -h, --help                 show this help`;

const OPTIONS: Options = {
  ...BOOTSTRAP_OPTION,
  json: { type: 'boolean' },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-offset': { type: 'string' },
  'to-datetime': { type: 'string' },
  'by-duration': { type: 'string' },
  topic: { type: 'string', multiple: true },
  execute: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The reset target from exactly one --to-... / --by-duration flag. */
function resetTarget(p: Parsed): ResetTarget {
  const given = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'by-duration'].filter((f) => p.values[f] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(given.length === 0 ? 'reset-offsets needs one of --to-earliest, --to-latest, --to-offset, --to-datetime, --by-duration' : `Give only one of ${given.map((f) => `--${f}`).join(', ')}`, GROUPS_USAGE);
  }
  const flag = given[0]!;
  if (flag === 'to-earliest') return 'earliest';
  if (flag === 'to-latest') return 'latest';
  if (flag === 'to-offset') return { offset: intFlag(p, 'to-offset', GROUPS_USAGE, 0, 0) };
  const raw = String(p.values[flag]);
  if (flag === 'to-datetime') {
    const ms = /^@\d+$/.test(raw) ? Number(raw.slice(1)) : /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isSafeInteger(ms) || ms < 0) throw new UsageError(`Invalid value for --to-datetime: "${raw}" (expected an ISO 8601 date-time such as 2026-12-04T10:00:00Z, or @TIMESTAMP_MS)`, GROUPS_USAGE);
    return { timestamp: ms };
  }
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(raw);
  if (!m) throw new UsageError(`Invalid value for --by-duration: "${raw}" (expected a number and a unit: ms, s, m, h or d, e.g. 30m)`, GROUPS_USAGE);
  return { durationMs: Number(m[1]) * DURATION_UNITS[m[2]!]! };
}

/** --topic TOPIC or TOPIC:0,2 as the partitions to reset. */
function topicsOf(p: Parsed): Array<{ topic: string; partitions: number[] }> {
  return ((p.values['topic'] as unknown as string[] | undefined) ?? []).map((spec) => {
    const m = /^([^:]+)(?::(\d+(?:,\d+)*))?$/.exec(spec);
    if (!m) throw new UsageError(`Invalid value for --topic: "${spec}" (expected TOPIC or TOPIC:PARTITION[,PARTITION...])`, GROUPS_USAGE);
    return { topic: m[1]!, partitions: m[2] === undefined ? [] : m[2].split(',').map(Number) };
  });
}

const offsetText = (n: number): string => (n < 0 ? '-' : String(n));

/** One group as a header line and a table with a row per partition (LAG per partition). */
export function formatGroup(g: GroupDescription): string {
  const member = new Map(g.members.map((m) => [m.memberId, m.instanceId === undefined ? m.memberId : `${m.memberId} (${m.instanceId})`]));
  const head = `Group: ${g.groupId}  State: ${g.state}  Epoch: ${g.groupEpoch}  Members: ${g.members.length}  Coordinator: ${g.coordinatorId}\n`;
  if (g.offsets.length === 0) return `${head}(no partitions assigned or committed)\n`;
  const rows = g.offsets.map((o) => [
    o.topic,
    String(o.partition),
    offsetText(o.committedOffset),
    offsetText(o.logEndOffset),
    o.lag < 0 ? '-' : String(o.lag),
    o.memberId === undefined ? '-' : (member.get(o.memberId) ?? o.memberId),
    o.error === undefined ? '' : `${o.error.code}: ${o.error.message}`,
  ]);
  return head + textTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER', 'ERROR'], rows);
}

/** `runnel groups ...`. */
export async function groupsCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help') {
    process.stdout.write(`${GROUPS_USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  if (!['list', 'describe', 'reset-offsets', 'delete'].includes(action)) {
    throw new UsageError(`Unknown groups action "${action}" (expected list, describe, reset-offsets or delete)`, GROUPS_USAGE);
  }
  const p = parse(rest, OPTIONS, GROUPS_USAGE, 1000);
  if (p.values['help']) {
    process.stdout.write(`${GROUPS_USAGE}\n`);
    return 0;
  }
  const json = p.values['json'] === true;
  if (action === 'list' && p.positionals.length > 0) throw new UsageError(`Unexpected argument "${p.positionals[0]}"`, GROUPS_USAGE);
  if (action !== 'list' && p.positionals.length === 0) throw new UsageError(`groups ${action} needs a GROUP`, GROUPS_USAGE);
  if (action === 'reset-offsets' && p.positionals.length > 1) throw new UsageError(`Unexpected argument "${p.positionals[1]}" (reset-offsets takes one GROUP)`, GROUPS_USAGE);
  const target = action === 'reset-offsets' ? resetTarget(p) : undefined;
  const topics = action === 'reset-offsets' ? topicsOf(p) : [];
  const admin = new Admin({ bootstrap: bootstrapOf(p), requestTimeoutMs: 15_000 });
  try {
    switch (action) {
      case 'list': {
        const { groups, errors } = await admin.listGroups();
        for (const e of errors) process.stderr.write(`runnel groups: ${e.code}: ${e.message}\n`);
        if (json) process.stdout.write(`${JSON.stringify(groups)}\n`);
        else process.stdout.write(groups.length === 0 ? '(no groups)\n' : textTable(['GROUP', 'STATE', 'MEMBERS', 'COORDINATOR'], groups.map((g) => [g.groupId, g.state, String(g.members), String(g.coordinatorId)])));
        return errors.length === 0 ? 0 : 1;
      }
      case 'describe': {
        const groups = await admin.describeGroups(p.positionals);
        if (json) process.stdout.write(`${JSON.stringify(groups.map((g) => ({ ...g, offsets: g.offsets.map((o) => ({ ...o, error: o.error === undefined ? undefined : { code: o.error.code, message: o.error.message } })) })))}\n`);
        else process.stdout.write(groups.map(formatGroup).join('\n'));
        return 0;
      }
      case 'reset-offsets': {
        const groupId = p.positionals[0]!;
        const execute = p.values['execute'] === true;
        if (execute && p.values['dry-run'] === true) throw new UsageError('Give only one of --execute, --dry-run', GROUPS_USAGE);
        const results = await admin.resetOffsets(groupId, target!, { partitions: topics, dryRun: !execute });
        if (json) {
          process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, error: r.error === undefined ? undefined : { code: r.error.code, message: r.error.message } })))}\n`);
        } else {
          process.stdout.write(textTable(['TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET', 'ERROR'], results.map((r) => [r.topic, String(r.partition), offsetText(r.previousOffset), offsetText(r.newOffset), r.error === undefined ? '' : `${r.error.code}: ${r.error.message}`])));
        }
        if (!execute) process.stderr.write(`runnel groups: dry run, nothing written; add --execute to reset the offsets of group ${groupId}\n`);
        return results.some((r) => r.error !== undefined) ? 1 : 0;
      }
      default: {
        await admin.deleteGroups(p.positionals);
        for (const g of p.positionals) process.stdout.write(`deleted group ${g}\n`);
        return 0;
      }
    }
  } finally {
    await admin.close();
  }
}
