export { BoundedRedis } from "./bounded-redis.ts";
export { connectStore, redactUrl, type StoreOptions } from "./connect.ts";
export { type StoreLogger, silentLogger } from "./logger.ts";
export { Store, type StoreState } from "./store.ts";
