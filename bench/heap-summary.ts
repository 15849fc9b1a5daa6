/**
 * What a V8 heap snapshot holds, grouped by constructor (objects) or by kind
 * (strings, arrays, code…), largest self size first, optionally divided by a
 * number of subscriptions: where the bytes per subscription go. With
 * `--retainers N` each group also names the first N links that hold it
 * (`(array) ← Map.table ← LiveTable.byId`); with `--base FILE` the groups of
 * a snapshot taken before loading are subtracted (growth only).
 *
 * The file is read as bytes and its number arrays and strings are parsed
 * piece by piece, so snapshots larger than V8's longest string (~512 MiB,
 * 100,000 subscriptions) work too.
 *
 *   npx tsx bench/heap-summary.ts FILE.heapsnapshot [SUBSCRIPTIONS] [TOP] [--base FILE] [--retainers N]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** A heap snapshot's tables, parsed. */
export interface HeapSnapshot {
  readonly nodeFields: readonly string[];
  readonly nodeTypes: readonly string[];
  readonly edgeFields: readonly string[];
  readonly edgeTypes: readonly string[];
  readonly nodes: Uint32Array;
  readonly edges: Uint32Array;
  readonly strings: readonly string[];
}

/** One group of heap nodes. */
export interface HeapGroup {
  readonly name: string;
  readonly count: number;
  readonly selfBytes: number;
}

interface Meta {
  readonly node_fields: string[];
  readonly node_types: [string[], ...unknown[]];
  readonly edge_fields: string[];
  readonly edge_types: [string[], ...unknown[]];
  readonly node_count: number;
  readonly edge_count: number;
}

const COMMA = 0x2c;
const CLOSE = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Parses the unsigned integers of the JSON array starting right after `at` (its `[`). */
function numbers(buf: Buffer, at: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let n = 0;
  let v = 0;
  let digits = false;
  for (let i = at; i < buf.length; i++) {
    const c = buf[i];
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      digits = true;
    } else if (c === COMMA || c === CLOSE) {
      if (digits) out[n++] = v;
      v = 0;
      digits = false;
      if (c === CLOSE) break;
    }
  }
  if (n !== count) throw new Error(`heap snapshot: expected ${count} numbers, read ${n}`);
  return out;
}

