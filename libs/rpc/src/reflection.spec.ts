import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { status } from "@grpc/grpc-js";
import { ServerReflectionRequestSchema } from "@vis/proto/grpc/reflection/v1/reflection_pb";
import { HealthMonitor } from "@vis/proto/vis/health/v1/monitor_pb";
import { Admin } from "@vis/proto/vis/ops/v1/admin_pb";
import { describe, expect, it } from "vitest";
import { answerReflection } from "./reflection.ts";
import { ReflectionIndex } from "./reflection-index.ts";

const index = new ReflectionIndex();
index.addService(Admin);
index.addService(HealthMonitor);

function ask(messageRequest: Parameters<typeof create<typeof ServerReflectionRequestSchema>>[1]) {
  return answerReflection(index, create(ServerReflectionRequestSchema, messageRequest))
    .messageResponse;
}

function fileNames(res: ReturnType<typeof ask>): string[] {
  if (res?.case !== "fileDescriptorResponse") throw new Error(`unexpected ${res?.case}`);
  return (res.value.fileDescriptorProto ?? []).map(
    (b) => fromBinary(FileDescriptorProtoSchema, b).name,
  );
}

describe("reflection answers (in memory)", () => {
  it("lists the services added", () => {
    const res = ask({ messageRequest: { case: "listServices", value: "" } });
    expect(res).toEqual({
      case: "listServicesResponse",
      value: { service: [{ name: "vis.ops.v1.Admin" }, { name: "vis.health.v1.HealthMonitor" }] },
    });
  });

  it("returns a file with its transitive dependencies for a symbol", () => {
    const names = fileNames(
      ask({ messageRequest: { case: "fileContainingSymbol", value: "vis.health.v1.Instance" } }),
    );
    expect(names[0]).toBe("vis/health/v1/monitor.proto");
    expect(names).toContain("buf/validate/validate.proto");
    expect(names).toContain("google/protobuf/timestamp.proto");
    expect(names).toContain("google/protobuf/descriptor.proto");
  });

  it("finds methods and files by name", () => {
    expect(
      fileNames(
        ask({
          messageRequest: { case: "fileContainingSymbol", value: "vis.ops.v1.Admin.GetInfo" },
        }),
      )[0],
    ).toBe("vis/ops/v1/admin.proto");
    expect(
      fileNames(
        ask({ messageRequest: { case: "fileByFilename", value: "vis/ops/v1/admin.proto" } }),
      ),
    ).toEqual(["vis/ops/v1/admin.proto", "google/protobuf/timestamp.proto"]);
  });

  it("answers extension queries from the indexed files", () => {
    const res = ask({
      messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.FieldOptions" },
    });
    expect(res?.case === "allExtensionNumbersResponse" && res.value.extensionNumber).toEqual([
      1159, 1160,
    ]);
    const file = ask({
      messageRequest: {
        case: "fileContainingExtension",
        value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 1159 },
      },
    });
    expect(fileNames(file)[0]).toBe("buf/validate/validate.proto");
  });

  it("answers unknown names with NOT_FOUND error responses", () => {
    for (const messageRequest of [
      { case: "fileContainingSymbol", value: "no.such.Thing" },
      { case: "fileByFilename", value: "no/such.proto" },
      { case: "allExtensionNumbersOfType", value: "no.such.Type" },
    ] as const) {
      const res = ask({ messageRequest });
      expect(res?.case).toBe("errorResponse");
      expect(res?.case === "errorResponse" && res.value.errorCode).toBe(status.NOT_FOUND);
    }
    expect(ask({})?.case).toBe("errorResponse");
  });
});
