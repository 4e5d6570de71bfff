import { create } from "@bufbuild/protobuf";
import {
  type Filing,
  FilingKind,
  Funding,
  type Obligation,
  ObligationSchema,
  ObligationState,
  type VideoSystem,
} from "@vis/proto/vis/registry/v1/model_pb";
import { addDays, daysBetween } from "./dates.ts";
import { isPreExisting } from "./rules.ts";

/** Art. 17: within 30 days of acceptance. */
export const NEW_SYSTEM_DAYS = 30;
/** Art. 18: within 60 days of 2015-01-01, i.e. by 2015-03-02. */
export const PRE_EXISTING_DUE = addDays("2015-01-01", 60);
/** Art. 19: within 15 days of dismantling. */
export const DISMANTLING_DAYS = 15;

const ARTICLE: Record<number, string> = {
  [FilingKind.NEW_SYSTEM]: "Art. 17",
  [FilingKind.PRE_EXISTING]: "Art. 18",
  [FilingKind.DISMANTLING]: "Art. 19",
};

/** What filings a system owes and by when, given its dates (independent of any filing made). */
export function dueFilings(s: VideoSystem): { kind: FilingKind; due: string }[] {
  const out: { kind: FilingKind; due: string }[] = [];
  if (isPreExisting(s)) out.push({ kind: FilingKind.PRE_EXISTING, due: PRE_EXISTING_DUE });
  else if (s.funding === Funding.PRIVATE && s.acceptedDate !== "")
    out.push({ kind: FilingKind.NEW_SYSTEM, due: addDays(s.acceptedDate, NEW_SYSTEM_DAYS) });
  if (s.dismantledDate !== "")
    out.push({ kind: FilingKind.DISMANTLING, due: addDays(s.dismantledDate, DISMANTLING_DAYS) });
  return out;
}

/**
 * Every obligation of a system with its state as of `today`: filed (on time or late), overdue,
 * due within `dueSoonDays`, or pending. The earliest filing of the right kind answers it.
 */
export function obligations(
  s: VideoSystem,
  filings: readonly Filing[],
  today: string,
  dueSoonDays: number,
): Obligation[] {
  return dueFilings(s).map(({ kind, due }) => {
    const filing = filings
      .filter((f) => f.kind === kind && f.systemId === s.id)
      .sort((a, b) => a.filedDate.localeCompare(b.filedDate))[0];
    const left = daysBetween(today, due);
    let state: ObligationState;
    if (filing)
      state = filing.filedDate <= due ? ObligationState.FILED : ObligationState.FILED_LATE;
    else if (left < 0) state = ObligationState.OVERDUE;
    else if (left <= dueSoonDays) state = ObligationState.DUE_SOON;
    else state = ObligationState.PENDING;
    return create(ObligationSchema, {
      systemId: s.id,
      kind,
      article: ARTICLE[kind] ?? "",
      dueDate: due,
      state,
      filingId: filing?.id ?? "",
      filedDate: filing?.filedDate ?? "",
      daysLeft: filing ? 0 : left,
      district: s.district,
      policeStationId: s.policeStationId,
      systemName: s.name,
    });
  });
}
