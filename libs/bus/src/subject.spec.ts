import { VisError } from "@vis/errors";
import { describe, expect, it } from "vitest";
import { checkName, checkSubject, parseEventSubject } from "./subject.ts";

describe("event subjects", () => {
  it("accepts vis.<service>.<entity>.<event>", () => {
    expect(parseEventSubject("vis.access.grant.revoked")).toEqual({
      service: "access",
      entity: "grant",
      event: "revoked",
    });
    expect(parseEventSubject("vis.ops2.instance_x.started_now").entity).toBe("instance_x");
  });

  it.each([
    "vis.access.grant",
    "vis.access.grant.revoked.extra",
    "vis.Access.grant.revoked",
    "vis.access.grant.*",
    "vis.access.grant.>",
    "other.access.grant.revoked",
    "vis.access..revoked",
    "vis.1access.grant.revoked",
    "vis.acc-ess.grant.revoked",
    "",
  ])("refuses %j with invalid_argument naming the subject", (subject) => {
    try {
      parseEventSubject(subject);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VisError);
      expect((err as VisError).code).toBe("invalid_argument");
      expect((err as VisError).message).toContain(`"${subject}"`);
    }
  });
});

describe("names and core subjects", () => {
  it("checks stream and durable names", () => {
    expect(() => checkName("stream", "VIS_OPS-1")).not.toThrow();
    expect(() => checkName("durable", "a.b")).toThrow(/durable name/);
    expect(() => checkName("stream", "")).toThrow(VisError);
  });

  it("checks core subjects and filters", () => {
    for (const ok of ["vis.status.ping", "vis.*.instance.*", "vis.>", ">", "a"]) {
      expect(() => checkSubject(ok)).not.toThrow();
    }
    for (const bad of ["", "a..b", "a.>.b", "a b", ".a", "a."]) {
      expect(() => checkSubject(bad)).toThrow(VisError);
    }
  });
});
