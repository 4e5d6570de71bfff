import { Funding, Lifecycle, LocationType } from "@vis/proto/vis/registry/v1/model_pb";

// Synthetic but plausible camera rows: street names (pinyin and Chinese), public places, a spread
// of location types, systems and coordinates around Changzhou. Deterministic for a given size.

const STREETS = [
  "Renmin",
  "Heping",
  "Yanling",
  "Huaihai",
  "Longcheng",
  "Tongjiang",
  "Jinling",
  "Hehai",
  "Changjiang",
  "Taihu",
];
const ZH = [
  "人民路",
  "和平路",
  "延陵路",
  "淮海路",
  "龙城大道",
  "通江大道",
  "金陵路",
  "河海路",
  "长江路",
  "太湖路",
];
const SPOTS = [
  "north gate",
  "main road",
  "junction",
  "car park",
  "lobby",
  "corridor",
  "square",
  "bus stop",
];
const TYPES = [
  LocationType.ENTRANCE,
  LocationType.ROAD,
  LocationType.JUNCTION,
  LocationType.CAR_PARK,
  LocationType.LOBBY,
  LocationType.CORRIDOR,
  LocationType.SQUARE,
  LocationType.STATION,
];

export interface BenchRow {
  /** Id used by the baseline (the registry assigns its own). */
  readonly id: string;
  readonly csv: string;
  readonly fields: Record<string, string>;
}

export function rowsFor(cameras: number, systems: number): BenchRow[] {
  const out: BenchRow[] = [];
  for (let i = 0; i < cameras; i++) {
    const s = i % systems;
    const st = i % STREETS.length;
    const type = TYPES[i % TYPES.length] ?? LocationType.ROAD;
    const fields = {
      system_id: `sys-${String(s).padStart(4, "0")}`,
      name: `${STREETS[st]} ${SPOTS[i % SPOTS.length]} ${i}`,
      address: `${ZH[st]}${(i % 300) + 1}号`,
      location_type: LocationType[type]?.toLowerCase() ?? "road",
      public_place: i % 5 === 0 ? "no" : "yes",
      signage: i % 7 === 0 ? "no" : "yes",
      live_urls: `rtmp://10.${s % 250}.${i % 250}.1/live/c${i}`,
      playback_url_template: `http://10.${s % 250}.${i % 250}.1/pb/c${i}?s={start}&e={end}`,
      lat: (31.7 + (i % 1000) / 10000).toFixed(5),
      lon: (119.9 + (i % 997) / 10000).toFixed(5),
    };
    const csv = Object.values(fields).join(",");
    out.push({ id: `c${String(i).padStart(7, "0")}`, csv, fields });
  }
  return out;
}

export interface SearchCase {
  readonly name: string;
  readonly filter: Record<string, unknown>;
  /** The same predicate over the baseline's hashes (system-level facts derived from the id). */
  readonly match: (h: Record<string, string>) => boolean;
}

const sysIndex = (h: Record<string, string>) => Number((h.system_id ?? "").slice(4));

/** The 6 kinds of search the benchmark mixes. */
export const SEARCH_KINDS = 6;

/**
 * Search number `q`: kind `q % 6`, with a parameter that varies with `q` (street, district,
 * category, system, location type), so the run mixes first-time (cold) and repeated filters.
 */
export function searchCase(q: number, districts: readonly string[], systems: number): SearchCase {
  const d = districts.length;
  const v = Math.floor(q / SEARCH_KINDS);
  const street = v % STREETS.length;
  switch (q % SEARCH_KINDS) {
    case 0: {
      const word = (STREETS[street] ?? "renmin").toLowerCase();
      return {
        name: "text (word)",
        filter: { text: word },
        match: (h) => (h.name ?? "").toLowerCase().includes(word),
      };
    }
    case 1: {
      const zh = ZH[street] ?? "人民路";
      return {
        name: "text (Chinese)",
        filter: { text: zh },
        match: (h) => (h.address ?? "").includes(zh),
      };
    }
    case 2:
      return {
        name: "district",
        filter: { district: districts[v % d] },
        match: (h) => sysIndex(h) % d === v % d,
      };
    case 3: {
      // the district and category of an in-service system (i % 4 !== 0), so the answer is not empty
      const sys = ((v * 5 + 2) % systems) | 1;
      const dist = sys % d;
      const cat = (sys % 13) + 1;
      return {
        name: "district + category + status",
        filter: { district: districts[dist], siteCategory: cat, status: Lifecycle.IN_SERVICE },
        match: (h) =>
          sysIndex(h) % d === dist && (sysIndex(h) % 13) + 1 === cat && sysIndex(h) % 4 !== 0,
      };
    }
    case 4: {
      const sid = `sys-${String((v * 7) % systems).padStart(4, "0")}`;
      return { name: "system", filter: { systemId: sid }, match: (h) => h.system_id === sid };
    }
    default: {
      const t = v % TYPES.length;
      const type = TYPES[t] ?? LocationType.ROAD;
      const spot = SPOTS[t] ?? "";
      return {
        name: "funding + type + text",
        filter: { funding: Funding.PRIVATE, locationType: type, text: spot },
        match: (h) =>
          sysIndex(h) % 3 !== 0 && h.location_type === LocationType[type]?.toLowerCase(),
      };
    }
  }
}
