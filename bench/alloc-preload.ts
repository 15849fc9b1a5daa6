/**
 * Loaded into the Herald server by bench/alloc.ts (`--import`): V8's sampling
 * heap profiler, counting objects collected by minor and major GC too, so the
 * profile says how many bytes each function allocates per call, not only what
 * survives. SIGUSR1 starts sampling; SIGUSR2 stops it and writes the profile
 * to the path in HERALD_ALLOC_PROFILE.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env['HERALD_ALLOC_PROFILE'];
const session = new Session();
session.connect();

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** One sample every 4 KiB allocated on average (V8's default is 32 KiB): finer per-call figures. */
const SAMPLING_INTERVAL = 4096;

if (out !== undefined) {
  await post('HeapProfiler.enable');
  process.on('SIGUSR1', () => {
    void post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  });
  process.on('SIGUSR2', () => {
    void post('HeapProfiler.stopSampling').then((r) => {
      writeFileSync(out, JSON.stringify((r as { profile: unknown }).profile));
    });
  });
}
