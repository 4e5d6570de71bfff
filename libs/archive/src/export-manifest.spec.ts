import { describe, expect, it } from "vitest";
import { sha256Hex } from "./canonical.ts";
import { type ExportBody, ExportSigner, verifyExport } from "./export-manifest.ts";

const clip = Buffer.from("an mp4 clip, pretend bytes are irrelevant to the signature check");
const body: ExportBody = {
  v: 1,
  exportId: "x1",
  camera: "cam-001",
  window: { fromMs: 1000, toMs: 5000 },
  segments: [{ key: "seg/cam-001/1", sha256: "ab".repeat(32), startMs: 0, endMs: 2000 }],
  clip: { sha256: sha256Hex(clip), bytes: clip.length, format: "mp4" },
  grantId: "g-1",
  agencyId: "cz-psb",
  officers: ["010001", "010002"],
  createdAt: new Date(0).toISOString(),
};

describe("export manifest", () => {
  const signer = ExportSigner.generate();
  const manifest = signer.sign(body);

  it("verifies a clip against its signed manifest", () => {
    expect(verifyExport(clip, manifest, signer.jwks())).toEqual([]);
  });

  it("detects a tampered clip, an edited manifest and a foreign key", () => {
    const tampered = Buffer.from(clip);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expect(verifyExport(tampered, manifest, signer.jwks())).toEqual(["clip_altered"]);
    const edited = { ...manifest, officers: ["010001", "099999"] };
    expect(verifyExport(clip, edited, signer.jwks())).toEqual(["bad_signature"]);
    expect(verifyExport(clip, manifest, ExportSigner.generate().jwks())).toEqual(["unknown_key"]);
  });
});
