/**
 * Child process of the memory benchmark (bench/memory.ts forks it with
 * `--expose-gc`): a Herald Server on TCP 127.0.0.1 (port chosen by the OS),
 * memory store, the benchmark configuration. Protocol over the IPC channel:
 * it sends `{ port }` once listening; on `"measure"` it collects garbage and
 * answers `{ memory, v8 }` (process.memoryUsage() after GC, and how much of
 * the RSS V8's heap pages are: `v8.getHeapStatistics()`); on `"peek"` it
 * answers `{ memory }` without collecting garbage; on `{ snapshot: FILE }`
 * it writes a V8 heap snapshot there (bench/heap-summary.ts reads it); on
 * `"stop"` it stops the server and exits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { Server, validateConfig } from '@herald/server';
import { benchConfig } from './servers.js';

const raw = benchConfig(0, 'memory', mkdtempSync(join(tmpdir(), 'herald-bench-mem-')));
// Loading as fast as it can saturates the server on purpose: no load shedding here.
const limits = { ...(raw['limits'] as Record<string, unknown>), overloadPercent: 0 };
const verdict = validateConfig({ ...raw, listen: ['tcp:127.0.0.1:0'], limits });
if (!verdict.ok) throw new Error(verdict.error);
const server = new Server(verdict.config);
await server.start();

const gc = (globalThis as { gc?: () => void }).gc;

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  // Several passes with turns of the event loop in between, so weak refs and finalizers settle.
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}

process.on('message', (msg: unknown) => {
  if (msg === 'peek') {
    // No GC: a forced collection counts as activity and postpones V8's memory reducer.
    process.send?.({ memory: process.memoryUsage() });
  } else if (msg === 'measure') {
    void settledMemory().then((memory) => {
      const h = getHeapStatistics();
      const v8 = { physical: h.total_physical_size, used: h.used_heap_size, malloced: h.malloced_memory };
      process.send?.({ memory, v8, subscriptions: server.watchers.all().length, gc: gc !== undefined });
    });
  } else if (typeof msg === 'object' && msg !== null && typeof (msg as { snapshot?: unknown }).snapshot === 'string') {
    const file = writeHeapSnapshot((msg as { snapshot: string }).snapshot);
    process.send?.({ snapshot: file });
  } else if (msg === 'stop') {
    void server.stop().then(() => process.exit(0));
  }
});
process.send?.({ port: server.ports[0]?.port });
