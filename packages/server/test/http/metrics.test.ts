// The metrics registry and the Prometheus text format it renders, parsed back line by line.
import t from 'tap';
import { Metrics } from '../../src/http/metrics.js';
import { createServerMetrics } from '../../src/http/server-metrics.js';

interface Family {
  help?: string;
  type?: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

/** A strict reader of the text exposition format 0.0.4 (what Prometheus would accept from us). */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const get = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { samples: [] }));
    return f;
  };
  if (!text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      get(m[1] as string).help = (m[2] as string).replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line);
    if (m) {
      const f = get(m[1] as string);
      if (f.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
      f.type = m[2] as string;
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < body.length) {
      re.lastIndex = at;
      const l = re.exec(body);
      if (!l) throw new Error(`bad labels: ${body}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = re.lastIndex;
    }
    const f = families.get(m[1] as string);
    if (f?.type === undefined) throw new Error(`sample before TYPE: ${line}`);
    const raw = m[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value: ${raw}`);
    f.samples.push({ labels, value });
  }
  return families;
}

t.test('counters and gauges render and parse back', async (t) => {
  const m = new Metrics();
  const c = m.counter('herald_things_total', 'Things seen.', ['kind']);
  const g = m.gauge('herald_level', 'A level.');
  const lg = m.gauge('herald_by_event', 'Per event.', ['event']);
  c.inc({ kind: 'a' });
  c.inc({ kind: 'a' }, 2);
  c.inc({ kind: 'b' }, 0.5);
  g.set(4);
  g.inc();
  g.dec({}, 2);
  lg.set({ event: 'presence' }, 10);
  lg.inc({ event: 'dialog' });
  lg.dec({ event: 'presence' }, 3);

  t.equal(c.get({ kind: 'a' }), 3);
  t.equal(c.get({ kind: 'zzz' }), 0, 'an untouched series is 0');
  t.equal(g.get(), 3);
  t.equal(lg.get({ event: 'presence' }), 7);

  const text = m.render();
  const fams = parseExposition(text);
  t.same([...fams.keys()], ['herald_things_total', 'herald_level', 'herald_by_event'], 'registration order');
  t.same(fams.get('herald_things_total'), {
    help: 'Things seen.',
    type: 'counter',
    samples: [
      { labels: { kind: 'a' }, value: 3 },
      { labels: { kind: 'b' }, value: 0.5 },
    ],
  });
  t.same(fams.get('herald_level'), { help: 'A level.', type: 'gauge', samples: [{ labels: {}, value: 3 }] });
  t.same(fams.get('herald_by_event')?.samples, [
    { labels: { event: 'presence' }, value: 7 },
    { labels: { event: 'dialog' }, value: 1 },
  ]);
  t.match(text, /^herald_things_total\{kind="a"\} 3$/m, 'name{label="v"} value');
});

t.test('unlabelled families show 0 before any change; labelled ones only HELP and TYPE', async (t) => {
  const m = new Metrics();
  m.counter('a_total', 'A.');
  m.gauge('b', 'B.', ['x']);
  t.equal(m.render(), '# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b B.\n# TYPE b gauge\n');
  t.equal(new Metrics().render(), '', 'an empty registry renders nothing');
});

