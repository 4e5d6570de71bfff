import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  IncidentState,
  ProbeTargetSchema,
  State,
  TargetKind,
} from "@vis/proto/vis/health/v1/status_pb";
import { describe, expect, it } from "vitest";
import { IncidentBook } from "./incidents.ts";

const policy = { openAfterOfflineMs: 0, openAfterDegradedMs: 60_000, repairDeadlineMs: 3_600_000 };
const target = (id: string, operator = "op-1") =>
  create(ProbeTargetSchema, { id, kind: TargetKind.CAMERA, operator, systemId: "s" });
const fault = (state: State, since: number, lastOkAt = since - 1500) => ({
  state,
  reason: "HTTP 503",
  since,
  lastOkAt,
});

describe("IncidentBook", () => {
  it("opens once per target, de-duplicates, and closes with time-to-detect and time-to-repair", () => {
    const book = new IncidentBook(policy);
    const t = target("cam-1");
    const opened = book.apply(t, State.OFFLINE, fault(State.OFFLINE, 10_000), 10_000);
    expect(opened?.change).toBe("opened");
    expect(opened?.incident.timeToDetectMs).toBe(1500n);
    expect(book.apply(t, State.OFFLINE, fault(State.OFFLINE, 10_000), 12_000)).toBeUndefined();
    expect(book.apply(t, State.DEGRADED, fault(State.DEGRADED, 13_000), 13_000)).toBeUndefined();
    expect(book.openCount).toBe(1);
    const closed = book.apply(t, State.ONLINE, fault(State.ONLINE, 70_000), 70_000);
    expect(closed?.change).toBe("closed");
    expect(closed?.incident.state).toBe(IncidentState.CLOSED);
    expect(closed?.incident.timeToRepairMs).toBe(60_000n);
    expect(closed?.incident.id).toBe(opened?.incident.id);
    expect(book.openCount).toBe(0);
  });

  it("opens a degraded incident only past its threshold, and escalates it when the target goes offline", () => {
    const book = new IncidentBook(policy);
    const t = target("cam-2");
    expect(book.apply(t, State.DEGRADED, fault(State.DEGRADED, 0), 59_999)).toBeUndefined();
    expect(book.apply(t, State.DEGRADED, fault(State.DEGRADED, 0), 60_000)?.change).toBe("opened");
    const up = book.apply(t, State.OFFLINE, fault(State.OFFLINE, 61_000), 61_000);
    expect(up?.change).toBe("updated");
    expect(up?.incident.severity).toBe(State.OFFLINE);
  });

  it("keeps an incident open through maintenance and lists overdue repairs per operator", () => {
    const book = new IncidentBook(policy);
    book.apply(target("a", "op-1"), State.OFFLINE, fault(State.OFFLINE, 0), 0);
    book.apply(target("b", "op-2"), State.OFFLINE, fault(State.OFFLINE, 1000), 1000);
    book.apply(target("c", "op-1"), State.OFFLINE, fault(State.OFFLINE, 3_000_000), 3_000_000);
    expect(
      book.apply(target("a"), State.MAINTENANCE, fault(State.MAINTENANCE, 5), 5),
    ).toBeUndefined();
    const overdue = book.overdue(3_601_500);
    expect([...overdue.keys()].sort()).toEqual(["op-1", "op-2"]);
    expect(overdue.get("op-1")?.map((i) => i.targetId)).toEqual(["a"]);
    expect(book.overdue(3_601_500, "op-2").get("op-2")?.[0]?.overdue).toBe(true);
    const restored = new IncidentBook(policy);
    restored.restore(book.openIncidents());
    expect(restored.openFor("a")?.id).toBe(book.openFor("a")?.id);
    const due = restored.openFor("a")?.repairDueAt;
    expect(due ? timestampDate(due).getTime() : 0).toBe(3_600_000);
  });
});
