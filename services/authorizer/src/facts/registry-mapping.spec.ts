import { create } from "@bufbuild/protobuf";
import {
  CameraSchema,
  Funding,
  Lifecycle,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { toCameraFacts } from "./registry-mapping.ts";

const camera = (over: Record<string, unknown> = {}) =>
  create(CameraSchema, { id: "cam-1", systemId: "s1", ...over });
const system = (over: Record<string, unknown> = {}) =>
  create(VideoSystemSchema, {
    id: "s1",
    ownerAgencyId: "op",
    district: "wujin",
    funding: Funding.PRIVATE,
    status: Lifecycle.IN_SERVICE,
    acceptedDate: "2024-06-01",
    retentionDays: 45,
    sharing: { optedIn: true, limits: { allCameras: true, live: true, recorded: true } },
    ...over,
  });

describe("registry facts → camera facts", () => {
  it("an opted-in private system sharing everything", () => {
    expect(toCameraFacts(camera(), system(), 30)).toEqual({
      cameraId: "cam-1",
      systemId: "s1",
      ownerAgencyId: "op",
      district: "wujin",
      optedIn: true,
      sharing: "live_and_recorded",
      lifecycle: "in_service",
      governmentFunded: false,
      accepted: true,
      retentionDays: 45,
    });
  });

  it.each([
    [
      "withdrawn",
      { sharing: { optedIn: false, limits: { allCameras: true, live: true, recorded: true } } },
      { optedIn: false },
    ],
    [
      "camera not in the limits",
      { sharing: { optedIn: true, limits: { cameraIds: ["cam-2"], live: true } } },
      { optedIn: false },
    ],
    [
      "live only",
      { sharing: { optedIn: true, limits: { allCameras: true, live: true } } },
      { sharing: "live_only" },
    ],
    [
      "recorded only",
      { sharing: { optedIn: true, limits: { allCameras: true, recorded: true } } },
      { sharing: "recorded_only" },
    ],
    [
      "hours",
      {
        sharing: {
          optedIn: true,
          limits: {
            allCameras: true,
            live: true,
            recorded: true,
            hours: [{ fromHour: 8, toHour: 20 }],
          },
        },
      },
      { sharingHours: [{ fromMinute: 480, toMinute: 1200 }] },
    ],
    [
      "government, not opted in, accepted",
      { funding: Funding.GOVERNMENT, sharing: undefined },
      { optedIn: true, sharing: "live_and_recorded", governmentFunded: true },
    ],
    [
      "government, built, not accepted",
      { funding: Funding.GOVERNMENT, status: Lifecycle.BUILT, acceptedDate: "" },
      { accepted: false, lifecycle: "built" },
    ],
    ["retention unknown → legal minimum", { retentionDays: 0 }, { retentionDays: 30 }],
  ])("%s", (_name, over, want) => {
    expect(toCameraFacts(camera(), system(over), 30)).toMatchObject(want);
  });

  it("a dismantled camera is dismantled whatever its system", () => {
    expect(toCameraFacts(camera({ dismantledDate: "2026-01-01" }), system(), 30).lifecycle).toBe(
      "dismantled",
    );
  });
});
