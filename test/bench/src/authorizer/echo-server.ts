import * as grpc from "@grpc/grpc-js";

// A bare grpc-js echo server: the baseline the authorizer's RPCs are compared with. Same transport,
// same bytes, no work. Prints the same ready line as the services.
const identity = (b: Buffer) => b;
const definition: grpc.ServiceDefinition = {
  echo: {
    path: "/bench.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const server = new grpc.Server();
server.addService(definition, {
  echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
    callback(null, call.request),
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`echo: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ msg: "ready", grpc: `127.0.0.1:${port}` })}\n`);
});
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
