import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The condition reasons and Event reasons the operator can write, read from its source code (so
 * the troubleshooting guide's coverage test follows the code, not a copy of a list). A reason is a
 * string literal that is the value of a `reason` or `readyReason` property (through `?:` branches),
 * or the reason argument of a reconciler's `#event(resource, type, reason, message)`.
 */

/** The resource kinds a reason is reported on. */
export type ReasonKind = 'Cluster' | 'Topic';

/** One reason, where it is written and on what. */
export interface OperatorReason {
  readonly reason: string;
  /** Condition reason (`status.conditions[].reason`) or Event reason (`kubectl get events`). */
  readonly on: 'condition' | 'event';
  readonly kinds: readonly ReasonKind[];
  /** Source files (relative to packages/operator/src) that write it. */
  readonly files: readonly string[];
}

export const OPERATOR_SOURCE = fileURLToPath(new URL('../../../operator/src/', import.meta.url));

/** The kinds a file reconciles: `topic/` Topics, `cluster/` Clusters, shared helpers both. */
function kindsOf(file: string): ReasonKind[] {
  if (file.startsWith('topic/')) return ['Topic'];
  if (file.startsWith('cluster/')) return ['Cluster'];
  return ['Cluster', 'Topic'];
}

/** String literals an expression can evaluate to, through `?:` branches and parentheses. */
function literals(node: ts.Expression): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isConditionalExpression(node)) return [...literals(node.whenTrue), ...literals(node.whenFalse)];
  if (ts.isParenthesizedExpression(node)) return literals(node.expression);
  return [];
}

/** Reasons written by one source file. */
export function reasonsInSource(file: string, text: string): Array<{ reason: string; on: 'condition' | 'event' }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ reason: string; on: 'condition' | 'event' }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && (node.name.text === 'reason' || node.name.text === 'readyReason')) {
      for (const reason of literals(node.initializer)) found.push({ reason, on: 'condition' });
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isPrivateIdentifier(node.expression.name) && node.expression.name.text === '#event') {
      const arg = node.arguments[2];
      if (arg !== undefined) for (const reason of literals(arg)) found.push({ reason, on: 'event' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every reason the operator writes, sorted by name (test files and test support excluded). */
export async function operatorReasons(root = OPERATOR_SOURCE): Promise<OperatorReason[]> {
  const files = (await readdir(root, { recursive: true }))
    .map((f) => relative(root, join(root, f)).split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('testing/'));
  const byKey = new Map<string, { reason: string; on: 'condition' | 'event'; kinds: Set<ReasonKind>; files: Set<string> }>();
  for (const file of files.sort()) {
    for (const { reason, on } of reasonsInSource(file, await readFile(join(root, file), 'utf8'))) {
      const key = `${on}:${reason}`;
      const entry = byKey.get(key) ?? { reason, on, kinds: new Set(), files: new Set() };
      for (const k of kindsOf(file)) entry.kinds.add(k);
      entry.files.add(file);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()]
    .map((e) => ({ reason: e.reason, on: e.on, kinds: [...e.kinds].sort(), files: [...e.files] }))
    .sort((a, b) => a.on.localeCompare(b.on) || a.reason.localeCompare(b.reason));
}
