import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatusMap } from "grpc-health-check";

/** A CA made for the test, and a server certificate it signed for `localhost` and 127.0.0.1. */
export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
}

/** Makes {@link TestCertificates} with the openssl command line, in a temporary directory removed after. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-grpc-certs-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  try {
    openssl(
      "req",
      "-x509",
      ...newKey,
      "-keyout",
      file("ca.key"),
      "-out",
      file("ca.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=amstaff test CA",
    );
    openssl(
      "req",
      ...newKey,
      "-keyout",
      file("server.key"),
      "-out",
      file("server.csr"),
      "-subj",
      "/CN=localhost",
    );
    // Clients check the subjectAltName, not the CN.
    writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      file("server.csr"),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file("server.pem"),
      "-days",
      "2",
      "-extfile",
      file("san.ext"),
    );
    const read = (name: string) => readFileSync(file(name), "utf8");
    return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real `@grpc/grpc-js` server on 127.0.0.1 serving grpc-node's own health service (grpc-health-check). */
export interface HealthServer extends AsyncDisposable {
  port: number;
  /** Sets what the server answers, per service name ("" for the server as a whole). */
  health: HealthImplementation;
  /** The metadata of every call received. */
  received: grpc.Metadata[];
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** The statuses it starts with. @default { "": "SERVING" } */
  statuses?: ServingStatusMap;
  /** Serve TLS with this certificate. @default plaintext */
  tls?: TestCertificates;
  /** Leave the health service out: every call is UNIMPLEMENTED. @default false */
  withoutHealth?: boolean;
  /** Answer each call this much later, in milliseconds. @default 0 */
  delayMs?: number;
}

/** Starts a {@link HealthServer} on a free port of 127.0.0.1 (or of `::1` with `host`). */
export async function startHealthServer(
  options: HealthServerOptions = {},
  host = "127.0.0.1",
): Promise<HealthServer> {
  const server = new grpc.Server();
  const health = new HealthImplementation(options.statuses ?? { "": "SERVING" });
  const received: grpc.Metadata[] = [];
  if (!options.withoutHealth) {
    // grpc-node's health service, its Check wrapped to record the metadata and (optionally) answer late.
    health.addToServer({
      addService: (service, implementation) => {
        const check = implementation.check as grpc.handleUnaryCall<unknown, unknown>;
        server.addService(
          service as grpc.ServiceDefinition,
          {
            ...implementation,
            check: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
              received.push(call.metadata);
              setTimeout(() => check(call, callback), options.delayMs ?? 0);
            },
          } as grpc.UntypedServiceImplementation,
        );
      },
    } as Parameters<HealthImplementation["addToServer"]>[0]);
  }
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const address = host.includes(":") ? `[${host}]:0` : `${host}:0`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    health,
    received,
    [Symbol.asyncDispose]: async () => server.forceShutdown(),
  };
}
