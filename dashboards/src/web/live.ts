import type { LiveItem } from './types.js';

export type LiveState = 'connecting' | 'open' | 'closed';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * The live feed, reconnecting with capped exponential backoff and jitter (so a restarted server is not hit by
 * every browser in the same second). Each frame is a JSON array of items; the first one after every
 * (re)connect is the server's snapshot of the latest positions.
 */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: number | undefined;
  private stopped = false;
  private readonly url: () => string;
  private readonly onFrame: (items: LiveItem[]) => void;
  private readonly onState: (state: LiveState, detail: string) => void;

  constructor(url: () => string, onFrame: (items: LiveItem[]) => void, onState: (state: LiveState, detail: string) => void) {
    this.url = url;
    this.onFrame = onFrame;
    this.onState = onState;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close(1000, 'page closed');
    this.socket = null;
  }

  private connect(): void {
    this.onState('connecting', this.attempt === 0 ? 'connecting…' : `reconnecting (try ${this.attempt + 1})…`);
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onState('open', 'live');
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let items: unknown;
      try {
        items = JSON.parse(event.data);
      } catch {
        return;
      }
      if (Array.isArray(items)) this.onFrame(items as LiveItem[]);
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt++;
      this.onState('closed', `offline; retrying in ${Math.ceil(delay / 1000)} s`);
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }
}
