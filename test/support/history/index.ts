// The history model and black-box checker (DESIGN.md §6, S1–S5) shared by the deterministic
// simulation (test/sim) and the multi-process chaos test (test/chaos). Its own tests are in
// test/sim/history/ (the vitest projects do not collect test/support).
export type {
  Acks,
  CompletionType,
  DeleteError,
  DeleteInvoke,
  DeleteOk,
  HistoryEvent,
  ObservedRecord,
  ReadError,
  ReadInvoke,
  ReadKind,
  ReadOk,
  SendError,
  SendInvoke,
  SendOk,
} from './history-types.ts';
export { HistoryRecorder, type HistoryRecorderOptions, type DeleteHandle, type ReadHandle, type SendHandle } from './history-recorder.ts';
export {
  checkHistory,
  formatCheckResult,
  HistoryFormatError,
  type Anomaly,
  type BlackBoxInvariant,
  type CheckResult,
  type HistoryCounts,
} from './check-history.ts';
export { historyEventToJsonl, historyToJsonl, parseHistoryJsonl } from './history-jsonl.ts';
