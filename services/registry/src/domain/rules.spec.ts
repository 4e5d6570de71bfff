import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import {
  CameraSchema,
  Funding,
  Lifecycle,
  LocationType,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { cameraFacts, checkCamera, checkSystem, systemShareable } from "./rules.ts";

const sys = (over: Partial<VideoSystem> = {}): VideoSystem =>
  Object.assign(
    create(VideoSystemSchema, {
      id: "s1",
      funding: Funding.PRIVATE,
      status: Lifecycle.IN_SERVICE,
      builtDate: "2025-01-01",
      acceptedDate: "2025-02-01",
      retentionDays: 30,
      sharing: { optedIn: true, limits: { allCameras: true, live: true, recorded: true } },
    }),
    over,
  );

const refused = (fn: () => void): VisError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof VisError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("system rules", () => {
  it("Art. 21(7): retention below 30 days", () => {
    const e = refused(() => checkSystem(sys({ retentionDays: 29 })));
    expect([e.code, e.field, e.article]).toEqual([
      "invalid_argument",
      "system.retention_days",
      "Art. 21(7)",
    ]);
    expect(() => checkSystem(sys({ retentionDays: 30 }))).not.toThrow();
  });

  it("Art. 16: government system in service or shared only after acceptance, service not before it", () => {
    const gov = { funding: Funding.GOVERNMENT, sharing: undefined };
    expect(refused(() => checkSystem(sys({ ...gov, acceptedDate: "" }))).article).toBe("Art. 16");
    expect(
      refused(() =>
        checkSystem(sys({ ...gov, inServiceDate: "2025-01-15", acceptedDate: "2025-02-01" })),
      ).field,
    ).toBe("system.in_service_date");
    expect(
      refused(() =>
        checkSystem(
          sys({
            ...gov,
            status: Lifecycle.BUILT,
            acceptedDate: "",
            sharing: { optedIn: true } as never,
          }),
        ),
      ).article,
    ).toBe("Art. 16");
    expect(() => checkSystem(sys({ ...gov, inServiceDate: "2025-03-01" }))).not.toThrow();
  });

  it("lifecycle only moves forward and dismantled needs its date", () => {
    expect(refused(() => checkSystem(sys({ status: Lifecycle.BUILT }), sys())).field).toBe(
      "system.status",
    );
    expect(refused(() => checkSystem(sys({ status: Lifecycle.DISMANTLED }))).article).toBe(
      "Art. 19",
    );
    expect(
      refused(() =>
        checkSystem(sys(), sys({ status: Lifecycle.DISMANTLED, dismantledDate: "2025-05-01" })),
      ).article,
    ).toBe("Art. 19");
  });

  it("sharing hours must be a forward window", () => {
    const bad = sys({
      sharing: { optedIn: true, limits: { hours: [{ fromHour: 20, toHour: 8 }] } } as never,
    });
    expect(refused(() => checkSystem(bad)).field).toBe("system.sharing.limits.hours");
  });
});

describe("camera rules and facts", () => {
  const cam = (over = {}) =>
    create(CameraSchema, {
      id: "c1",
      systemId: "s1",
      name: "Gate",
      locationType: LocationType.ENTRANCE,
      ...over,
    });

  it("Art. 9 and a dismantled system", () => {
    expect(
      refused(() => checkCamera(cam({ locationType: LocationType.TOILET }), sys())).article,
    ).toBe("Art. 9");
    expect(refused(() => checkCamera(cam(), sys({ status: Lifecycle.DISMANTLED }))).article).toBe(
      "Art. 19",
    );
    expect(refused(() => checkCamera(cam(), undefined)).field).toBe("camera.system_id");
    const tpl = cam({ playback: { source: { case: "urlTemplate", value: "http://x/pb" } } });
    expect(refused(() => checkCamera(tpl, sys())).field).toBe("camera.playback.url_template");
  });

  it("private systems share only while opted in, within their limits", () => {
    expect(cameraFacts(cam(), sys())).toMatchObject({
      shareable: true,
      liveAllowed: true,
      recordedAllowed: true,
    });
    const out = cameraFacts(cam(), sys({ sharing: { optedIn: false } as never }));
    expect(out.shareable).toBe(false);
    expect(out.notShareableReason).toMatch(/Art\. 14/);
    const limited = sys({
      sharing: { optedIn: true, limits: { cameraIds: ["c2"], live: true } } as never,
    });
    expect(cameraFacts(cam(), limited).notShareableReason).toMatch(/sharing limits/);
    const liveOnly = sys({
      sharing: {
        optedIn: true,
        limits: { allCameras: true, live: true, hours: [{ fromHour: 8, toHour: 20 }] },
      } as never,
    });
    expect(cameraFacts(cam(), liveOnly)).toMatchObject({
      liveAllowed: true,
      recordedAllowed: false,
    });
    expect(cameraFacts(cam({ dismantledDate: "2025-06-01" }), sys()).notShareableReason).toMatch(
      /Art\. 19/,
    );
  });

  it("government systems share once in service, regardless of opt-in", () => {
    const gov = sys({
      funding: Funding.GOVERNMENT,
      sharing: undefined,
      inServiceDate: "2025-03-01",
    });
    expect(systemShareable(gov).ok).toBe(true);
    expect(
      systemShareable(
        sys({ funding: Funding.GOVERNMENT, status: Lifecycle.BUILT, acceptedDate: "" }),
      ).reason,
    ).toMatch(/Art\. 16/);
  });
});
