/**
 * One TCP connection of a {@link TcpTransport}: frames the byte stream,
 * answers keep-alive pings (RFC 5626 §3.5.1), and closes itself after
 * `idleMs` without traffic, timed on the injected Clock.
 */
import type { Socket } from 'node:net';
import type { CancelTimer, Clock } from '../clock.js';
import { StreamFramer, type FrameEvent } from './framing.js';
import type { Flow } from './types.js';

/** What a connection tells its transport. */
export interface TcpConnectionEvents {
  /** A complete framed message. */
  message(conn: TcpConnection, data: Buffer): void;
  /** The stream cannot be framed any more (the transport answers if it can, then closes). */
  framingError(conn: TcpConnection, error: Extract<FrameEvent, { type: 'error' }>): void;
  /** The socket is gone (either side closed, reset, or idle timeout). */
  closed(conn: TcpConnection, reason: string): void;
}

/** Settings of one connection. */
export interface TcpConnectionSettings {
  readonly clock: Clock;
  /** Close after this long without a byte in or out. */
  readonly idleMs: number;
  /** Cap on bytes buffered for one incoming message. */
  readonly maxBuffered: number;
  /** Cap on bytes queued for sending; a peer that stops reading gets closed. */
  readonly maxWriteBuffer: number;
}

const CRLF = Buffer.from('\r\n');

/** A live TCP connection with its flow; `alive` turns false once closing starts. */
export class TcpConnection {
  private readonly framer: StreamFramer;
  private lastActivity: number;
  private cancelIdle: CancelTimer | undefined;
  private isAlive = true;
  private closeReason = 'closed';

  constructor(
    readonly id: string,
    /** Accepted by our listener (true) or opened by us (false). */
    readonly inbound: boolean,
    readonly flow: Flow,
    private readonly socket: Socket,
    private readonly settings: TcpConnectionSettings,
    private readonly events: TcpConnectionEvents,
  ) {
    this.framer = new StreamFramer({ maxBuffered: settings.maxBuffered });
    this.lastActivity = settings.clock.now();
    this.armIdle(settings.idleMs);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => {
      this.closeReason = err.message;
    });
    socket.on('close', () => {
      this.isAlive = false;
      this.cancelIdle?.();
      this.events.closed(this, this.closeReason);
    });
  }

  /** False once the connection is closing or closed; never reuse it then. */
  get alive(): boolean {
    return this.isAlive && !this.socket.destroyed;
  }

  /** Writes bytes; resolves once handed to the kernel. */
  write(data: Buffer): Promise<void> {
    if (!this.alive) return Promise.reject(new Error('connection closed'));
    if (this.socket.writableLength + data.length > this.settings.maxWriteBuffer) {
      this.close('write buffer cap reached');
      return Promise.reject(
        new Error(`write buffer cap (${this.settings.maxWriteBuffer} bytes) reached; connection closed`),
      );
    }
    this.lastActivity = this.settings.clock.now();
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Sends `last` (if any) then closes; further input is ignored. */
  close(reason: string, last?: Buffer): void {
    if (!this.isAlive) return;
    this.isAlive = false;
    this.closeReason = reason;
    this.cancelIdle?.();
    this.socket.pause();
    if (last) this.socket.end(last, () => this.socket.destroy());
    else this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (!this.isAlive) return;
    this.lastActivity = this.settings.clock.now();
    for (const ev of this.framer.push(chunk)) {
      switch (ev.type) {
        case 'message':
          this.events.message(this, ev.data);
          break;
        case 'ping':
          // RFC 5626 §3.5.1: answer a double-CRLF ping with a single CRLF pong.
          this.socket.write(CRLF);
          break;
        case 'pong':
          break;
        case 'error':
          this.events.framingError(this, ev);
          break;
      }
      if (!this.isAlive) return;
    }
  }

  private armIdle(ms: number): void {
    this.cancelIdle = this.settings.clock.setTimer(ms, () => {
      if (!this.isAlive) return;
      const idle = this.settings.clock.now() - this.lastActivity;
      if (idle >= this.settings.idleMs) this.close('idle timeout');
      else this.armIdle(this.settings.idleMs - idle);
    });
  }
}
