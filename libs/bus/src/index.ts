export {
  type Bus,
  type BusOptions,
  type ConsumeSource,
  type CoreOptions,
  connectBus,
} from "./bus.ts";
export type { BusCredentials, ReconnectPolicy } from "./connect.ts";
export type { ConsumeOptions, ConsumerHandle, MessageInfo } from "./consume.ts";
export type { CoreMessageInfo, CoreSubscription } from "./core.ts";
export { defineEvent, type EventDefinition, type EventType } from "./event.ts";
export { headerGetter, headerSetter } from "./headers.ts";
export { type BusLogger, silentLogger } from "./logger.ts";
export type { PublishAck, PublishOptions } from "./publish.ts";
export type { RequestOptions, ServeOptions } from "./rpc.ts";
export type { BusState } from "./state.ts";
export { type StreamSpec, toStreamConfig, validateStreamSpec } from "./stream-spec.ts";
export { parseEventSubject, type SubjectParts } from "./subject.ts";
