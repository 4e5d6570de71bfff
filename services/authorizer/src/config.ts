import { int, str } from "@vis/config";

/** The authorizer's own settings (beside the common ones), `VIS_AUTHORIZER_*`. */
export const authorizerConfig = {
  authorizer: {
    /** Rule profile id (see src/profiles). */
    profile: str("changzhou-2014"),
    /** Key ring file (Ed25519 private keys, JWK); created with a fresh key when missing. */
    keyFile: str(".vis/authorizer/keys.json"),
    /** How long a rotated-out key keeps verifying (≥ the longest token lifetime). */
    keyGraceMs: int(3_600_000, 60_000, 30 * 86_400_000),
    /** How often a signed checkpoint of the registration log is taken (when it grew). */
    checkpointEveryMs: int(5000, 100, 3_600_000),
    /** Registration-log age limit in days (0 = forever); never below the profile's minimum. */
    logMaxAgeDays: int(0, 0, 36_500),
    /** How often ended grants are swept into expiry revocations. */
    expirySweepMs: int(1000, 100, 600_000),
    /** Wait for a registration-log append acknowledgement. */
    appendTimeoutMs: int(5000, 100, 60_000),
  },
} as const;
