/**
 * The Herald server CLI (DESIGN.md "Server contract").
 *
 *   npm start -- --config herald.json      # same as: npx tsx --conditions=@herald/source examples/server.ts --config herald.json
 *   npm start                              # first run: writes ./herald.json with three demo users, prints their passwords once
 *
 * Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the server
 * cannot start (e.g. a port in use), 2 for a bad configuration or arguments.
 */
import { dirname } from 'node:path';
import { Server, USAGE, createLogger, formatListen, loadConfig } from '@herald/server';

const loaded = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
if (loaded.ok === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (loaded.ok === false) {
  process.stderr.write(`herald: ${loaded.error}\n`);
  process.exit(2);
}
const { config, generated } = loaded;
const logger = createLogger(config.logLevel);

if (generated) {
  // Printed once: the passwords live only in the generated file from now on.
  process.stdout.write(
    `Herald: no configuration found, wrote ${generated.path} (domain ${config.domain}).\n` +
      `Demo users (SIP user / password), shown this once:\n` +
      Object.entries(generated.users)
        .map(([u, p]) => `  ${u}@${config.domain}  ${p}\n`)
        .join('') +
      `Listening on ${config.listen.map(formatListen).join(', ')}.\n`,
  );
}
logger.info('config', { path: loaded.path, domain: config.domain, store: config.store.kind, auth: config.auth });

// A relative sqlite:PATH is the file beside the config (README "Durability").
const server = new Server(config, { logger, baseDir: dirname(loaded.path) });
try {
  await server.start();
} catch (err) {
  logger.error('cannot start', { error: err });
  process.stderr.write(`herald: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  await server.stop().catch(() => undefined);
  process.exit(1);
}

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  // No terminating NOTIFYs: with a sqlite store, subscriptions survive the restart.
  server.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error('shutdown failed', { error: err });
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
