import { WebSocket } from 'ws';
import type { LiveSocket } from './fanout.js';

/** The `ws` adapter for the fan-out: the only file of the fan-out path that knows which library is in use. */
export function wsLiveSocket(ws: WebSocket): LiveSocket {
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send(frame) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    onClose(listener) {
      ws.once('close', listener);
    },
  };
}
