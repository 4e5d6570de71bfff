import { VisError } from "@vis/errors";
import { sha256Hex } from "./canonical.ts";
import {
  type ChainProblem,
  type ManifestRecord,
  manifestKey,
  nextRecord,
  verifyChain,
} from "./manifest.ts";
import {
  assertRemovable,
  checkRetentionDays,
  type HoldRelease,
  type LegalHold,
  planRetention,
  type RetentionPlan,
} from "./retention.ts";
import { CAMERA_ID, parseSegmentKey, type SegmentRef, segmentKey } from "./segment.ts";
import type { SegmentStore } from "./segment-store.ts";
import type { TimeIndex } from "./time-index.ts";
import { checkWindow, planWindow, type WindowPlan } from "./window-plan.ts";

export interface ArchiveOptions {
  readonly store: SegmentStore;
  readonly index: TimeIndex;
  /** Retention days of the camera's system (≥ 30, Art. 21(7)). */
  readonly retentionDays: (camera: string) => Promise<number>;
  /** Epoch ms; injectable for retention tests. */
  readonly clock?: () => number;
  /**
   * Registers a removal: called once its `removed` record is linked and before the bytes are
   * deleted. If it throws, the bytes stay (and stay indexed); the next sweep removes them again.
   */
  readonly onRemoving?: (record: ManifestRecord) => Promise<void>;
}

/** What a removal attempt produced: removed, or refused with the reason. */
export interface RemovalOutcome {
  readonly removed: readonly ManifestRecord[];
  readonly held: RetentionPlan["held"];
  readonly kept: number;
}

/**
 * The hub archive for one store: appends segments with their manifest links and index entries,
 * plans windows, and removes only what retention allows. No method rewrites stored bytes.
 */
