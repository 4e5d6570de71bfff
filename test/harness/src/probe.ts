import { connect } from "node:net";

/**
 * Opens a TCP connection to host:port, runs `dialog` on the text received so far, and resolves
 * with its verdict: true (ready), false (answered but not ready), or keeps waiting (undefined).
 * Always settles within `timeoutMs` and always closes the socket.
 */
function talk(
  host: string,
  port: number,
  timeoutMs: number,
  onConnect: (write: (s: string) => void) => void,
  dialog: (received: string, write: (s: string) => void) => boolean | undefined,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = "";
    const finish = (err: Error | undefined, ok = false) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(ok);
    };
    const timer = setTimeout(() => finish(new Error("no answer")), timeoutMs);
    const write = (s: string) => socket.write(s);
    socket.once("connect", () => onConnect(write));
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const verdict = dialog(received, write);
      if (verdict !== undefined) finish(undefined, verdict);
    });
    socket.once("error", (err) => finish(err));
    socket.once("close", () => finish(new Error("connection closed")));
  });
}

/**
 * Speaks just enough of the NATS protocol to learn whether the server serves clients and, when asked,
 * whether JetStream answers `$JS.API.INFO` (it may still be recovering after a restart).
 */
export function probeNats(
  port: number,
  jetstream: boolean,
  host = "127.0.0.1",
  timeoutMs = 1000,
  auth?: { readonly user: string; readonly password: string },
): Promise<boolean> {
  let sent = false;
  const credentials =
    auth === undefined
      ? ""
      : `,"user":${JSON.stringify(auth.user)},"pass":${JSON.stringify(auth.password)}`;
  return talk(
    host,
    port,
    timeoutMs,
    () => {},
    (received, write) => {
      if (!sent && received.includes("\r\n") && received.startsWith("INFO ")) {
        sent = true;
        const hello = `CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1${credentials}}\r\n`;
        const js = jetstream ? "SUB _INBOX.probe 1\r\nPUB $JS.API.INFO _INBOX.probe 0\r\n\r\n" : "";
        write(`${hello}${js}PING\r\n`);
        return undefined;
      }
      if (received.includes("-ERR")) return false;
      if (!received.includes("PONG\r\n")) return undefined;
      if (!jetstream) return true;
      if (received.includes("HMSG _INBOX.probe")) return false; // 503 no responders: not yet
      if (received.includes("account_info_response")) {
        return !received.includes('"error"');
      }
      return undefined;
    },
  );
}

/** PING → +PONG. While Redis loads its AOF it answers -LOADING, which counts as not ready. */
export function probeRedis(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return talk(
    host,
    port,
    timeoutMs,
    (write) => write("PING\r\n"),
    (received) => {
      if (received.includes("+PONG\r\n")) return true;
      if (received.includes("\r\n")) return false;
      return undefined;
    },
  );
}
