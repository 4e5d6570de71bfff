/** The narrow logger the store needs. pino's `Logger` fits it structurally; store never imports pino. */
export interface StoreLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: StoreLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
