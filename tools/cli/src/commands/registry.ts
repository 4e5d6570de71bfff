import { randomBytes } from "node:crypto";
import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  toJson,
} from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import {
  AgencyKind,
  AgencySchema,
  CameraSchema,
  DocumentKind,
  EndpointProtocol,
  EndpointSchema,
  FilingKind,
  FilingSchema,
  Funding,
  Lifecycle,
  LocationType,
  ObligationState,
  VideoSystemSchema,
} from "@vis/proto/vis/registry/v1/model_pb";
import {
  DismantleSystemResponseSchema,
  FileRecordResponseSchema,
  GetAgencyResponseSchema,
  GetCameraFactsResponseSchema,
  GetSystemResponseSchema,
  ImportEntity,
  ImportFormat,
  ImportMode,
  ListObligationsResponseSchema,
  Registry,
} from "@vis/proto/vis/registry/v1/registry_pb";
import { createRpcClient } from "@vis/rpc";
import { flagInt, flagString, type ParsedArgs } from "../args.ts";
import { type Output, table } from "../output.ts";
import { importChunks } from "./registry-import.ts";

/** Flags of \`vis registry\` that take no value. */
export const REGISTRY_FLAGS = [
  "public",
  "signage",
  "no-signage",
  "archived",
  "opt-in",
  "withdraw",
  "live",
  "recorded",
  "all",
  "per-row",
  "dry-run",
] as const;

export const REGISTRY_USAGE = `  registry agency create|update|get|list      agencies (police levels, departments, operators)
  registry system create|update|get|list|dismantle|share   video systems (Art. 7, 14, 16, 19)
  registry camera create|update|get|facts|list|dismantle   cameras / channels (Art. 9, 20)
  registry endpoint create|get|list          interconnect endpoints (credentials as secret refs)
  registry filing create|list                filings (备案, Art. 17–19)
  registry obligations [--district D] [--station ID] [--as-of DATE] [--states overdue,due_soon]
  registry signage-gaps [--district D]       public-place cameras without signage (Art. 20)
  registry import FILE --entity camera|system [--per-row] [--dry-run] [--chunk N] [--batch-id ID]
  registry rebuild                           rebuild the Redis projection from the durable record
  (run "vis registry help" for every flag)`;

const HELP = `vis registry — the device registry

agency create --kind KIND --name NAME --district D [--id ID] [--parent ID]
       update ID [--name --district --parent --kind]      get ID      list [--district --kind --text]
system create --owner AGENCY --name NAME --funding government|private --category 1-13 --retention DAYS
              [--id --district --station ID --status planned|built|accepted|in_service --built DATE
               --accepted DATE --in-service DATE --signage --description TEXT]
       update ID [same flags]   get ID (with filing obligations)   dismantle ID --date DATE
       list [--district --category --status --agency --funding --station --text --page-size --cursor]
       share ID --opt-in|--withdraw [--live] [--recorded] [--hours 8-20,22-24] [--cameras ID,ID]
camera create --system ID --name NAME --type entrance|road|…|toilet [--id --public --signage --source URL[,URL]
              --playback TEMPLATE | --archived --lat --lon --address --note --codec h264 --width --height --fps]
       update ID [same flags]   get ID   facts ID   dismantle ID --date DATE
       list [--system --district --category --status --agency --funding --type --public --text --all]
endpoint create --system ID --protocol rtsp|rtmp|http_flv|hls|gb28181|onvif|http_api --address A
              [--credential-ref secret://…|env:NAME|file:/path] [--probe-interval S]   get ID   list [--system]
filing create --system ID --kind new_system|pre_existing|dismantling [--date DATE] [--station ID]
              [--doc design_plan:NAME:SHA256 (repeat with commas)] [--equipment NAME:KIND:QTY,…]
       list [--system --station]
Versions: updates read the current version unless --version V is given (optimistic concurrency).`;

type Client = ReturnType<typeof createRpcClient<typeof Registry>>;

