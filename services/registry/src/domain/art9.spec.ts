import { LocationType } from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { privatePlace } from "./art9.ts";

const cam = (locationType: LocationType, name = "cam", locationNote = "") => ({
  locationType,
  name,
  locationNote,
});

describe("Art. 9 private places", () => {
  it("refuses every private location type", () => {
    for (const t of [
      LocationType.DORMITORY,
      LocationType.HOTEL_GUEST_ROOM,
      LocationType.BATHHOUSE,
      LocationType.CHANGING_ROOM,
      LocationType.TOILET,
      LocationType.OTHER_PRIVATE,
    ]) {
      expect(privatePlace(cam(t))?.field).toBe("location_type");
    }
    expect(privatePlace(cam(LocationType.HOTEL_GUEST_ROOM))?.what).toBe("hotel guest room");
  });

  it("refuses a public type whose note names a private room", () => {
    expect(privatePlace(cam(LocationType.OTHER, "cam", "员工宿舍 3楼"))).toEqual({
      field: "location_note",
      what: "dormitory",
    });
    expect(privatePlace(cam(LocationType.OTHER, "Gym changing room")))?.toEqual({
      field: "name",
      what: "changing room",
    });
    expect(privatePlace(cam(LocationType.SHOP_FLOOR, "x", "inside the WC"))?.what).toBe("toilet");
  });

  it("allows the public parts around private rooms and ordinary places", () => {
    expect(privatePlace(cam(LocationType.CORRIDOR, "客房走廊 5F"))).toBeUndefined();
    expect(privatePlace(cam(LocationType.ENTRANCE, "x", "toilet entrance"))).toBeUndefined();
    expect(privatePlace(cam(LocationType.LOBBY, "Hotel lobby"))).toBeUndefined();
    expect(privatePlace(cam(LocationType.JUNCTION, "人民路/和平路"))).toBeUndefined();
  });
});
