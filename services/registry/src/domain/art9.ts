import { LocationType } from "@vis/proto/vis/registry/v1/model_pb";

/** Location types Art. 9 forbids: dormitories, hotel guest rooms, bathhouses, changing rooms, toilets, similar. */
export const PRIVATE_LOCATION_TYPES: ReadonlySet<LocationType> = new Set([
  LocationType.DORMITORY,
  LocationType.HOTEL_GUEST_ROOM,
  LocationType.BATHHOUSE,
  LocationType.CHANGING_ROOM,
  LocationType.TOILET,
  LocationType.OTHER_PRIVATE,
]);

/** Words that name a private place (Art. 9), in Chinese and English. */
const PRIVATE_WORDS: readonly [RegExp, string][] = [
  [/宿舍|dormitor/i, "dormitory"],
  [/客房|guest\s*room|hotel\s*room|卧室|bedroom/i, "guest room"],
  [/浴室|澡堂|浴池|洗浴|bath\s*house|sauna|shower/i, "bathhouse"],
  [/更衣|changing\s*room|locker\s*room|fitting\s*room/i, "changing room"],
  [/卫生间|厕所|洗手间|公厕|盥洗|toilet|restroom|washroom|lavatory|\bwc\b/i, "toilet"],
];

/** Words that place the camera outside the private room (its corridor, entrance, lobby). */
const PUBLIC_PART =
  /走廊|过道|大堂|大厅|门口|入口|出口|电梯|通道|楼梯|外|corridor|hallway|lobby|entrance|exit|outside|lift|elevator|stair/i;

export interface PrivatePlace {
  readonly field: string;
  readonly what: string;
}

/**
 * Why a camera would look into a private place (Art. 9), or undefined. A private location type is
 * always refused; a name or location note naming a private room is refused unless it also names the
 * public part (corridor, entrance, lobby…) the camera actually covers.
 */
export function privatePlace(camera: {
  locationType: LocationType;
  name: string;
  locationNote: string;
}): PrivatePlace | undefined {
  if (PRIVATE_LOCATION_TYPES.has(camera.locationType)) {
    const what = LocationType[camera.locationType]?.toLowerCase().replaceAll("_", " ") ?? "";
    return { field: "location_type", what };
  }
  for (const [field, text] of [
    ["location_note", camera.locationNote],
    ["name", camera.name],
  ] as const) {
    if (text === "" || PUBLIC_PART.test(text)) continue;
    for (const [re, what] of PRIVATE_WORDS) if (re.test(text)) return { field, what };
  }
  return undefined;
}