/** Parses the JSON strings of the array starting right after `at`, one at a time. */
function strings(buf: Buffer, at: number): string[] {
  const out: string[] = [];
  let i = at;
  for (;;) {
    while (i < buf.length && buf[i] !== QUOTE && buf[i] !== CLOSE) i++;
    if (i >= buf.length || buf[i] === CLOSE) return out;
    const start = i++;
    while (buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
    out.push(JSON.parse(buf.toString('utf8', start, ++i)) as string);
  }
}

function after(buf: Buffer, marker: string, from = 0): number {
  const at = buf.indexOf(marker, from, 'latin1');
  if (at < 0) throw new Error(`heap snapshot: no ${marker}`);
  return at + marker.length;
}

/** Reads a `.heapsnapshot` file of any size. */
export function readHeapSnapshot(file: string): HeapSnapshot {
  const buf = readFileSync(file);
  const nodesAt = after(buf, '"nodes":[');
  const head = buf.toString('utf8', 0, nodesAt - '"nodes":['.length).replace(/,\s*$/, '') + '}';
  const meta = (JSON.parse(head) as { snapshot: { meta: Meta } & Meta }).snapshot;
  const m = meta.meta;
  const nodes = numbers(buf, nodesAt, meta.node_count * m.node_fields.length);
  const edgesAt = after(buf, '"edges":[', nodesAt);
  const edges = numbers(buf, edgesAt, meta.edge_count * m.edge_fields.length);
  return {
    nodeFields: m.node_fields,
    nodeTypes: m.node_types[0],
    edgeFields: m.edge_fields,
    edgeTypes: m.edge_types[0],
    nodes,
    edges,
    strings: strings(buf, after(buf, '"strings":[', edgesAt)),
  };
}

/**
 * Groups the snapshot's nodes by constructor / kind, largest first; with
 * `retainers` > 0 by kind and the first `retainers` links of the path that
 * first reaches each node (an approximation: a shared node counts once, for
 * whichever holder the snapshot lists first).
 */
export function summarizeHeap(snap: HeapSnapshot, retainers = 0): HeapGroup[] {
  const width = snap.nodeFields.length;
  const ew = snap.edgeFields.length;
  const iType = snap.nodeFields.indexOf('type');
  const iName = snap.nodeFields.indexOf('name');
  const iSize = snap.nodeFields.indexOf('self_size');
  const iEdges = snap.nodeFields.indexOf('edge_count');
  const eType = snap.edgeFields.indexOf('type');
  const eName = snap.edgeFields.indexOf('name_or_index');
  const eTo = snap.edgeFields.indexOf('to_node');
  const count = snap.nodes.length / width;
  const { nodes, edges, strings } = snap;
  const kind = (n: number): string => {
    const type = snap.nodeTypes[nodes[n * width + iType]] ?? '?';
    if (type === 'closure') return `${strings[nodes[n * width + iName]]}()`;
    return type === 'object' ? strings[nodes[n * width + iName]] : `(${type})`;
  };
  // First holder of each node (strong edges only), and the edge's label.
  const parent = new Int32Array(count).fill(-1);
  const via = new Int32Array(count).fill(-1);
  if (retainers > 0) {
    for (let n = 0, e = 0; n < count; n++) {
      const end = e + nodes[n * width + iEdges] * ew;
      for (; e < end; e += ew) {
        const type = snap.edgeTypes[edges[e + eType]];
        if (type === 'weak' || type === 'shortcut') continue;
        const to = edges[e + eTo] / width;
        if (parent[to] < 0 && to !== n) {
          parent[to] = n;
          via[to] = e;
        }
      }
    }
  }
  const edgeLabel = (e: number): string => {
    const type = snap.edgeTypes[edges[e + eType]];
    return type === 'element' || type === 'hidden' ? '[]' : strings[edges[e + eName]];
  };
  const groups = new Map<string, { count: number; selfBytes: number }>();
  for (let n = 0; n < count; n++) {
    let key = kind(n);
    for (let d = 0, at = n; d < retainers && parent[at] >= 0; d++) {
      key += ` ← ${kind(parent[at])}.${edgeLabel(via[at])}`;
      at = parent[at];
    }
    const g = groups.get(key) ?? { count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += nodes[n * width + iSize];
    groups.set(key, g);
  }
  return [...groups.entries()].map(([name, g]) => ({ name, ...g })).sort((a, b) => b.selfBytes - a.selfBytes);
}

/** `groups` minus `base`, by name, largest growth first. */
export function heapGrowth(groups: readonly HeapGroup[], base: readonly HeapGroup[]): HeapGroup[] {
  const before = new Map(base.map((g) => [g.name, g]));
  return groups
    .map((g) => ({
      name: g.name,
      count: g.count - (before.get(g.name)?.count ?? 0),
      selfBytes: g.selfBytes - (before.get(g.name)?.selfBytes ?? 0),
    }))
    .sort((a, b) => b.selfBytes - a.selfBytes);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    return args.splice(at, 2)[1];
  };
  const baseFile = option('--base');
  const retainers = Number(option('--retainers') ?? '0');
  const [file, perArg, topArg] = args;
  if (file === undefined) {
    console.error('usage: heap-summary.ts FILE.heapsnapshot [SUBSCRIPTIONS] [TOP] [--base FILE] [--retainers N]');
    process.exit(2);
  }
  const per = Number(perArg ?? '1');
  const top = Number(topArg ?? '30');
  let groups = summarizeHeap(readHeapSnapshot(file), retainers);
  if (baseFile !== undefined) groups = heapGrowth(groups, summarizeHeap(readHeapSnapshot(baseFile), retainers));
  const total = groups.reduce((s, g) => s + g.selfBytes, 0);
  console.log(
    `${file}${baseFile === undefined ? '' : ` − ${baseFile}`}: ${(total / 2 ** 20).toFixed(1)} MiB self size in total; per ${per > 1 ? 'subscription' : 'snapshot'}:`,
  );
  console.log('  bytes'.padStart(12) + 'count'.padStart(10) + '  constructor / kind');
  for (const g of groups.slice(0, top)) {
    console.log((g.selfBytes / per).toFixed(0).padStart(12) + (g.count / per).toFixed(2).padStart(10) + '  ' + g.name);
  }
}
