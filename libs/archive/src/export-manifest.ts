import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { VisError } from "@vis/errors";
import { canonicalJson, sha256Hex } from "./canonical.ts";

/** What an exported clip is: the signed body of its manifest. */
export interface ExportBody {
  readonly v: 1;
  readonly exportId: string;
  readonly camera: string;
  readonly window: { readonly fromMs: number; readonly toMs: number };
  /** The archive segments the clip was cut from, with their manifest hashes. */
  readonly segments: readonly { key: string; sha256: string; startMs: number; endMs: number }[];
  readonly clip: { readonly sha256: string; readonly bytes: number; readonly format: "mp4" };
  readonly grantId: string;
  readonly agencyId: string;
  /** The officers (≥ 2, Art. 25) named by the grant. */
  readonly officers: readonly string[];
  readonly createdAt: string;
}

export interface SignedExportManifest extends ExportBody {
  readonly signature: { readonly alg: "EdDSA"; readonly kid: string; readonly sig: string };
}

export interface ExportJwks {
  readonly keys: readonly (JsonWebKey & { kid: string; alg: "EdDSA"; use: "sig" })[];
}

/** The hub's export signing key (Ed25519). Its public half is published as a JWKS. */
export class ExportSigner {
  readonly kid: string;
  readonly #key: KeyObject;

  constructor(privateKey: KeyObject, kid: string) {
    if (privateKey.asymmetricKeyType !== "ed25519") {
      throw new VisError("invalid_argument", "the export key must be Ed25519", {
        field: "archive.export_key",
      });
    }
    this.#key = privateKey;
    this.kid = kid;
  }

  static generate(): ExportSigner {
    const { privateKey } = generateKeyPairSync("ed25519");
    return new ExportSigner(privateKey, kidOf(createPublicKey(privateKey)));
  }

  /** From a PKCS#8 PEM (e.g. a mounted secret). */
  static fromPem(pem: string): ExportSigner {
    const key = createPrivateKey(pem);
    return new ExportSigner(key, kidOf(createPublicKey(key)));
  }

  jwks(): ExportJwks {
    const jwk = createPublicKey(this.#key).export({ format: "jwk" });
    return { keys: [{ ...jwk, kid: this.kid, alg: "EdDSA", use: "sig" }] };
  }

  sign(body: ExportBody): SignedExportManifest {
    const sig = sign(null, Buffer.from(canonicalJson(body)), this.#key).toString("base64url");
    return { ...body, signature: { alg: "EdDSA", kid: this.kid, sig } };
  }
}

function kidOf(pub: KeyObject): string {
  return sha256Hex(pub.export({ format: "der", type: "spki" })).slice(0, 16);
}

export type ExportProblem =
  | "unknown_key"
  | "bad_signature"
  | "clip_altered"
  | "clip_size"
  | "malformed";

/**
 * Checks a clip against its manifest: the manifest's signature under a key of the hub's JWKS, then
 * the clip's size and sha256. Returns the problems found (none = verified).
 */
export function verifyExport(
  clip: Uint8Array,
  manifest: SignedExportManifest,
  jwks: ExportJwks,
): ExportProblem[] {
  const { signature, ...body } = manifest;
  if (signature?.alg !== "EdDSA" || typeof signature.sig !== "string" || body.clip === undefined) {
    return ["malformed"];
  }
  const jwk = jwks.keys.find((k) => k.kid === signature.kid);
  if (jwk === undefined) return ["unknown_key"];
  const problems: ExportProblem[] = [];
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const ok = verify(
    null,
    Buffer.from(canonicalJson(body)),
    key,
    Buffer.from(signature.sig, "base64url"),
  );
  if (!ok) problems.push("bad_signature");
  if (clip.byteLength !== body.clip.bytes) problems.push("clip_size");
  if (sha256Hex(clip) !== body.clip.sha256) problems.push("clip_altered");
  return problems;
}
