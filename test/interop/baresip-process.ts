// A headless baresip 1.0 (Debian baresip-core) run by the interop test: a
// temporary config dir built from the templates in ./baresip/, its output
// collected (ANSI colours stripped) so the test can wait for lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const template = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`./baresip/${name}`, import.meta.url)), 'utf8');

const ANSI = /\x1b\[[0-9;]*m/g;

/** What one baresip instance is: its account and the users whose presence it watches. */
export interface BaresipAccount {
  readonly user: string;
  readonly password: string;
  /** Herald's UDP port on 127.0.0.1 (registrar and outbound proxy). */
  readonly serverPort: number;
  /** Users to subscribe to (`;presence=p2p` contacts). */
  readonly watch?: readonly string[];
  /** Print every SIP message sent and received (`baresip -s`). */
  readonly trace?: boolean;
  /** Load the `stdio` console on a stdin pipe so `command()` works. */
  readonly console?: boolean;
}

/** One running baresip; `stop()` ends it (SIGTERM, then SIGKILL) and removes its config dir. */
export class Baresip {
  private out = '';
  private readonly exited: Promise<number | null>;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    const add = (d: Buffer): void => void (this.out += d.toString().replace(ANSI, ''));
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    this.exited = new Promise((resolve) => {
      child.on('close', (code) => resolve(code));
      child.on('error', (err) => {
        this.out += `\n[spawn error: ${err.message}]\n`;
        resolve(null);
      });
    });
  }

  /** Writes config, accounts and contacts to a temp dir and starts `baresip -f DIR`. */
  static start(account: BaresipAccount): Baresip {
    const dir = mkdtempSync(join(tmpdir(), `herald-baresip-${account.user}-`));
    writeFileSync(join(dir, 'config'), template('config') + (account.console ? 'module\t\t\tstdio.so\n' : ''));
    const fill = (s: string, user: string): string =>
      s
        .replaceAll('@USER@', user)
        .replaceAll('@NAME@', user)
        .replaceAll('@PASS@', account.password)
        .replaceAll('@PORT@', String(account.serverPort));
    writeFileSync(join(dir, 'accounts'), fill(template('accounts.in'), account.user));
    const contacts = (account.watch ?? []).map((u) => fill(template('contacts.in'), u)).join('');
    writeFileSync(join(dir, 'contacts'), contacts);
    // -t: baresip quits by itself after 90 s even if this process dies without stop() (tap's timeout is 60 s).
    const args = ['-f', dir, '-t', '90', ...(account.trace ? ['-s'] : [])];
    const child = spawn('baresip', args, {
      stdio: [account.console ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    return new Baresip(account.user, child, dir);
  }

  /** Everything printed so far (colours stripped). */
  get output(): string {
    return this.out;
  }

  /** Types a long command on the console (`/presence_offline`); needs `console: true`. */
  command(line: string): void {
    if (!this.child.stdin) throw new Error(`baresip ${this.name}: started without console`);
    this.child.stdin.write(`/${line}\n`);
  }

  /** A mark to wait for lines printed after it. */
  mark(): number {
    return this.out.length;
  }

  /** Resolves with the first match of `re` printed after `from`; rejects after `timeoutMs` with the output tail. */
  waitFor(re: RegExp, from = 0, timeoutMs = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.out.slice(from));
        if (!m) return false;
        cleanup();
        resolve(m);
        return true;
      };
      const onData = (): void => void check();
      const onClose = (): void => {
        if (check()) return;
        cleanup();
        reject(
          new Error(`baresip ${this.name} exited before printing ${String(re)}; output:\n${this.out.slice(-3000)}`),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`baresip ${this.name}: no ${String(re)} within ${timeoutMs} ms; output:\n${this.out.slice(-3000)}`),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('close', onClose);
      };
      // Listeners added after the collector's, so `out` already holds the new data.
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.on('close', onClose);
      if (check()) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) onClose();
    });
  }

  /** SIGTERM (baresip unregisters and unsubscribes), SIGKILL after `graceMs`; removes the config dir. */
  async stop(graceMs = 5_000): Promise<void> {
    this.child.stdin?.end();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
