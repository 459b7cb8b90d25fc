import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alertRules } from '../alerts/render-rules.ts';
import { operatorReasons, reasonsInSource } from './operator-reasons.ts';

const GUIDE = fileURLToPath(new URL('../../../../docs/troubleshooting.md', import.meta.url));

/** `## Section` -> `### Entry` -> the entry's text, from the guide. */
async function sections(): Promise<Map<string, Map<string, string>>> {
  const text = await readFile(GUIDE, 'utf8');
  const out = new Map<string, Map<string, string>>();
  for (const section of text.split(/^## /m).slice(1)) {
    const [title, ...entries] = section.split(/^### /m);
    const map = new Map<string, string>();
    for (const entry of entries) map.set(entry.slice(0, entry.indexOf('\n')).trim(), entry);
    out.set(title!.slice(0, title!.indexOf('\n')).trim(), map);
  }
  return out;
}

/** The guide's section for conditions of these kinds. */
const conditionSection = (kinds: readonly string[]): string => (kinds.length === 2 ? 'Conditions on both Cluster and Topic' : `${kinds[0]} conditions`);

describe('docs/troubleshooting.md', () => {
  it('finds the reasons in the operator code (the list the guide is checked against)', async () => {
    const reasons = await operatorReasons();
    const conditions = reasons.filter((r) => r.on === 'condition');
    expect(conditions.length).toBeGreaterThan(15);
    // Spot checks of each way a reason is written: a literal, a ?: branch, the Ready reason, a roll wait, an Event.
    const find = (reason: string, on = 'condition') => reasons.find((r) => r.reason === reason && r.on === on);
    expect(find('NoClusterLabel')?.kinds).toEqual(['Topic']);
    expect(find('ScalingDown')?.kinds).toEqual(['Cluster']);
    expect(find('BrokersReady')?.kinds).toEqual(['Cluster']);
    expect(find('RestartWouldBreakMinIsr')?.files).toContain('cluster/roll-plan.ts');
    expect(find('UnderReplicated')?.kinds).toEqual(['Cluster', 'Topic']);
    expect(find('RestartingBroker', 'event')?.kinds).toEqual(['Cluster']);
  });

  it('the reason scanner reads literals, ?: branches and #event calls, and nothing else', () => {
    const source = `
      const a = { type: 'Ready', reason: 'One', message: 'x' };
      const b = { reason: ok ? 'Two' : other ? 'Three' : dynamic };
      const c = { readyReason: 'Four', kind: 'NotAReason' };
      if (x.reason !== 'NotAReasonEither') await this.#event(r, 'Warning', 'Five', 'msg');
      log({ reason });`;
    expect(reasonsInSource('cluster/x.ts', source)).toEqual([
      { reason: 'One', on: 'condition' }, { reason: 'Two', on: 'condition' }, { reason: 'Three', on: 'condition' },
      { reason: 'Four', on: 'condition' }, { reason: 'Five', on: 'event' },
    ]);
  });

  it('has an entry with what to check and what to do for every condition reason the operator writes, under its kind', async () => {
    const guide = await sections();
    const missing: string[] = [];
    for (const r of await operatorReasons()) {
      const section = r.on === 'event' ? 'Events' : conditionSection(r.kinds);
      const entry = guide.get(section)?.get(r.reason);
      if (entry === undefined) missing.push(`${section}: ${r.reason} (written in ${r.files.join(', ')})`);
      else for (const part of ['**Check:**', '**Do:**']) if (!entry.includes(part)) missing.push(`${section}: ${r.reason} lacks ${part}`);
    }
    expect(missing).toEqual([]);
  });

  it('has no entry for a reason the operator no longer writes', async () => {
    const reasons = await operatorReasons();
    const guide = await sections();
    const stale: string[] = [];
    for (const [section, entries] of guide) {
      if (section === 'Alerts' || section === 'Reading the state') continue;
      for (const name of entries.keys()) {
        const known = reasons.some((r) => r.reason === name && (section === 'Events' ? r.on === 'event' : r.on === 'condition' && conditionSection(r.kinds) === section));
        if (!known) stale.push(`${section}: ${name}`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('has an entry for every shipped alert, with what to check, what to do and a link to its runbook, and none for an alert that does not exist', async () => {
    const alerts = (await sections()).get('Alerts') ?? new Map<string, string>();
    const names = alertRules().map((r) => r.alert);
    expect([...alerts.keys()].sort()).toEqual([...names].sort());
    for (const name of names) {
      const entry = alerts.get(name)!;
      expect(entry, name).toContain(`(runbooks/${name}.md)`);
      expect(entry, name).toContain('**Check:**');
      expect(entry, name).toContain('**Do:**');
    }
  });
});
