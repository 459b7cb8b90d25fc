/**
 * Histories as JSONL (one event per line), so a workload in another process can stream its
 * history to a file and the test can check it. Parsing validates every field and names the line
 * that is wrong: a truncated or garbled history must fail loudly, never check as "no anomalies".
 */
import type { HistoryEvent, ObservedRecord } from './history-types.ts';
import { HistoryFormatError } from './check-history.ts';

/** One event as a JSON line (with the trailing newline). */
export function historyEventToJsonl(event: HistoryEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** A whole history as JSONL. */
export function historyToJsonl(events: readonly HistoryEvent[]): string {
  return events.map(historyEventToJsonl).join('');
}

/**
 * Parses JSONL written by {@link historyToJsonl}. Blank lines are skipped; a final line without
 * a newline is accepted only if it parses (a writer killed mid-line leaves garbage: an error).
 * @throws HistoryFormatError naming the line and the field
 */
export function parseHistoryJsonl(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new HistoryFormatError(`History line ${i + 1} is not JSON (${(err as Error).message}): ${line.slice(0, 80)}`);
    }
    events.push(toEvent(raw, i + 1));
  });
  return events;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const FS = new Set(['send', 'read', 'drain', 'delete']);
const ACKS = new Set(['all', 'leader', 'none']);

function toEvent(raw: unknown, line: number): HistoryEvent {
  const bad = (what: string): never => {
    throw new HistoryFormatError(`History line ${line}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('expected a JSON object');
  const o = raw as Record<string, unknown>;
  const int = (key: string): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(`${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  };
  const str = (key: string): string => {
    const v = o[key];
    return typeof v === 'string' ? v : bad(`${key} must be a string, got ${JSON.stringify(v)}`);
  };
  const type = str('type');
  const f = str('f');
  if (!TYPES.has(type)) bad(`unknown type ${JSON.stringify(type)}`);
  if (!FS.has(f)) bad(`unknown f ${JSON.stringify(f)}`);
  const time = o.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) bad(`time must be a number, got ${JSON.stringify(time)}`);
  const base = { id: int('id'), process: str('process'), partition: str('partition'), time: time as number };
  if (f === 'send') {
    const value = str('value');
    if (type === 'invoke') {
      const acks = str('acks');
      if (!ACKS.has(acks)) bad(`acks must be all, leader or none, got ${JSON.stringify(acks)}`);
      return { ...base, type, f, value, acks: acks as 'all' | 'leader' | 'none' };
    }
    if (type === 'ok') return { ...base, type, f, value, offset: int('offset') };
    return { ...base, type: type as 'fail' | 'info', f, value, error: str('error') };
  }
  if (f === 'delete') {
    if (type === 'invoke') return { ...base, type, f, offset: int('offset') };
    if (type === 'ok') return { ...base, type, f, logStartOffset: int('logStartOffset') };
    return { ...base, type: type as 'fail' | 'info', f, error: str('error') };
  }
  const kind = f as 'read' | 'drain';
  if (type === 'invoke') return { ...base, type, f: kind, offset: int('offset') };
  if (type === 'ok') {
    const records = o.records;
    if (!Array.isArray(records)) return bad('records must be an array');
    const parsed: ObservedRecord[] = records.map((r: unknown, j) => {
      const rec = r as Record<string, unknown> | null;
      const offset = rec?.offset;
      const value = rec?.value;
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || typeof value !== 'string') {
        return bad(`records[${j}] must be {offset: integer >= 0, value: string}`);
      }
      return { offset, value };
    });
    return { ...base, type, f: kind, records: parsed };
  }
  return { ...base, type: type as 'fail' | 'info', f: kind, error: str('error') };
}
