/** The narrow logger the bus needs. pino's `Logger` fits it structurally; bus never imports pino. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Drops everything; the default when no logger is given. */
export const silentLogger: BusLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
