import type { Profile } from "../policy/profile.ts";
import { changzhou2014 } from "./changzhou-2014.ts";

/** Every profile the authorizer can run; config `authorizer.profile` picks one. */
export const PROFILES: Readonly<Record<string, Profile>> = {
  [changzhou2014.id]: changzhou2014,
};
