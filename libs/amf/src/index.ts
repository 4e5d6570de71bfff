export { type Amf, amf0, decodeAmf0 } from "./amf0.ts";
