import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTORS } from '../alerts/alert-rule.ts';
import { alertRules } from '../alerts/render-rules.ts';
import { renderDashboard } from '../dashboard/render-dashboard.ts';
import { MONITORING_DOC } from '../generate-monitoring.ts';
import { renderMonitoringDoc } from './monitoring-doc.ts';

describe('docs/monitoring.md', () => {
  it('is what the generator writes (run `npm run gen:monitoring -w @runnel/monitoring` after a change)', async () => {
    expect(await readFile(MONITORING_DOC, 'utf8'), 'docs/monitoring.md is stale').toBe(renderMonitoringDoc());
  });

  it('lists every alert with its severity, expression and runbook link', () => {
    const doc = renderMonitoringDoc();
    for (const a of alertRules()) {
      expect(doc).toContain(`| ${a.alert} | ${a.severity} | ${a.for} |`);
      expect(doc).toContain(`[${a.alert}.md](runbooks/${a.alert}.md)`);
      expect(doc).toContain(`### ${a.alert}\n`);
      expect(doc).toContain(`\`\`\`promql\n${a.expr}\n\`\`\``);
    }
  });

  it('lists every panel of the rendered dashboard JSON with each of its queries', () => {
    const doc = renderMonitoringDoc();
    const dashboard = renderDashboard(DEFAULT_SELECTORS) as unknown as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(30);
    for (const p of dashboard.panels) {
      if (p.type === 'row') expect(doc).toContain(`### ${p.title}\n`);
      else expect(doc).toContain(`| ${p.title.replaceAll('|', '\\|')} | ${p.type} |`);
      for (const t of p.targets ?? []) expect(doc, `${p.title}: ${t.expr}`).toContain(`\`${t.expr.replaceAll('|', '\\|')}\``);
    }
  });
});
