/**
 * What a V8 heap snapshot holds, grouped by constructor (objects) or by kind
 * (strings, arrays, code…), largest self size first, optionally divided by a
 * number of subscriptions: where the bytes per subscription go.
 *
 *   npx tsx bench/heap-summary.ts FILE.heapsnapshot [SUBSCRIPTIONS] [TOP]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: unknown[] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/** One group of heap nodes. */
export interface HeapGroup {
  readonly name: string;
  readonly count: number;
  readonly selfBytes: number;
}

/** Groups the snapshot's nodes by constructor / kind, largest first. */
export function summarizeHeap(snap: HeapSnapshot): HeapGroup[] {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const groups = new Map<string, { count: number; selfBytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]] ?? '?';
    const name = type === 'object' || type === 'closure' ? `${snap.strings[snap.nodes[i + iName]]}` : `(${type})`;
    const key = type === 'closure' ? `${name}()` : name;
    const g = groups.get(key) ?? { count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += snap.nodes[i + iSize];
    groups.set(key, g);
  }
  return [...groups.entries()].map(([name, g]) => ({ name, ...g })).sort((a, b) => b.selfBytes - a.selfBytes);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: heap-summary.ts FILE.heapsnapshot [SUBSCRIPTIONS] [TOP]');
    process.exit(2);
  }
  const per = Number(process.argv[3] ?? '1');
  const top = Number(process.argv[4] ?? '30');
  const groups = summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot);
  const total = groups.reduce((s, g) => s + g.selfBytes, 0);
  console.log(
    `${file}: ${(total / 2 ** 20).toFixed(1)} MiB self size in total; per ${per > 1 ? 'subscription' : 'snapshot'}:`,
  );
  console.log('  bytes'.padStart(12) + 'count'.padStart(10) + '  constructor / kind');
  for (const g of groups.slice(0, top)) {
    console.log((g.selfBytes / per).toFixed(0).padStart(12) + (g.count / per).toFixed(2).padStart(10) + '  ' + g.name);
  }
}
