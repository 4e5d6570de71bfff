import { VisError } from "@vis/errors";

const PART = "[a-z][a-z0-9_]*";
const EVENT_SUBJECT = new RegExp(`^vis\\.(${PART})\\.(${PART})\\.(${PART})$`);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A NATS subject for core messaging: dot-separated tokens, `*` and a final `>` allowed. */
const SUBJECT = /^([^.\s*>]+|\*)(\.([^.\s*>]+|\*))*(\.>)?$|^>$/;

export interface SubjectParts {
  readonly service: string;
  readonly entity: string;
  readonly event: string;
}

/**
 * Checks an event subject `vis.<service>.<entity>.<event>` (each part `[a-z][a-z0-9_]*`) and returns
 * its parts; throws `invalid_argument` naming the subject otherwise.
 */
export function parseEventSubject(subject: string): SubjectParts {
  const m = EVENT_SUBJECT.exec(subject);
  if (m === null) {
    throw new VisError(
      "invalid_argument",
      `event subject "${subject}" must be vis.<service>.<entity>.<event>, each part [a-z][a-z0-9_]*`,
      { field: "subject" },
    );
  }
  return { service: m[1] ?? "", entity: m[2] ?? "", event: m[3] ?? "" };
}

/** Stream and durable consumer names: letters, digits, `_` and `-`, at most 64. */
export function checkName(kind: "stream" | "durable", name: string): void {
  if (!NAME.test(name)) {
    throw new VisError(
      "invalid_argument",
      `${kind} name "${name}" must be 1-64 characters of [A-Za-z0-9_-]`,
      { field: kind },
    );
  }
}

/** A subject (or filter with `*` / trailing `>`) usable on core NATS. */
export function checkSubject(subject: string, field = "subject"): void {
  if (!SUBJECT.test(subject)) {
    throw new VisError("invalid_argument", `"${subject}" is not a valid NATS subject`, { field });
  }
}

/** A concrete subject to publish on: valid and without wildcards. */
export function checkPublishSubject(subject: string, field = "subject"): void {
  checkSubject(subject, field);
  if (/(^|\.)[*>](\.|$)/.test(subject)) {
    throw new VisError("invalid_argument", `cannot publish on wildcard subject "${subject}"`, {
      field,
    });
  }
}
