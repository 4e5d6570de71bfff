import type { MessageInitShape } from "@bufbuild/protobuf";
import { VisError } from "@vis/errors";
import { Access, type ListRevocationsResponseSchema } from "@vis/proto/vis/access/v1/access_pb";
import { createRpcServer, type ServiceImpl } from "@vis/rpc";
import { GrantIssuer, generateSigningKey, publicJwks } from "../../../libs/grants/src/index.ts";

type Revocations = MessageInitShape<typeof ListRevocationsResponseSchema>["grants"];

/** What a gateway asks the authorizer for (keys, revocations), served over real gRPC. */
export interface AccessStandIn {
  /** Signs grants the gateway accepts. */
  readonly issuer: GrantIssuer;
  /** `127.0.0.1:<port>`, for `VIS_AUTH_AUTHORIZER_ADDRESS`. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * An authorizer stand-in for gateway tests: a gRPC server with the Access service answering
 * GetJwks (a fresh signing key) and ListRevocations; every other method is `unimplemented`.
 */
export async function startAccessStandIn(revocations: Revocations = []): Promise<AccessStandIn> {
  const ring = { keys: [await generateSigningKey()] };
  const jwksJson = JSON.stringify(publicJwks(ring));
  const server = createRpcServer({});
  server.add(Access, {
    ...Object.fromEntries(
      Access.methods.map((m) => [
        m.localName,
        async () => {
          throw new VisError("unimplemented", `${m.name} is not part of this stand-in`);
        },
      ]),
    ),
    getJwks: async () => ({ jwksJson }),
    listRevocations: async () => ({ grants: revocations }),
  } as unknown as ServiceImpl<typeof Access>);
  const port = await server.listen();
  return {
    issuer: new GrantIssuer(ring),
    address: `127.0.0.1:${port}`,
    close: () => server.close(0),
  };
}
