// Test support of @runnel/monitoring (the `./testing` entry): a real Prometheus to scrape brokers
// and the operator and to evaluate the shipped rules and dashboard queries.
export {
  PrometheusQueryError,
  podMonitorScrapeConfig,
  startPrometheus,
  type PrometheusOptions,
  type PrometheusServer,
  type QueryResult,
  type RuleStatus,
  type ScrapeJob,
  type TargetStatus,
  type VectorSample,
} from './prometheus-server.ts';
