import { Gateway, GrantsAuthorizer, templateSources } from "@vis/service-gateway";

// The gateway core as the benchmark runs it: real grant verification (the bench signs the token
// and passes its public JWKS), one on-demand pull of BENCH_SOURCE_TEMPLATE. Prints "ready <port>".
const jwks = JSON.parse(process.env.BENCH_JWKS ?? "{}");
const gateway = new Gateway({
  host: "127.0.0.1",
  port: 0,
  authorizer: new GrantsAuthorizer(() => jwks),
  sources: templateSources(process.env.BENCH_SOURCE_TEMPLATE ?? "", ["bench"]),
  refusalDelayMs: 200,
  streams: {
    ffmpegPath: "ffmpeg",
    idleGraceMs: 600_000,
    stallTimeoutMs: 10_000,
    backoffInitialMs: 500,
    backoffMaxMs: 5_000,
    upstreamOutageMaxMs: 60_000,
  },
});
const port = await gateway.listen();
if (process.env.BENCH_MEMLOG) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    process.stderr.write(
      `mem rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)} sessions ${gateway.sessions.size}\n`,
    );
  }, 2000).unref();
}
process.stdout.write(`ready ${port}\n`);
const stop = () => void gateway.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
