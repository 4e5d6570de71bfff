import type { DescMessage, MessageShape, Registry } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Validator, type Violation } from "@bufbuild/protovalidate";
import { VisError } from "@vis/errors";

/** Checks a request against its protovalidate rules; throws `invalid_argument` naming the field. */
export type RequestValidator = <Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
) => void;

/**
 * A validator over the given registry (needed for predefined rules and `Any`). One validator is
 * shared by every call: protovalidate compiles each message's rules once and caches them.
 */
export function createRequestValidator(registry?: Registry): RequestValidator {
  let validator: Validator | undefined;
  return (schema, message) => {
    validator ??= createValidator(registry ? { registry } : {});
    const result = validator.validate(schema, message);
    if (result.kind === "valid") return;
    if (result.kind === "invalid") throw violationsError(result.violations);
    // A rule that does not compile or fails at runtime is our bug, not the caller's.
    throw new VisError("internal", "internal error", { cause: result.error });
  };
}

/** `service: value does not match regex pattern ...`; several violations are joined with `; `. */
export function violationsError(violations: readonly Violation[]): VisError {
  const parts = violations.map((v) => {
    const path = pathToString(v.field);
    return path === "" ? v.message : `${path}: ${v.message}`;
  });
  const field = violations[0] ? pathToString(violations[0].field) : "";
  return new VisError("invalid_argument", parts.join("; ") || "invalid request", {
    ...(field === "" ? {} : { field }),
  });
}
