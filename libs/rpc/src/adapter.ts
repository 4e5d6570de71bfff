import {
  type DescMessage,
  type DescMethod,
  type DescService,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/** The gRPC path of a method: `/vis.ops.v1.Admin/GetInfo`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Encodes a message for the wire; grpc-js wants a Buffer, so wrap the bytes without copying. */
export function serializer<Desc extends DescMessage>(
  schema: Desc,
): (value: MessageShape<Desc>) => Buffer {
  return (value) => {
    const bytes = toBinary(schema, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** Decodes a message from the wire. Unknown fields are kept (forward compatibility). */
export function deserializer<Desc extends DescMessage>(
  schema: Desc,
): (bytes: Buffer) => MessageShape<Desc> {
  return (bytes) => fromBinary(schema, bytes);
}

/** One grpc-js method definition from a protobuf-es method descriptor. */
export function methodDefinition(
  method: DescMethod,
): MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>> {
  return {
    path: methodPath(method),
    originalName: method.localName,
    requestStream:
      method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream:
      method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: serializer(method.input),
    requestDeserialize: deserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
  };
}

/**
 * A grpc-js `ServiceDefinition` for a protobuf-es v2 service descriptor (a generated `GenService`),
 * keyed by the method's proto name (`GetInfo`), as `@grpc/proto-loader` does.
 */
export function serviceDefinition(service: DescService): ServiceDefinition {
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    def[method.name] = methodDefinition(method) as MethodDefinition<unknown, unknown>;
  }
  return def as ServiceDefinition;
}
