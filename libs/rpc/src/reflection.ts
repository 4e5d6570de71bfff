import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import {
  ServerReflectionResponseSchema as ResponseV1,
  type ServerReflection,
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  type ServerReflectionResponseSchema,
} from "@vis/proto/grpc/reflection/v1/reflection_pb";
import {
  ServerReflectionRequestSchema as RequestV1alpha,
  ServerReflectionResponseSchema as ResponseV1alpha,
  type ServerReflection as ServerReflectionV1alpha,
} from "@vis/proto/grpc/reflection/v1alpha/reflection_pb";
import type { ReflectionIndex } from "./reflection-index.ts";
import type { ServiceImpl } from "./service-impl.ts";

type Response = MessageInitShape<typeof ServerReflectionResponseSchema>;

/** Answers one reflection request from the index; unknown names get an error_response. */
export function answerReflection(index: ReflectionIndex, req: ServerReflectionRequest): Response {
  const base = { validHost: req.host, originalRequest: req };
  const files = (bytes: Uint8Array[]): Response => ({
    ...base,
    messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: bytes } },
  });
  const error = (code: number, message: string): Response => ({
    ...base,
    messageResponse: { case: "errorResponse", value: { errorCode: code, errorMessage: message } },
  });
  const r = req.messageRequest;
  switch (r.case) {
    case "listServices":
      return {
        ...base,
        messageResponse: {
          case: "listServicesResponse",
          value: { service: index.services().map((name) => ({ name })) },
        },
      };
    case "fileByFilename": {
      const file = index.fileByName(r.value);
      return file
        ? files(index.withDependencies(file))
        : error(status.NOT_FOUND, `file not found: ${r.value}`);
    }
    case "fileContainingSymbol": {
      const file = index.fileContainingSymbol(r.value);
      return file
        ? files(index.withDependencies(file))
        : error(status.NOT_FOUND, `symbol not found: ${r.value}`);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = r.value;
      const file = index.fileContainingExtension(containingType, extensionNumber);
      return file
        ? files(index.withDependencies(file))
        : error(status.NOT_FOUND, `extension not found: ${containingType}(${extensionNumber})`);
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(r.value);
      if (numbers === undefined) return error(status.NOT_FOUND, `type not found: ${r.value}`);
      return {
        ...base,
        messageResponse: {
          case: "allExtensionNumbersResponse",
          value: { baseTypeName: r.value, extensionNumber: numbers },
        },
      };
    }
    default:
      return error(status.INVALID_ARGUMENT, "empty reflection request");
  }
}

/** grpc.reflection.v1.ServerReflection over the index. */
export function reflectionImpl(index: ReflectionIndex): ServiceImpl<typeof ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield answerReflection(index, req);
    },
  };
}

/** grpc.reflection.v1alpha.ServerReflection: same wire format, so it reuses the v1 answers. */
export function reflectionV1alphaImpl(
  index: ReflectionIndex,
): ServiceImpl<typeof ServerReflectionV1alpha> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const v1 = fromBinary(ServerReflectionRequestSchema, toBinary(RequestV1alpha, req));
        const answer = toBinary(ResponseV1, create(ResponseV1, answerReflection(index, v1)));
        yield fromBinary(ResponseV1alpha, answer);
      }
    },
  };
}
