export { bool, type Field, int, oneOf, port, str, url } from "./fields.ts";
export { type ConfigOf, envName, type LoadOptions, loadConfig, redact, type Spec } from "./load.ts";
