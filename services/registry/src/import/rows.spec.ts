import { VisError } from "@vis/errors";
import {
  Funding,
  Lifecycle,
  LocationType,
  StreamProtocol,
} from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";
import { cameraFromRow, systemFromRow } from "./rows.ts";

describe("CSV", () => {
  it("reads quoted fields with commas, quotes and line breaks", () => {
    const rows = parseCsv('id,name,address\r\nc1,"Gate, north","say ""hi""\nline 2"\nc2,Plain,\n');
    expect(rows).toEqual([
      { id: "c1", name: "Gate, north", address: 'say "hi"\nline 2' },
      { id: "c2", name: "Plain", address: "" },
    ]);
  });
  it("refuses an unterminated quote", () => {
    expect(() => parseCsv('id\n"open')).toThrow(VisError);
  });
});

describe("rows", () => {
  it("maps a camera row, enums by short name, protocols by scheme", () => {
    const c = cameraFromRow({
      system_id: "s1",
      name: "Gate",
      lat: "31.7",
      lon: "119.9",
      location_type: "car_park",
      public_place: "yes",
      live_urls: "rtmp://h/live/a|http://h/live/a.flv",
      playback_url_template: "http://h/pb?s={start}&e={end}",
    });
    expect(c.locationType).toBe(LocationType.CAR_PARK);
    expect(c.publicPlace).toBe(true);
    expect(c.liveSources.map((s) => s.protocol)).toEqual([
      StreamProtocol.RTMP,
      StreamProtocol.HTTP_FLV,
    ]);
    expect(c.playback?.source.case).toBe("urlTemplate");
    expect(c.position?.lat).toBe(31.7);
  });
  it("names the column of a bad value", () => {
    const err = (() => {
      try {
        cameraFromRow({ location_type: "attic" });
      } catch (e) {
        return e as VisError;
      }
    })();
    expect(err?.field).toBe("location_type");
    expect(err?.message).toMatch(/attic/);
    expect(() => systemFromRow({ retention_days: "-3" })).toThrow(/retention_days/);
  });
  it("maps a system row with sharing limits", () => {
    const s = systemFromRow({
      funding: "private",
      status: "LIFECYCLE_IN_SERVICE",
      site_category: 11,
      retention_days: 30,
      opted_in: true,
      share_live: "1",
      share_hours: "8-12,14-20",
    });
    expect(s.funding).toBe(Funding.PRIVATE);
    expect(s.status).toBe(Lifecycle.IN_SERVICE);
    expect(s.sharing?.limits?.hours).toHaveLength(2);
    expect(s.sharing?.limits?.allCameras).toBe(true);
  });
});
