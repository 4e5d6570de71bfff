/**
 * The narrow logger @vis/rpc needs. pino's `Logger` fits it structurally; rpc never imports pino.
 */
export interface RpcLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Drops everything; the default when no logger is given. */
export const silentLogger: RpcLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
