import { create } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { ListInstancesRequestSchema } from "@vis/proto/vis/health/v1/monitor_pb";
import { InstanceStoppingSchema } from "@vis/proto/vis/ops/v1/instance_pb";
import { describe, expect, it } from "vitest";
import { createRequestValidator } from "./validation.ts";

const validate = createRequestValidator();

function failure(run: () => void): VisError {
  try {
    run();
  } catch (err) {
    if (err instanceof VisError) return err;
    throw err;
  }
  throw new Error("expected a validation failure");
}

describe("request validation", () => {
  it("accepts a valid request and an unset optional filter", () => {
    validate(
      ListInstancesRequestSchema,
      create(ListInstancesRequestSchema, { service: "registry" }),
    );
    validate(ListInstancesRequestSchema, create(ListInstancesRequestSchema, {}));
  });

  it("names the field and the rule: `<path>: <rule message>`", () => {
    const err = failure(() =>
      validate(
        ListInstancesRequestSchema,
        create(ListInstancesRequestSchema, { service: "Bad Name" }),
      ),
    );
    expect(err.code).toBe("invalid_argument");
    expect(err.field).toBe("service");
    expect(err.message).toBe("service: does not match regex pattern `^[a-z][a-z0-9-]*$`");
  });

  it("uses dotted paths for nested fields and lists every violation", () => {
    const err = failure(() =>
      validate(
        InstanceStoppingSchema,
        create(InstanceStoppingSchema, {
          meta: {
            id: "e1",
            time: { seconds: 1n },
            actor: { service: "registry", personIds: ["p1", ""] },
          },
          service: "registry",
          instanceId: "i1",
        }),
      ),
    );
    expect(err.field).toBe("meta.actor.person_ids[1]");
    expect(err.message).toBe("meta.actor.person_ids[1]: must be at least 1 characters");
  });
});