export class Archive {
  readonly store: SegmentStore;
  readonly index: TimeIndex;
  readonly #o: ArchiveOptions;
  readonly #heads = new Map<string, ManifestRecord | null>();
  /** Removals linked but not finished (their registration failed): retried with that record. */
  readonly #unfinished = new Map<string, ManifestRecord>();
  /** Key of each camera's last linked segment (for the head hint). */
  readonly #lastSegment = new Map<string, string>();
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: ArchiveOptions) {
    this.#o = options;
    this.store = options.store;
    this.index = options.index;
  }

  now(): number {
    return (this.#o.clock ?? Date.now)();
  }

  /** Stores a segment, links it into the camera's manifest, indexes it. */
  append(
    camera: string,
    startMs: number,
    endMs: number,
    data: Uint8Array,
  ): Promise<ManifestRecord> {
    const key = segmentKey(camera, startMs, endMs);
    return this.#serial(camera, async () => {
      await this.store.put(key, data);
      const rec = await this.#link(camera, {
        kind: "segment",
        key,
        startMs,
        endMs,
        bytes: data.byteLength,
        sha256: sha256Hex(data),
        at: this.now(),
        reason: "",
      });
      await this.index.add({ camera, startMs, endMs, key });
      return rec;
    });
  }

  /** The segments and gaps for a window, from the index. */
  async plan(camera: string, fromMs: number, toMs: number): Promise<WindowPlan> {
    checkCamera(camera);
    const w = checkWindow(fromMs, toMs);
    return planWindow(await this.index.range(camera, w.fromMs, w.toMs), w);
  }

  read(ref: SegmentRef): Promise<Buffer> {
    return this.store.get(ref.key);
  }

  /** Every manifest record of a camera, in order. */
  async records(camera: string): Promise<ManifestRecord[]> {
    checkCamera(camera);
    const out: ManifestRecord[] = [];
    for await (const o of this.store.list(`man/${camera}/`)) {
      out.push(JSON.parse((await this.store.get(o.key)).toString("utf8")) as ManifestRecord);
    }
    return out;
  }

  /** Re-checks a camera's chain, every present segment's bytes, and that no stored segment is unlinked. */
  async verify(camera: string): Promise<ChainProblem[]> {
    const records = await this.records(camera);
    const hashes = new Map<string, string | undefined>();
    for (const r of records) {
      if (r.kind !== "segment") continue;
      const bytes = await this.store.get(r.key).catch(() => undefined);
      hashes.set(r.key, bytes === undefined ? undefined : sha256Hex(bytes));
    }
    const problems = verifyChain(records, (k) => hashes.get(k));
    const unlinked: string[] = [];
    for await (const o of this.store.list(`seg/${camera}/`)) {
      if (!hashes.has(o.key)) unlinked.push(o.key);
    }
    // a camera being recorded: a segment stored while this ran may be linked by now (a segment is
    // stored, then linked); what is still unlinked after a second look is reported
    const linkedSince = new Set<string>();
    let seq = records.length;
    const readOn = async () => {
      for (
        let r = await this.#record(camera, seq);
        r !== undefined;
        r = await this.#record(camera, seq)
      ) {
        linkedSince.add(r.key);
        seq++;
      }
    };
    if (unlinked.length > 0) await readOn();
    if (unlinked.some((k) => !linkedSince.has(k))) {
      // one more look after a moment: an append between its two writes
      await new Promise((r) => setTimeout(r, 250));
      await readOn();
    }
    for (const key of unlinked) {
      if (!linkedSince.has(key)) problems.push({ seq: -1, key, problem: "segment_unlinked" });
    }
    return problems;
  }

  /**
   * After a crash: links segments stored after the chain's last record but never linked (a crash
   * between the segment's write and its record's). Appends are serial per camera, so only
   * segments starting after the last linked one can be unlinked. With the index's head hint it
   * reads only the records after the hint and lists only the segments after it; without one (first
   * start, Redis lost), the whole chain. Returns the records added.
   */
  async recover(camera: string): Promise<ManifestRecord[]> {
    checkCamera(camera);
    return this.#serial(camera, async () => {
      const tail = await this.#tail(camera);
      const added: ManifestRecord[] = [];
      for await (const o of this.store.list(`seg/${camera}/`, tail.lastSegmentKey)) {
        const ref = parseSegmentKey(o.key);
        if (ref === undefined || tail.linked.has(o.key) || ref.startMs <= tail.lastStartMs)
          continue;
        const data = await this.store.get(o.key);
        added.push(
          await this.#link(camera, {
            kind: "segment",
            key: o.key,
            startMs: ref.startMs,
            endMs: ref.endMs,
            bytes: data.byteLength,
            sha256: sha256Hex(data),
            at: this.now(),
            reason: "linked at recovery",
          }),
        );
        await this.index.add(ref);
      }
      return added;
    });
  }

  /**
   * The end of a camera's chain: its head record, the keys linked after the hint (or all), and the
   * last linked segment. Reads forward from the hint; falls back to the whole chain.
   */
  async #tail(camera: string): Promise<{
    head: ManifestRecord | null;
    linked: Set<string>;
    lastSegmentKey: string;
    lastStartMs: number;
  }> {
    const hint = await this.index.head(camera).catch(() => undefined);
    const at = hint === undefined ? undefined : await this.#record(camera, hint.seq);
    if (hint !== undefined && at !== undefined) {
      const linked = new Set<string>();
      let head = at;
      let lastSegmentKey = at.kind === "segment" ? at.key : hint.segmentKey;
      for (let seq = hint.seq + 1; ; seq++) {
        const r = await this.#record(camera, seq);
        if (r === undefined) break;
        head = r;
        linked.add(r.key);
        if (r.kind === "segment") lastSegmentKey = r.key;
      }
      this.#heads.set(camera, head);
      this.#lastSegment.set(camera, lastSegmentKey);
      const last = parseSegmentKey(lastSegmentKey);
      return { head, linked, lastSegmentKey, lastStartMs: last?.startMs ?? -1 };
    }
    const records = await this.records(camera);
    const head = records.at(-1) ?? null;
    const lastSeg = records.findLast((r) => r.kind === "segment");
    this.#heads.set(camera, head);
    this.#lastSegment.set(camera, lastSeg?.key ?? "");
    return {
      head,
      linked: new Set(records.map((r) => r.key)),
      lastSegmentKey: lastSeg?.key ?? "",
      lastStartMs: lastSeg?.startMs ?? -1,
    };
  }

  async #record(camera: string, seq: number): Promise<ManifestRecord | undefined> {
    const key = manifestKey(camera, seq);
    if ((await this.store.head(key)) === undefined) return undefined;
    return JSON.parse((await this.store.get(key)).toString("utf8")) as ManifestRecord;
  }

  /**
   * One segment, on request (an operator's delete): refused with `failed_precondition` citing
   * Art. 22(3) inside retention, or while under a legal hold.
   */
  async remove(key: string, reason: string): Promise<ManifestRecord> {
    const ref = await this.checkRemovable(key);
    const rec = await this.#serial(ref.camera, () => this.#removeOne(ref, reason));
    if (rec === undefined)
      throw new VisError("not_found", `${key} is not stored`, { field: "key" });
    return rec;
  }

  /**
   * What `remove` would refuse, without removing: `failed_precondition` citing Art. 22(3) inside
   * retention or naming the holds, `not_found` when absent. Returns the segment when it may go.
   */
  async checkRemovable(key: string): Promise<SegmentRef> {
    const ref = parseSegmentKey(key);
    if (ref === undefined) {
      throw new VisError("invalid_argument", "not a segment key", { field: "key" });
    }
    const days = checkRetentionDays(await this.#o.retentionDays(ref.camera));
    assertRemovable(ref, days, await this.holds(ref.camera), this.now());
    if ((await this.store.head(key)) === undefined) {
      throw new VisError("not_found", `${key} is not stored`, { field: "key" });
    }
    return ref;
  }

  /** The retention sweep for a camera: removes what is past retention and not held. */
  async sweep(camera: string): Promise<RemovalOutcome> {
    const days = checkRetentionDays(await this.#o.retentionDays(camera));
    const plan = planRetention(
      await this.index.all(camera),
      days,
      await this.holds(camera),
      this.now(),
    );
    const removed: ManifestRecord[] = [];
    for (const ref of plan.remove) {
      const rec = await this.#serial(camera, () =>
        this.#removeOne(ref, `retention of ${days} days expired`),
      );
      if (rec !== undefined) removed.push(rec);
    }
    return { removed, held: plan.held, kept: plan.kept };
  }

  /** Places a legal hold (write-once). */
  async placeHold(hold: LegalHold): Promise<void> {
    checkCamera(hold.camera);
    checkHoldId(hold.id, "hold.id");
    if (hold.caseId === "" && hold.grantId === "") {
      throw new VisError("invalid_argument", "a hold names a case or a grant", {
        field: "hold.case_id",
      });
    }
    checkWindow(hold.fromMs, hold.toMs, Number.MAX_SAFE_INTEGER);
    await this.store.put(`hold/${hold.camera}/${hold.id}.json`, Buffer.from(JSON.stringify(hold)));
  }

  /** The holds in force on a camera (placed and not released). */
  async holds(camera: string): Promise<LegalHold[]> {
    return (await this.allHolds(camera)).filter((h) => h.release === undefined).map((h) => h.hold);
  }

  /** Every hold of a camera, in force or released (with its release), in the order placed. */
  async allHolds(camera: string): Promise<{ hold: LegalHold; release?: HoldRelease }[]> {
    const releases = new Map((await this.releases(camera)).map((r) => [r.holdId, r]));
    return (await this.#readAll<LegalHold>(`hold/${camera}/`))
      .map((hold) => {
        const release = releases.get(hold.id);
        return release === undefined ? { hold } : { hold, release };
      })
      .sort((x, y) => x.hold.placedAt - y.hold.placedAt);
  }

  /** Every release of a camera's holds. */
  releases(camera: string): Promise<HoldRelease[]> {
    checkCamera(camera);
    return this.#readAll<HoldRelease>(`hold-released/${camera}/`);
  }

  /** One hold, in force or released; `not_found` when it was never placed. */
  async hold(camera: string, id: string): Promise<{ hold: LegalHold; release?: HoldRelease }> {
    checkCamera(camera);
    checkHoldId(id);
    const read = async <T>(key: string): Promise<T | undefined> =>
      (await this.store.head(key)) === undefined
        ? undefined
        : (JSON.parse((await this.store.get(key)).toString("utf8")) as T);
    const hold = await read<LegalHold>(`hold/${camera}/${id}.json`);
    if (hold === undefined) {
      throw new VisError("not_found", `no legal hold ${id} on ${camera}`, { field: "hold_id" });
    }
    const release = await read<HoldRelease>(`hold-released/${camera}/${id}.json`);
    return release === undefined ? { hold } : { hold, release };
  }

  /**
   * Ends a hold (write-once marker; the hold record stays). Refuses a hold already released
   * (`failed_precondition`) or never placed (`not_found`). The caller checks who may release.
   */
  async releaseHold(r: HoldRelease): Promise<LegalHold> {
    const { hold, release } = await this.hold(r.camera, r.holdId);
    if (release !== undefined) {
      throw new VisError(
        "failed_precondition",
        `legal hold ${r.holdId} was released at ${new Date(release.releasedAt).toISOString()}`,
        { field: "hold_id" },
      );
    }
    if (r.reason.trim() === "" || r.reason.length > 256) {
      throw new VisError("invalid_argument", "a release gives its reason (1–256 characters)", {
        field: "reason",
      });
    }
    await this.store.put(
      `hold-released/${r.camera}/${r.holdId}.json`,
      Buffer.from(JSON.stringify(r)),
    );
    return hold;
  }

  async #readAll<T>(prefix: string): Promise<T[]> {
    const out: T[] = [];
    for await (const o of this.store.list(prefix)) {
      out.push(JSON.parse((await this.store.get(o.key)).toString("utf8")) as T);
    }
    return out;
  }

  async #removeOne(ref: SegmentRef, reason: string): Promise<ManifestRecord | undefined> {
    const stored = await this.store.get(ref.key).catch((err: unknown) => {
      if (err instanceof VisError && err.code === "not_found") return undefined;
      throw err;
    });
    if (stored === undefined) {
      // removed before (its record is in the chain) but still indexed: a lost index update
      await this.index.remove(ref);
      return undefined;
    }
    // a removal whose registration failed earlier is retried with the record already linked
    const rec =
      this.#unfinished.get(ref.key) ??
      (await this.#link(ref.camera, {
        kind: "removed",
        key: ref.key,
        startMs: ref.startMs,
        endMs: ref.endMs,
        bytes: stored.byteLength,
        sha256: sha256Hex(stored),
        at: this.now(),
        reason,
      }));
    this.#unfinished.set(ref.key, rec);
    await this.#o.onRemoving?.(rec);
    await this.store.remove(ref.key);
    await this.index.remove(ref);
    this.#unfinished.delete(ref.key);
    return rec;
  }

  async #link(camera: string, body: Parameters<typeof nextRecord>[2]): Promise<ManifestRecord> {
    // Another writer (a second Archive on the same store) may have moved the head: the write-once
    // record key refuses the clash; re-read the head and link after it.
    for (let attempt = 0; ; attempt++) {
      let head = this.#heads.get(camera);
      if (head === undefined) head = await this.#loadHead(camera);
      const rec = nextRecord(camera, head ?? undefined, body);
      try {
        await this.store.put(manifestKey(camera, rec.seq), Buffer.from(JSON.stringify(rec)));
      } catch (err) {
        this.#heads.delete(camera);
        if (err instanceof VisError && err.code === "already_exists" && attempt < 3) continue;
        throw err;
      }
      this.#heads.set(camera, rec);
      const prevSeg = this.#lastSegment.get(camera) ?? "";
      const segmentKey = rec.kind === "segment" ? rec.key : prevSeg;
      this.#lastSegment.set(camera, segmentKey);
      // a hint for the next start; losing it only makes that start read more
      await this.index.setHead(camera, { seq: rec.seq, segmentKey }).catch(() => undefined);
      return rec;
    }
  }

  async #loadHead(camera: string): Promise<ManifestRecord | null> {
    return (await this.#tail(camera)).head;
  }

  #serial<T>(camera: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(camera) ?? Promise.resolve();
    const run = before.then(fn, fn);
    this.#locks.set(
      camera,
      run.catch(() => undefined),
    );
    return run;
  }
}

function checkCamera(camera: string): void {
  if (!CAMERA_ID.test(camera)) {
    throw new VisError("invalid_argument", "camera id must match [A-Za-z0-9_-]{1,64}", {
      field: "camera",
    });
  }
}

function checkHoldId(id: string, field = "hold_id"): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new VisError("invalid_argument", "hold id must match [A-Za-z0-9_-]{1,64}", { field });
  }
}