t.test('escaping of label values and help text', async (t) => {
  const m = new Metrics();
  const c = m.counter('esc_total', 'Back\\slash and\nnewline.', ['v']);
  const hostile = 'a"b\\c\nd}{,e="f"';
  c.inc({ v: hostile });
  const text = m.render();
  t.match(text, /^# HELP esc_total Back\\\\slash and\\nnewline\.$/m);
  t.equal(text.split('\n').length, 4, 'HELP, TYPE, one sample: no raw line feed leaks into the output');
  const f = parseExposition(text).get('esc_total');
  t.equal(f?.help, 'Back\\slash and\nnewline.');
  t.same(f?.samples, [{ labels: { v: hostile }, value: 1 }]);
});

t.test('special values', async (t) => {
  const m = new Metrics();
  const g = m.gauge('g', 'G.', ['k']);
  g.set({ k: 'inf' }, Infinity);
  g.set({ k: 'ninf' }, -Infinity);
  g.set({ k: 'nan' }, NaN);
  g.set({ k: 'neg' }, -2.5);
  const text = m.render();
  t.match(text, /^g\{k="inf"\} \+Inf$/m);
  t.match(text, /^g\{k="ninf"\} -Inf$/m);
  t.match(text, /^g\{k="nan"\} NaN$/m);
  t.match(text, /^g\{k="neg"\} -2\.5$/m);
  t.equal(parseExposition(text).get('g')?.samples.length, 4);
});

t.test('same name returns the same family; programmer errors throw', async (t) => {
  const m = new Metrics();
  const c = m.counter('x_total', 'X.', ['a']);
  t.equal(m.counter('x_total', 'X again.', ['a']), c);
  t.throws(() => m.gauge('x_total', 'X.'), { message: /already a counter/ });
  t.throws(() => m.counter('bad-name', 'B.'), { message: /invalid metric name/ });
  t.throws(() => m.counter('ok_total', 'B.', ['bad-label']), { message: /invalid label name/ });
  t.throws(() => m.counter('ok2_total', 'B.', ['__reserved']), { message: /invalid label name/ });
  t.throws(() => c.inc({}), { message: /takes labels \[a\]/ }, 'missing label');
  t.throws(() => c.inc({ a: 'x', b: 'y' }), { message: /takes labels/ }, 'undeclared label');
  t.throws(() => c.inc({ a: 'x' }, -1), { message: /cannot go down/ });
  t.throws(() => c.inc({ a: 'x' }, NaN), { message: /cannot go down/ });
  t.equal(c.get({ a: 'x' }), 0, 'failed calls changed nothing');
});

t.test('collectors run before each render; reset forgets series', async (t) => {
  const m = new Metrics();
  const g = m.gauge('subs', 'Subs.', ['event']);
  let live: Record<string, number> = { presence: 2, dialog: 1 };
  m.onCollect(() => {
    g.reset();
    for (const [event, n] of Object.entries(live)) g.set({ event }, n);
  });
  t.same(parseExposition(m.render()).get('subs')?.samples, [
    { labels: { event: 'presence' }, value: 2 },
    { labels: { event: 'dialog' }, value: 1 },
  ]);
  live = { presence: 5 };
  t.same(parseExposition(m.render()).get('subs')?.samples, [{ labels: { event: 'presence' }, value: 5 }]);
});

t.test('a bound series adds without a key per call, checks labels at once, and survives reset', (t) => {
  const m = new Metrics();
  const c = m.counter('tx', 'Transactions.', ['kind', 'method']);
  t.throws(() => c.bind({ kind: 'server' }), { message: /takes labels/ }, 'missing label: thrown when bound');
  const notify = c.bind({ kind: 'client', method: 'NOTIFY' });
  notify.add(1);
  notify.add(2);
  c.inc({ kind: 'client', method: 'NOTIFY' });
  t.equal(c.get({ kind: 'client', method: 'NOTIFY' }), 4, 'the same series as inc()');
  c.reset();
  t.equal(c.get({ kind: 'client', method: 'NOTIFY' }), 0);
  notify.add(1);
  t.equal(c.get({ kind: 'client', method: 'NOTIFY' }), 1, 'after reset the handle writes the new series');
  t.same(parseExposition(m.render()).get('tx')?.samples, [{ labels: { kind: 'client', method: 'NOTIFY' }, value: 1 }]);
  t.end();
});

t.test('the server families', async (t) => {
  const s = createServerMetrics();
  s.registrations.set(2);
  s.bindings.set(3);
  s.subscriptions.set({ event: 'presence' }, 4);
  s.notifiesSent.inc({ event: 'dialog' });
  s.notifiesFailed.inc({ event: 'dialog' });
  s.publishes.inc({ event: 'presence', outcome: 'accepted' });
  s.transactions.inc({ kind: 'server', method: 'SUBSCRIBE' });
  s.transactionsActive.inc({ kind: 'client' });
  s.parseErrors.inc();
  const fams = parseExposition(s.registry.render());
  t.same(
    [...fams.entries()].map(([name, f]) => [name, f.type, f.samples.length]),
    [
      ['herald_registrations', 'gauge', 1],
      ['herald_registration_bindings', 'gauge', 1],
      ['herald_subscriptions', 'gauge', 1],
      ['herald_notifies_sent_total', 'counter', 1],
      ['herald_notifies_failed_total', 'counter', 1],
      ['herald_publishes_total', 'counter', 1],
      ['herald_transactions_total', 'counter', 1],
      ['herald_transactions_active', 'gauge', 1],
      ['herald_parse_errors_total', 'counter', 1],
    ],
  );
  for (const f of fams.values()) t.ok((f.help ?? '').length > 0, 'every family has help text');
  t.same(fams.get('herald_publishes_total')?.samples, [
    { labels: { event: 'presence', outcome: 'accepted' }, value: 1 },
  ]);
  const shared = createServerMetrics(s.registry);
  t.equal(shared.parseErrors, s.parseErrors, 'registering twice in one registry shares the families');
});
