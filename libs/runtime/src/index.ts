export { commonConfig } from "./common-config.ts";
export { DependencyTracker, type LinkState } from "./dependencies.ts";
export { exitWithError } from "./fatal.ts";
export { instanceStarted, instanceStopping, OPS_STREAM } from "./instance-events.ts";
export {
  runService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceDefinition,
} from "./service-main.ts";
