import { BigValueColorMode, LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DEFAULT_SELECTORS, type MonitoringSelectors } from '../alerts/alert-rule.ts';
import { dashboardRows, type PanelSpec } from './dashboard-panels.ts';

/** The dashboard's uid: stable, so provisioning replaces it in place rather than adding a copy. */
export const DASHBOARD_UID = 'runnel-overview';

/** A template variable filled from the label values of a series selector. */
export interface LabelVariable {
  readonly name: string;
  readonly label: string;
  /** The selector whose series carry `label`. */
  readonly selector: string;
}

/** The `namespace` and `cluster` variables every broker panel filters on. */
export function dashboardVariables(s: MonitoringSelectors): LabelVariable[] {
  return [
    { name: 'namespace', label: 'namespace', selector: `up{${s.broker}}` },
    { name: 'cluster', label: 'runnel_cluster', selector: `runnel_broker_partitions{${s.broker}, namespace=~"$namespace"}` },
  ];
}

const datasource = { type: 'prometheus', uid: '${datasource}' };

function panel(spec: PanelSpec, id: number): StatPanelBuilder | TimeseriesPanelBuilder {
  const targets = spec.queries.map((query, i) =>
    new DataqueryBuilder().expr(query.expr).legendFormat(query.legend).refId(String.fromCharCode(65 + i)).datasource(datasource));
  if (spec.kind === 'stat') {
    const built = new StatPanelBuilder()
      .id(id).title(spec.title).description(spec.description).unit(spec.unit).datasource(datasource).span(3).height(4)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields(''));
    // Explicit steps, else Grafana's default turns any value above 80 red. The base step's null
    // value means "from minus infinity".
    const steps = [{ value: null, color: 'green' }, ...(spec.redFrom === undefined ? [] : [{ value: spec.redFrom, color: 'red' }])];
    built.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps))
      .colorMode(spec.redFrom === undefined ? BigValueColorMode.None : BigValueColorMode.Background);
    for (const t of targets) built.withTarget(t);
    return built;
  }
  const built = new TimeseriesPanelBuilder()
    .id(id).title(spec.title).description(spec.description).unit(spec.unit).datasource(datasource).span(8).height(8)
    .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).showLegend(true).calcs([]));
  for (const t of targets) built.withTarget(t);
  return built;
}

/**
 * The Grafana dashboard, built with the Grafana Foundation SDK (Apache-2.0; Grafana itself is
 * never a dependency). It selects its Prometheus through the `datasource` variable, so it imports
 * into any Grafana without editing.
 */
export function renderDashboard(selectors: MonitoringSelectors = DEFAULT_SELECTORS): Dashboard {
  const builder = new DashboardBuilder('Runnel')
    .uid(DASHBOARD_UID)
    .description('Runnel brokers and operator: cluster health, throughput, latency, partitions, disk, replication and Lease writes.')
    .tags(['runnel', 'generated'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
  for (const v of dashboardVariables(selectors)) {
    builder.withVariable(new QueryVariableBuilder(v.name)
      .label(v.name)
      .query(`label_values(${v.selector}, ${v.label})`)
      .datasource(datasource)
      .multi(true).includeAll(true).allValue('.*')
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc));
  }
  let id = 1;
  for (const row of dashboardRows(selectors)) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    for (const spec of row.panels) builder.withPanel(panel(spec, id++));
  }
  return builder.build();
}
