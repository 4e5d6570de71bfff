import { Metadata, status } from "@grpc/grpc-js";
import { GRPC_METADATA, VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { connectReason, fromGrpcFailure, toGrpcStatus } from "./grpc-error.ts";

const call = { path: "/vis.ops.v1.Admin/GetInfo", address: "127.0.0.1:1", deadlineMs: 250 };

describe("toGrpcStatus", () => {
  it("carries code, message, field and article of a VisError", () => {
    const { status: s } = toGrpcStatus(
      new VisError("permission_denied", "private place", {
        field: "camera.location",
        article: "Art. 9",
      }),
    );
    expect(s.code).toBe(status.PERMISSION_DENIED);
    expect(s.details).toBe("private place");
    expect(s.metadata.get(GRPC_METADATA.code)).toEqual(["permission_denied"]);
    expect(s.metadata.get(GRPC_METADATA.field)).toEqual(["camera.location"]);
    expect(s.metadata.get(GRPC_METADATA.article)).toEqual(["Art. 9"]);
  });

  it("hides anything else behind a bland internal error", () => {
    const { status: s, error } = toGrpcStatus(new Error("password=hunter2"));
    expect(s.code).toBe(status.INTERNAL);
    expect(s.details).toBe("internal error");
    expect(JSON.stringify(s.metadata.getMap())).not.toContain("hunter2");
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe("fromGrpcFailure", () => {
  it("rebuilds the VisError a VISLink server sent", () => {
    const { status: s } = toGrpcStatus(
      new VisError("failed_precondition", "not accepted", { article: "Art. 16" }),
    );
    const err = fromGrpcFailure(s, call);
    expect(err.toJSON()).toEqual({
      code: "failed_precondition",
      message: "not accepted",
      article: "Art. 16",
    });
  });

  it("names the address when there is no connection", () => {
    const err = fromGrpcFailure(
      { code: status.UNAVAILABLE, details: "connect ECONNREFUSED", metadata: new Metadata() },
      call,
    );
    expect(err.code).toBe("unavailable");
    expect(err.message).toBe("cannot reach 127.0.0.1:1: connect ECONNREFUSED");
  });

  it("keeps only the socket error from grpc-js's connection prose", () => {
    expect(
      connectReason(
        "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7101. Resolution note: ",
      ),
    ).toBe("connect ECONNREFUSED");
    expect(connectReason("Name resolution failed for target dns:nowhere: Resolution note: ")).toBe(
      "Name resolution failed for target dns:nowhere:",
    );
    expect(connectReason("")).toBe("no connection");
  });

  it("reports a local deadline with the method and the budget", () => {
    const err = fromGrpcFailure(
      { code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded" },
      call,
    );
    expect(err.code).toBe("deadline_exceeded");
    expect(err.message).toBe("/vis.ops.v1.Admin/GetInfo at 127.0.0.1:1: no answer within 250 ms");
  });

  it("maps foreign statuses by number", () => {
    expect(fromGrpcFailure({ code: status.NOT_FOUND, details: "nope" }, call).toJSON()).toEqual({
      code: "not_found",
      message: "nope",
    });
    expect(fromGrpcFailure({ code: 99 }, call).code).toBe("unknown");
  });
});
