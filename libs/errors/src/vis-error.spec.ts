import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./code.ts";
import { codeOfGrpcStatus, grpcStatusOf } from "./grpc-status.ts";
import { httpErrorBody } from "./http-status.ts";
import { errorFromNatsHeaders, natsErrorHeaders } from "./nats-headers.ts";
import { fromPublic, VisError } from "./vis-error.ts";

describe("VisError", () => {
  it("keeps the cause out of the public form", () => {
    const err = new VisError("permission_denied", "private place", {
      article: "Art. 9",
      field: "camera.location_type",
      cause: new Error("secret detail"),
    });
    expect(err.toJSON()).toEqual({
      code: "permission_denied",
      message: "private place",
      field: "camera.location_type",
      article: "Art. 9",
    });
    expect(JSON.stringify(err.toJSON())).not.toContain("secret");
  });

  it("turns unknown throws into a bland internal error", () => {
    const err = VisError.from(new Error("db password is hunter2"));
    expect(err.code).toBe("internal");
    expect(err.message).toBe("internal error");
  });

  it("rebuilds from a public form and refuses codes outside the set", () => {
    expect(fromPublic({ code: "not_found", message: "x" }).code).toBe("not_found");
    expect(fromPublic({ code: "teapot", message: "x" }).code).toBe("unknown");
  });
});

describe("transport mappings", () => {
  it("round-trips every code through gRPC status numbers", () => {
    for (const code of ERROR_CODES) expect(codeOfGrpcStatus(grpcStatusOf(code))).toBe(code);
  });

  it("writes HTTP bodies with the code and article", () => {
    const { status, body } = httpErrorBody(
      new VisError("failed_precondition", "not accepted", { article: "Art. 16" }),
    );
    expect(status).toBe(412);
    expect(JSON.parse(body)).toEqual({
      error: { code: "failed_precondition", message: "not accepted", article: "Art. 16" },
    });
  });

  it("round-trips through NATS headers", () => {
    const h = natsErrorHeaders(
      new VisError("invalid_argument", "bad", { field: "retention_days" }),
    );
    const back = errorFromNatsHeaders((k) => h[k]);
    expect(back?.toJSON()).toEqual({
      code: "invalid_argument",
      message: "bad",
      field: "retention_days",
    });
    expect(errorFromNatsHeaders(() => undefined)).toBeUndefined();
  });
});
