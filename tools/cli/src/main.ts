import { VisError } from "@vis/errors";
import { checkHealth, listServices } from "@vis/rpc";
import { flagInt, flagString, type ParsedArgs, parseArgs } from "./args.ts";
import { ACCESS_USAGE, runAccessCommand } from "./commands/access.ts";
import { ARCHIVE_USAGE, runArchiveCommand } from "./commands/archive.ts";
import { HEALTH_USAGE, runHealthCommand } from "./commands/health-commands.ts";
import { fetchInfo, infoText } from "./commands/info.ts";
import { fetchInstances, instancesText } from "./commands/instances.ts";
import { LOG_USAGE, runLogCommand } from "./commands/log.ts";
import { REGISTRY_FLAGS, REGISTRY_USAGE, runRegistry } from "./commands/registry.ts";
import { fetchStatus, statusText } from "./commands/status.ts";
import { createOutput, type Output, printError } from "./output.ts";
import { resolveTarget, SERVICES } from "./targets.ts";

const USAGE = `vis — the VISLink command line

usage: vis <command> [arguments] [--json] [--timeout MS] [--<service> HOST:PORT]

commands:
  status                      health, version and dependencies of all four services
  health <target> [SERVICE]   standard gRPC health of a server (or one of its gRPC services)
  info <target>               what a service process is: instance, version, addresses, dependencies
  api <target>                the gRPC services a server offers (server reflection)
  instances [--service NAME]  service instances announced on the bus, as the health monitor saw them
${REGISTRY_USAGE}
${HEALTH_USAGE}
${ACCESS_USAGE}
${LOG_USAGE}
${ARCHIVE_USAGE}

<target> is registry, authorizer, gateway, health, or HOST:PORT. Service addresses come from
--<service> HOST:PORT, then VIS_<SERVICE>_ADDR, then the hub defaults 127.0.0.1:7101..7104.
Errors print "error <code>: <message>" and exit 1 (2 for bad arguments).`;

async function run(args: ParsedArgs, out: Output): Promise<number> {
  const deadlineMs = flagInt(args, "timeout", 1, 600_000) ?? 5000;
  const target = (i = 0) => {
    const t = args.positional[i];
    if (t === undefined)
      throw new VisError("invalid_argument", `${args.command} needs a <target>`, {
        field: "target",
      });
    return resolveTarget(t, args.flags, process.env);
  };
  switch (args.command) {
    case "status": {
      const rows = await fetchStatus(
        SERVICES.map((s) => resolveTarget(s, args.flags, process.env)),
        deadlineMs,
      );
      out.result(rows, () => statusText(rows));
      return rows.every((r) => r.health === "SERVING") ? 0 : 1;
    }
    case "health": {
      const t = target();
      const status = await checkHealth(t.address, args.positional[1] ?? "", { deadlineMs });
      out.result(
        { target: t.address, service: args.positional[1] ?? "", status },
        () => `${t.address} ${status}`,
      );
      return status === "SERVING" ? 0 : 1;
    }
    case "info": {
      const info = await fetchInfo(target().address, deadlineMs);
      out.result(info, () => infoText(info));
      return 0;
    }
    case "api": {
      const services = await listServices(target().address, { deadlineMs });
      out.result({ services }, () => services.join("\n"));
      return 0;
    }
    case "instances": {
      const rows = await fetchInstances(
        resolveTarget("health", args.flags, process.env).address,
        flagString(args, "service") ?? "",
        deadlineMs,
      );
      out.result({ instances: rows }, () => instancesText(rows));
      return 0;
    }
    case "registry":
      return runRegistry(
        args,
        resolveTarget("registry", args.flags, process.env).address,
        deadlineMs,
        out,
      );
    case undefined:
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return args.command === undefined ? 2 : 0;
    default: {
      const health = resolveTarget("health", args.flags, process.env).address;
      const code = await runHealthCommand(args, out, health, deadlineMs);
      if (code !== undefined) return code;
      const authorizer = resolveTarget("authorizer", args.flags, process.env).address;
      const accessCode =
        (await runAccessCommand(args, out, authorizer, deadlineMs)) ??
        (await runLogCommand(args, out, authorizer, deadlineMs)) ??
        (await runArchiveCommand(args, out));
      if (accessCode !== undefined) return accessCode;
      throw new VisError("invalid_argument", `unknown command "${args.command}"; run "vis help"`, {
        field: "command",
      });
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseArgs(argv, new Set(["json", ...REGISTRY_FLAGS]));
    json = args.flags.get("json") === true;
    return await run(args, createOutput(json));
  } catch (err) {
    return printError(err, json);
  }
}

process.exitCode = await main(process.argv.slice(2));
