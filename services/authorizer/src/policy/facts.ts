/**
 * The registry's facts about a camera, as the decision engine needs them: pure data. The port is
 * `FactsSource`; the adapter that fills it from the registry lives in `../registry-facts/`.
 */
export interface CameraFacts {
  readonly cameraId: string;
  readonly systemId: string;
  /** Agency that owns/operates the system. */
  readonly ownerAgencyId: string;
  /** District (county) code where the camera is: decides whose police may approve. */
  readonly district: string;
  /** The operator opted in to sharing (Art. 14) and has not withdrawn. */
  readonly optedIn: boolean;
  /** What the operator shares. */
  readonly sharing: "live_and_recorded" | "live_only" | "recorded_only" | "none";
  /** Daily windows (profile time zone, minutes from midnight, `from` inclusive, `to` exclusive)
   * during which access is offered; undefined or empty = all day. */
  readonly sharingHours?: readonly { readonly fromMinute: number; readonly toMinute: number }[];
  /** Lifecycle: only `in_service` cameras are shared (Art. 10, 16, 19). */
  readonly lifecycle: "planned" | "built" | "accepted" | "in_service" | "dismantled";
  /** Government-funded systems need acceptance before use (Art. 16). */
  readonly governmentFunded: boolean;
  readonly accepted: boolean;
  /** Days recordings are kept (≥ 30, Art. 21(7)). */
  readonly retentionDays: number;
}

/** Where facts come from: the registry projection in production, a table in unit tests. */
export interface FactsSource {
  /** Facts of the given cameras; an unknown camera is simply absent from the map. */
  get(cameraIds: readonly string[]): Promise<ReadonlyMap<string, CameraFacts>>;
}
