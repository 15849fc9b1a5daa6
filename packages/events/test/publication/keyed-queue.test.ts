import t from 'tap';
import { KeyedQueue } from '../../src/publication/keyed-queue.js';

const tick = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

t.test('tasks of one key run one at a time in order; other keys do not wait', async (t) => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const a1 = q.run('a', async () => {
    log.push('a1 start');
    await gate;
    log.push('a1 end');
    return 1;
  });
  const a2 = q.run('a', async () => {
    log.push('a2');
    return 2;
  });
  const b1 = q.run('b', async () => {
    log.push('b1');
    return 3;
  });
  await tick();
  t.same(log, ['a1 start', 'b1'], 'a2 waits for a1; b1 does not');
  t.equal(q.size, 1, 'only key a still busy');
  release();
  t.same(await Promise.all([a1, a2, b1]), [1, 2, 3]);
  t.same(log, ['a1 start', 'b1', 'a1 end', 'a2']);
  await tick();
  t.equal(q.size, 0, 'idle keys are forgotten');
});

t.test('a failing task rejects its own promise only', async (t) => {
  const q = new KeyedQueue();
  const failed = q.run('k', async () => {
    throw new Error('boom');
  });
  const next = q.run('k', async () => 'fine');
  await t.rejects(failed, /boom/);
  t.equal(await next, 'fine');
});