/** `vis registry …` */
export async function runRegistry(
  args: ParsedArgs,
  address: string,
  deadlineMs: number,
  out: Output,
): Promise<number> {
  const [area, action, id] = args.positional;
  // Imports and rebuilds of large registers take minutes: a longer default unless --timeout is given.
  const long = (area === "import" || area === "rebuild") && !args.flags.has("timeout");
  const client = createRpcClient(Registry, { address, deadlineMs: long ? 600_000 : deadlineMs });
  try {
    const f = (name: string) => flagString(args, name);
    const has = (name: string) => args.flags.has(name);
    const print = <D extends DescMessage>(schema: D, msg: MessageShape<D>, human: () => string) =>
      out.result(toJson(schema, msg, { alwaysEmitImplicit: false }), human);
    switch (
      `${area ?? ""} ${area === "obligations" || area === "signage-gaps" || area === "rebuild" || area === "import" || area === "help" ? "" : (action ?? "")}`.trim()
    ) {
      case "agency create":
      case "agency update": {
        const cur =
          action === "update" ? (await client.getAgency({ id: need(id, "ID") })).agency : undefined;
        const agency = merge(AgencySchema, cur, {
          ...(f("id") !== undefined && { id: f("id") }),
          ...(f("kind") !== undefined && { kind: enumFlag(AgencyKind, f("kind"), "--kind") }),
          ...(f("name") !== undefined && { name: f("name") }),
          ...(f("district") !== undefined && { district: f("district") }),
          ...(f("parent") !== undefined && { parentAgencyId: f("parent") }),
        });
        const r = cur
          ? (await client.updateAgency({ agency, expectedVersion: version(args, cur.version) }))
              .agency
          : (await client.createAgency({ agency })).agency;
        out.result(r && toJson(AgencySchema, r), () => `agency ${r?.id} version ${r?.version}`);
        return 0;
      }
      case "agency get": {
        const r = await client.getAgency({ id: need(id, "ID") });
        out.result(toJson(GetAgencyResponseSchema, r), () =>
          JSON.stringify(toJson(GetAgencyResponseSchema, r), null, 2),
        );
        return 0;
      }
      case "agency list": {
        const r = await client.listAgencies({
          district: f("district") ?? "",
          kind: enumFlag(AgencyKind, f("kind"), "--kind"),
          text: f("text") ?? "",
          pageSize: flagInt(args, "page-size", 1, 1000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          {
            agencies: r.agencies.map((a) => toJson(AgencySchema, a)),
            nextCursor: r.nextCursor,
            total: Number(r.total),
          },
          () =>
            table(
              ["ID", "KIND", "NAME", "DISTRICT"],
              r.agencies.map((a) => [a.id, enumName(AgencyKind, a.kind), a.name, a.district]),
            ) + more(r),
        );
        return 0;
      }
      case "system create":
      case "system update": {
        const cur =
          action === "update" ? (await client.getSystem({ id: need(id, "ID") })).system : undefined;
        const system = merge(VideoSystemSchema, cur, {
          ...pick({
            id: f("id"),
            name: f("name"),
            ownerAgencyId: f("owner"),
            district: f("district"),
            policeStationId: f("station"),
            plannedDate: f("planned"),
            builtDate: f("built"),
            acceptedDate: f("accepted"),
            inServiceDate: f("in-service"),
            description: f("description"),
          }),
          ...(f("funding") !== undefined && {
            funding: enumFlag(Funding, f("funding"), "--funding"),
          }),
          ...(f("status") !== undefined && {
            status: enumFlag(Lifecycle, f("status"), "--status"),
          }),
          ...(f("category") !== undefined && { siteCategory: flagInt(args, "category", 0, 99) }),
          ...(f("retention") !== undefined && {
            retentionDays: flagInt(args, "retention", 0, 36500),
          }),
          ...(has("signage") && { signage: true }),
          ...(has("no-signage") && { signage: false }),
        });
        if (!cur && system.status === Lifecycle.UNSPECIFIED) system.status = Lifecycle.PLANNED;
        const r = cur
          ? (await client.updateSystem({ system, expectedVersion: version(args, cur.version) }))
              .system
          : (await client.createSystem({ system })).system;
        out.result(
          r && toJson(VideoSystemSchema, r),
          () => `system ${r?.id} version ${r?.version} ${enumName(Lifecycle, r?.status ?? 0)}`,
        );
        return 0;
      }
      case "system get": {
        const r = await client.getSystem({ id: need(id, "ID") });
        print(GetSystemResponseSchema, r, () =>
          [
            JSON.stringify(
              toJson(VideoSystemSchema, r.system ?? create(VideoSystemSchema)),
              null,
              2,
            ),
            table(
              ["ARTICLE", "DUE", "STATE", "FILING"],
              r.obligations.map((o) => [
                o.article,
                o.dueDate,
                enumName(ObligationState, o.state),
                o.filingId,
              ]),
            ),
          ].join("\n"),
        );
        return 0;
      }
      case "system list": {
        const r = await client.listSystems({
          filter: {
            district: f("district") ?? "",
            siteCategory: flagInt(args, "category", 0, 13) ?? 0,
            status: enumFlag(Lifecycle, f("status"), "--status"),
            ownerAgencyId: f("agency") ?? "",
            funding: enumFlag(Funding, f("funding"), "--funding"),
            policeStationId: f("station") ?? "",
            text: f("text") ?? "",
          },
          pageSize: flagInt(args, "page-size", 1, 1000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          {
            systems: r.systems.map((s) => toJson(VideoSystemSchema, s)),
            nextCursor: r.nextCursor,
            total: Number(r.total),
          },
          () =>
            table(
              ["ID", "NAME", "DISTRICT", "CAT", "FUNDING", "STATUS", "SHARED"],
              r.systems.map((s) => [
                s.id,
                s.name,
                s.district,
                String(s.siteCategory),
                enumName(Funding, s.funding),
                enumName(Lifecycle, s.status),
                s.sharing?.optedIn ? "yes" : "no",
              ]),
            ) + more(r),
        );
        return 0;
      }
      case "system dismantle": {
        const sid = need(id, "ID");
        const cur = (await client.getSystem({ id: sid })).system;
        const r = await client.dismantleSystem({
          id: sid,
          dismantledDate: need(f("date"), "--date"),
          expectedVersion: version(args, cur?.version ?? 0n),
        });
        print(
          DismantleSystemResponseSchema,
          r,
          () =>
            `system ${sid} dismantled; ${r.camerasDismantled} cameras; filing due ${r.obligation?.dueDate} (${r.obligation?.article})`,
        );
        return 0;
      }
      case "system share": {
        const sid = need(id, "ID");
        if (has("opt-in") === has("withdraw"))
          throw new VisError("invalid_argument", "give --opt-in or --withdraw", {
            field: "--opt-in",
          });
        const cur = (await client.getSystem({ id: sid })).system;
        const cams = f("cameras");
        const r = await client.setSharing({
          systemId: sid,
          optedIn: has("opt-in"),
          limits: {
            allCameras: cams === undefined,
            cameraIds: cams ? cams.split(",") : [],
            live: has("live"),
            recorded: has("recorded"),
            hours: hoursFlag(f("hours")),
          },
          expectedVersion: version(args, cur?.version ?? 0n),
        });
        out.result(
          r.system && toJson(VideoSystemSchema, r.system),
          () =>
            `system ${sid} ${r.system?.sharing?.optedIn ? "shared" : "withdrawn"} (version ${r.system?.version})`,
        );
        return 0;
      }
      case "camera create":
      case "camera update": {
        const cur =
          action === "update" ? (await client.getCamera({ id: need(id, "ID") })).camera : undefined;
        const live = f("source");
        const camera = merge(CameraSchema, cur, {
          ...pick({
            id: f("id"),
            systemId: f("system"),
            name: f("name"),
            address: f("address"),
            locationNote: f("note"),
          }),
          ...(f("type") !== undefined && {
            locationType: enumFlag(LocationType, f("type"), "--type"),
          }),
          ...(has("public") && { publicPlace: true }),
          ...(has("signage") && { signage: true }),
          ...(live !== undefined && {
            liveSources: live.split(",").map((url, i) => ({ url, priority: i })),
          }),
          ...(f("playback") !== undefined && {
            playback: { source: { case: "urlTemplate" as const, value: f("playback") ?? "" } },
          }),
          ...(has("archived") && {
            playback: { source: { case: "archivedByHub" as const, value: true } },
          }),
          ...(f("lat") !== undefined && {
            position: { lat: Number(f("lat")), lon: Number(f("lon") ?? 0) },
          }),
          ...(f("codec") !== undefined && {
            codec: {
              video: f("codec"),
              width: flagInt(args, "width", 0, 100000) ?? 0,
              height: flagInt(args, "height", 0, 100000) ?? 0,
              fps: Number(f("fps") ?? 0),
            },
          }),
        });
        const r = cur
          ? (await client.updateCamera({ camera, expectedVersion: version(args, cur.version) }))
              .camera
          : (await client.createCamera({ camera })).camera;
        out.result(r && toJson(CameraSchema, r), () => `camera ${r?.id} version ${r?.version}`);
        return 0;
      }
      case "camera get": {
        const r = await client.getCamera({ id: need(id, "ID") });
        out.result(r.camera && toJson(CameraSchema, r.camera), () =>
          JSON.stringify(r.camera && toJson(CameraSchema, r.camera), null, 2),
        );
        return 0;
      }
      case "camera facts": {
        const r = await client.getCameraFacts({ cameraId: need(id, "ID") });
        const x = r.facts;
        print(GetCameraFactsResponseSchema, r, () =>
          [
            `camera     ${x?.camera?.id} ${x?.camera?.name}`,
            `system     ${x?.system?.id} ${enumName(Funding, x?.system?.funding ?? 0)} ${enumName(Lifecycle, x?.system?.status ?? 0)} retention ${x?.system?.retentionDays} d`,
            `owner      ${x?.owner?.id ?? ""} (${x?.system?.district})`,
            `shareable  ${x?.shareable ? "yes" : `no: ${x?.notShareableReason}`}`,
            `live ${x?.liveAllowed ? "yes" : "no"}  recorded ${x?.recordedAllowed ? "yes" : "no"}  hours ${x?.hours.map((h) => `${h.fromHour}-${h.toHour}`).join(",") || "all day"}`,
          ].join("\n"),
        );
        return 0;
      }
      case "camera list": {
        const r = await client.listCameras({
          filter: {
            systemId: f("system") ?? "",
            district: f("district") ?? "",
            siteCategory: flagInt(args, "category", 0, 13) ?? 0,
            status: enumFlag(Lifecycle, f("status"), "--status"),
            ownerAgencyId: f("agency") ?? "",
            funding: enumFlag(Funding, f("funding"), "--funding"),
            text: f("text") ?? "",
            locationType: enumFlag(LocationType, f("type"), "--type"),
            publicPlaceOnly: has("public"),
            includeDismantled: has("all"),
          },
          pageSize: flagInt(args, "page-size", 1, 1000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          {
            cameras: r.cameras.map((c) => toJson(CameraSchema, c)),
            nextCursor: r.nextCursor,
            total: Number(r.total),
          },
          () =>
            table(
              ["ID", "SYSTEM", "NAME", "TYPE", "PUBLIC", "SIGN"],
              r.cameras.map((c) => [
                c.id,
                c.systemId,
                c.name,
                enumName(LocationType, c.locationType),
                c.publicPlace ? "yes" : "no",
                c.signage ? "yes" : "no",
              ]),
            ) + more(r),
        );
        return 0;
      }
      case "camera dismantle": {
        const cid = need(id, "ID");
        const cur = (await client.getCamera({ id: cid })).camera;
        const r = await client.dismantleCamera({
          id: cid,
          dismantledDate: need(f("date"), "--date"),
          expectedVersion: version(args, cur?.version ?? 0n),
        });
        out.result(
          r.camera && toJson(CameraSchema, r.camera),
          () => `camera ${cid} dismantled (version ${r.camera?.version})`,
        );
        return 0;
      }
      case "endpoint create": {
        const r = await client.createEndpoint({
          endpoint: {
            id: f("id") ?? "",
            systemId: need(f("system"), "--system"),
            protocol: enumFlag(EndpointProtocol, f("protocol"), "--protocol"),
            address: need(f("address"), "--address"),
            credentialRef: f("credential-ref") ?? "",
            probe: {
              enabled: f("probe-interval") !== undefined,
              intervalSeconds: flagInt(args, "probe-interval", 1, 86400) ?? 0,
            },
          },
        });
        out.result(
          r.endpoint && toJson(EndpointSchema, r.endpoint),
          () =>
            `endpoint ${r.endpoint?.id} version ${r.endpoint?.version} credentials ${r.endpoint?.hasCredentials ? "set" : "none"}`,
        );
        return 0;
      }
      case "endpoint get": {
        const r = await client.getEndpoint({ id: need(id, "ID") });
        out.result(r.endpoint && toJson(EndpointSchema, r.endpoint), () =>
          JSON.stringify(r.endpoint && toJson(EndpointSchema, r.endpoint), null, 2),
        );
        return 0;
      }
      case "endpoint list": {
        const r = await client.listEndpoints({
          systemId: f("system") ?? "",
          pageSize: flagInt(args, "page-size", 1, 1000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          {
            endpoints: r.endpoints.map((e) => toJson(EndpointSchema, e)),
            nextCursor: r.nextCursor,
          },
          () =>
            table(
              ["ID", "SYSTEM", "PROTOCOL", "ADDRESS", "CREDENTIALS"],
              r.endpoints.map((e) => [
                e.id,
                e.systemId,
                enumName(EndpointProtocol, e.protocol),
                e.address,
                e.hasCredentials ? "set" : "none",
              ]),
            ) + more(r),
        );
        return 0;
      }
      case "filing create": {
        const docs = (f("doc") ?? "")
          .split(",")
          .filter((d) => d !== "")
          .map((d) => {
            const [kind, name, sha256] = d.split(":");
            return {
              kind: enumFlag(DocumentKind, kind, "--doc"),
              name: name ?? "",
              sha256: sha256 ?? "",
            };
          });
        const equipment = (f("equipment") ?? "")
          .split(",")
          .filter((d) => d !== "")
          .map((d) => {
            const [name, kind, qty] = d.split(":");
            return { name: name ?? "", kind: kind ?? "", quantity: Number(qty ?? 1) };
          });
        const r = await client.fileRecord({
          filing: {
            systemId: need(f("system"), "--system"),
            kind: enumFlag(FilingKind, f("kind"), "--kind"),
            filedDate: f("date") ?? "",
            policeStationId: f("station") ?? "",
            documents: docs,
            equipment,
          },
        });
        out.result(
          toJson(FileRecordResponseSchema, r),
          () =>
            `filing ${r.filing?.id}: ${r.obligation?.article} due ${r.obligation?.dueDate} ${enumName(ObligationState, r.obligation?.state ?? 0)}`,
        );
        return 0;
      }
      case "filing list": {
        const r = await client.listFilings({
          systemId: f("system") ?? "",
          policeStationId: f("station") ?? "",
          pageSize: flagInt(args, "page-size", 1, 1000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          { filings: r.filings.map((x) => toJson(FilingSchema, x)), nextCursor: r.nextCursor },
          () =>
            table(
              ["ID", "SYSTEM", "KIND", "FILED", "STATION"],
              r.filings.map((x) => [
                x.id,
                x.systemId,
                enumName(FilingKind, x.kind),
                x.filedDate,
                x.policeStationId,
              ]),
            ) + more(r),
        );
        return 0;
      }
      case "obligations": {
        const states = (f("states") ?? "")
          .split(",")
          .filter((s) => s !== "")
          .map((s) => enumFlag(ObligationState, s, "--states"));
        const r = await client.listObligations({
          district: f("district") ?? "",
          policeStationId: f("station") ?? "",
          asOf: f("as-of") ?? "",
          states,
          dueSoonDays: flagInt(args, "due-soon-days", 1, 365) ?? 0,
          pageSize: flagInt(args, "page-size", 1, 10000) ?? 0,
        });
        print(ListObligationsResponseSchema, r, () =>
          table(
            ["SYSTEM", "ARTICLE", "DUE", "DAYS", "STATE", "DISTRICT", "STATION"],
            r.obligations.map((o) => [
              o.systemId,
              o.article,
              o.dueDate,
              String(o.daysLeft),
              enumName(ObligationState, o.state),
              o.district,
              o.policeStationId,
            ]),
          ),
        );
        return 0;
      }
      case "signage-gaps": {
        const r = await client.listSignageGaps({
          district: f("district") ?? "",
          pageSize: flagInt(args, "page-size", 1, 10000) ?? 100,
          cursor: f("cursor") ?? "",
        });
        out.result(
          { cameras: r.cameras.map((c) => toJson(CameraSchema, c)), nextCursor: r.nextCursor },
          () =>
            table(
              ["CAMERA", "SYSTEM", "NAME", "ADDRESS"],
              r.cameras.map((c) => [c.id, c.systemId, c.name, c.address]),
            ) + more(r),
        );
        return 0;
      }
      case "import":
        return await runImport(client, args, out);
      case "rebuild": {
        const r = await client.rebuildProjection({});
        out.result(
          {
            agencies: Number(r.agencies),
            systems: Number(r.systems),
            cameras: Number(r.cameras),
            endpoints: Number(r.endpoints),
            filings: Number(r.filings),
            millis: Number(r.millis),
          },
          () =>
            `projection rebuilt in ${r.millis} ms: ${r.agencies} agencies, ${r.systems} systems, ${r.cameras} cameras, ${r.endpoints} endpoints, ${r.filings} filings`,
        );
        return 0;
      }
      case "help":
      case "":
        process.stdout.write(`${HELP}\n`);
        return area === "help" ? 0 : 2;
      default:
        throw new VisError(
          "invalid_argument",
          `unknown registry command "${[area, action].filter(Boolean).join(" ")}"; run "vis registry help"`,
          { field: "command" },
        );
    }
  } finally {
    client.close();
  }
}

async function runImport(client: Client, args: ParsedArgs, out: Output): Promise<number> {
  const [, file] = args.positional;
  const path = need(file, "FILE");
  const entity = enumFlag(ImportEntity, need(flagString(args, "entity"), "--entity"), "--entity");
  const { format, chunks, rows } = importChunks(path, flagInt(args, "chunk", 1, 5000) ?? 1000);
  const base = flagString(args, "batch-id") ?? `cli-${randomBytes(6).toString("hex")}`;
  const started = Date.now();
  const report = {
    rows,
    written: 0,
    errors: [] as { row: number; code: string; field: string; article: string; message: string }[],
    batches: [] as string[],
  };
  let offset = 0;
  for (const [i, data] of chunks.entries()) {
    const r = await client.import({
      entity,
      format: format === "csv" ? ImportFormat.CSV : ImportFormat.JSON,
      mode: args.flags.has("per-row") ? ImportMode.PER_ROW : ImportMode.ALL_OR_NOTHING,
      data,
      dryRun: args.flags.has("dry-run"),
      batchId: `${base}-${i}`,
    });
    report.written += r.written;
    report.batches.push(r.batchId);
    for (const e of r.errors)
      report.errors.push({
        row: e.row + offset,
        code: e.code,
        field: e.field,
        article: e.article,
        message: e.message,
      });
    offset += r.rows;
  }
  out.result({ ...report, millis: Date.now() - started }, () =>
    [
      `${path}: ${rows} rows, ${report.written} written in ${chunks.length} batch(es), ${report.errors.length} bad rows (${Date.now() - started} ms)`,
      ...report.errors.map(
        (e) => `  row ${e.row}: ${e.code}: ${e.message}${e.article ? ` (${e.article})` : ""}`,
      ),
    ].join("\n"),
  );
  return report.errors.length > 0 ? 1 : 0;
}

/** A message from the current one (when updating) with the given fields replaced. */
function merge<D extends DescMessage>(
  schema: D,
  cur: MessageShape<D> | undefined,
  patch: Record<string, unknown>,
): MessageShape<D> {
  const { $typeName: _t, $unknown: _u, ...rest } = (cur ?? {}) as Record<string, unknown>;
  return create(schema, { ...rest, ...patch } as MessageInitShape<D>);
}

function need(v: string | undefined, what: string): string {
  if (v === undefined || v === "")
    throw new VisError("invalid_argument", `${what} is required`, { field: what });
  return v;
}

function version(args: ParsedArgs, current: bigint): bigint {
  const v = flagString(args, "version");
  return v === undefined ? current : BigInt(v);
}

function pick<T extends Record<string, string | undefined>>(
  o: T,
): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

function more(r: { nextCursor: string; total?: bigint }): string {
  return r.nextCursor
    ? `\n(more: --cursor ${r.nextCursor}${r.total !== undefined ? `; ${r.total} in all` : ""})`
    : "";
}

function enumName(e: Record<string | number, string | number>, n: number): string {
  const name = e[n];
  return typeof name === "string" ? name.toLowerCase() : String(n);
}

/** An enum flag by short name ("in_service"), full name or number; 0 when absent. */
function enumFlag(e: Record<string, string | number>, v: string | undefined, flag: string): number {
  if (v === undefined || v === "") return 0;
  if (/^\d+$/.test(v)) return Number(v);
  const name = v.toUpperCase().replace(/-/g, "_");
  for (const [k, n] of Object.entries(e))
    if (typeof n === "number" && n !== 0 && (k === name || name.endsWith(`_${k}`))) return n;
  const names = Object.entries(e)
    .filter(([, n]) => typeof n === "number" && n !== 0)
    .map(([k]) => k.toLowerCase());
  throw new VisError("invalid_argument", `${flag}: "${v}" is not one of ${names.join(", ")}`, {
    field: flag,
  });
}

function hoursFlag(v: string | undefined) {
  if (!v) return [];
  return v.split(",").map((p) => {
    const m = /^(\d{1,2})-(\d{1,2})$/.exec(p);
    if (!m)
      throw new VisError("invalid_argument", `--hours: "${p}" is not FROM-TO`, {
        field: "--hours",
      });
    return { fromHour: Number(m[1]), toHour: Number(m[2]) };
  });
}
