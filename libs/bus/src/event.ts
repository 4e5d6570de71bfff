import type { DescMessage } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { checkName, parseEventSubject, type SubjectParts } from "./subject.ts";

/** A typed event: its subject, its protobuf schema and the JetStream stream that stores it. */
export interface EventType<Desc extends DescMessage = DescMessage> extends SubjectParts {
  readonly subject: string;
  readonly schema: Desc;
  readonly stream: string;
}

export interface EventDefinition<Desc extends DescMessage> {
  /** `vis.<service>.<entity>.<event>`, e.g. `vis.access.grant.revoked`. */
  readonly subject: string;
  /** The protobuf-es schema of the payload (`…Schema` from generated code). */
  readonly schema: Desc;
  /** Name of the stream whose subjects cover `subject`. */
  readonly stream: string;
}

/** Validates the subject and stream name once, at definition, and returns the typed event. */
export function defineEvent<Desc extends DescMessage>(def: EventDefinition<Desc>): EventType<Desc> {
  const parts = parseEventSubject(def.subject);
  checkName("stream", def.stream);
  if (def.schema?.kind !== "message") {
    throw new VisError("invalid_argument", `event ${def.subject}: schema must be a message`, {
      field: "schema",
    });
  }
  return Object.freeze({ ...parts, subject: def.subject, schema: def.schema, stream: def.stream });
}
