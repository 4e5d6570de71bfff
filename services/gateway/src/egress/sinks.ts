import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { ViewerSink } from "../hub/viewer-sink.ts";
import { binaryFrameHeader } from "./websocket.ts";

/** HTTP-FLV: the shared buffers go to the socket as they are. */
export function rawSink(socket: Socket | Duplex): ViewerSink {
  return {
    write: (data) => {
      socket.write(data);
    },
    get writableLength() {
      return socket.writableLength;
    },
    close: () => socket.destroy(),
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
  };
}

/** WS-FLV: each shared buffer is one binary frame (a small header of our own, then the buffer). */
export function webSocketSink(socket: Socket | Duplex): ViewerSink {
  return {
    write: (data) => {
      socket.cork();
      socket.write(binaryFrameHeader(data.length));
      socket.write(data);
      socket.uncork();
    },
    get writableLength() {
      return socket.writableLength;
    },
    // Revocation must cut at once: no close frame queued behind megabytes of media.
    close: () => socket.destroy(),
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
  };
}
