import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** OpenTelemetry carrier access to NATS headers (W3C `traceparent`, `tracestate`, baggage). */
export const headerSetter: TextMapSetter<MsgHdrs> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

export const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys(carrier) {
    return carrier ? carrier.keys() : [];
  },
  get(carrier, key) {
    if (!carrier?.has(key)) return undefined;
    const values = carrier.values(key);
    return values.length > 1 ? values : values[0];
  },
};

/** NATS headers from a plain map; values are kept on one line (headers cannot hold CR/LF). */
export function toNatsHeaders(from: Readonly<Record<string, string>> = {}): MsgHdrs {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(from)) h.set(key, oneLine(value));
  return h;
}

/** A plain map of the headers (the first value of each). */
export function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

export function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}
