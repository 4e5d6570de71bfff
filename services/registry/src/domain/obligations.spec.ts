import { create } from "@bufbuild/protobuf";
import {
  FilingKind,
  FilingSchema,
  Funding,
  Lifecycle,
  ObligationState,
  type VideoSystem,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import { describe, expect, it } from "vitest";
import { addDays, todayCst } from "./dates.ts";
import { obligations } from "./obligations.ts";

const sys = (over: Partial<VideoSystem> = {}): VideoSystem =>
  Object.assign(
    create(VideoSystemSchema, {
      id: "s1",
      name: "Mall",
      district: "wujin",
      policeStationId: "ps1",
      funding: Funding.PRIVATE,
      status: Lifecycle.ACCEPTED,
      builtDate: "2025-05-01",
      acceptedDate: "2025-06-01",
      retentionDays: 30,
    }),
    over,
  );

describe("filing obligations (Art. 17–19)", () => {
  it("private system: acceptance + 30 days, due soon, then overdue (injectable clock)", () => {
    const clock = (iso: string) => todayCst(new Date(iso));
    const [o] = obligations(sys(), [], clock("2025-06-10T00:00:00Z"), 7);
    expect(o).toMatchObject({
      kind: FilingKind.NEW_SYSTEM,
      article: "Art. 17",
      dueDate: "2025-07-01",
      state: ObligationState.PENDING,
      daysLeft: 21,
    });
    expect(obligations(sys(), [], "2025-06-25", 7)[0]?.state).toBe(ObligationState.DUE_SOON);
    expect(obligations(sys(), [], "2025-07-01", 7)[0]?.state).toBe(ObligationState.DUE_SOON);
    const late = obligations(sys(), [], "2025-07-02", 7)[0];
    expect(late?.state).toBe(ObligationState.OVERDUE);
    expect(late?.daysLeft).toBe(-1);
  });

  it("a filing answers it, on time or late", () => {
    const onTime = create(FilingSchema, {
      id: "f1",
      systemId: "s1",
      kind: FilingKind.NEW_SYSTEM,
      filedDate: "2025-07-01",
    });
    expect(obligations(sys(), [onTime], "2026-01-01", 7)[0]?.state).toBe(ObligationState.FILED);
    const late = create(FilingSchema, {
      id: "f2",
      systemId: "s1",
      kind: FilingKind.NEW_SYSTEM,
      filedDate: "2025-07-09",
    });
    expect(obligations(sys(), [late], "2026-01-01", 7)[0]).toMatchObject({
      state: ObligationState.FILED_LATE,
      filingId: "f2",
    });
    const wrongKind = create(FilingSchema, {
      id: "f3",
      systemId: "s1",
      kind: FilingKind.DISMANTLING,
      filedDate: "2025-06-05",
    });
    expect(obligations(sys(), [wrongKind], "2026-01-01", 7)[0]?.state).toBe(
      ObligationState.OVERDUE,
    );
  });

  it("government systems owe no Art. 17 filing", () => {
    expect(obligations(sys({ funding: Funding.GOVERNMENT }), [], "2026-01-01", 7)).toEqual([]);
  });

  it("systems built before 2015-01-01 owe an Art. 18 filing by 2015-03-02", () => {
    const legacy = sys({
      builtDate: "2012-03-01",
      acceptedDate: "2012-04-01",
      funding: Funding.GOVERNMENT,
    });
    const [o] = obligations(legacy, [], "2015-03-03", 7);
    expect(o).toMatchObject({
      kind: FilingKind.PRE_EXISTING,
      article: "Art. 18",
      dueDate: "2015-03-02",
      state: ObligationState.OVERDUE,
    });
    expect(obligations(legacy, [], "2015-03-02", 7)[0]?.state).toBe(ObligationState.DUE_SOON);
  });

  it("dismantling: + 15 days, beside the earlier obligation", () => {
    const gone = sys({ status: Lifecycle.DISMANTLED, dismantledDate: "2025-09-20" });
    const list = obligations(gone, [], "2025-10-06", 3);
    expect(list.map((o) => [o.article, o.dueDate, o.state])).toEqual([
      ["Art. 17", "2025-07-01", ObligationState.OVERDUE],
      ["Art. 19", addDays("2025-09-20", 15), ObligationState.OVERDUE],
    ]);
    expect(obligations(gone, [], "2025-10-05", 3)[1]?.state).toBe(ObligationState.DUE_SOON);
  });
});
