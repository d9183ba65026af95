import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { AmstaffError, type AmstaffErrorCode, describeError } from "@amstaff/core";

/** The TLS flags: certificate files read and checked (a key that does not match its certificate fails here). */
export function tlsOptions(
  values: Record<string, string | string[] | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): {
  clusterTls?: { ca: Buffer; cert: Buffer; key: Buffer };
  insecureClusterTransport: boolean;
  tls?: { cert: Buffer; key: Buffer };
} {
  const flag = (name: string, envName: string) => {
    const value = values[name] ?? env[envName];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const cluster = {
    ca: flag("cluster-ca", "AMSTAFF_CLUSTER_CA"),
    cert: flag("cluster-cert", "AMSTAFF_CLUSTER_CERT"),
    key: flag("cluster-key", "AMSTAFF_CLUSTER_KEY"),
  };
  const api = { cert: flag("tls-cert", "AMSTAFF_TLS_CERT"), key: flag("tls-key", "AMSTAFF_TLS_KEY") };
  const insecureClusterTransport =
    values["insecure-cluster-transport"] === true || env.AMSTAFF_INSECURE_CLUSTER_TRANSPORT === "1";
  const given = Object.values(cluster).filter(Boolean).length;
  if (given > 0 && given < 3) {
    throw new AmstaffError(
      "AMS_ERR_CLUSTER_TLS",
      "Node traffic TLS needs all of --cluster-ca, --cluster-cert and --cluster-key (amstaff-server certs makes them).",
    );
  }
  if ((api.cert === undefined) !== (api.key === undefined)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "HTTPS for the API needs both --tls-cert and --tls-key.",
    );
  }
  const clusterTls =
    given === 3
      ? {
          ca: readPem(cluster.ca!, "--cluster-ca", "AMS_ERR_CLUSTER_TLS"),
          cert: readPem(cluster.cert!, "--cluster-cert", "AMS_ERR_CLUSTER_TLS"),
          key: readPem(cluster.key!, "--cluster-key", "AMS_ERR_CLUSTER_TLS"),
        }
      : undefined;
  if (clusterTls) checkPair(clusterTls, "--cluster-cert and --cluster-key", "AMS_ERR_CLUSTER_TLS");
  const tls = api.cert
    ? {
        cert: readPem(api.cert, "--tls-cert", "AMS_ERR_REQUEST_INVALID"),
        key: readPem(api.key!, "--tls-key", "AMS_ERR_REQUEST_INVALID"),
      }
    : undefined;
  if (tls) checkPair(tls, "--tls-cert and --tls-key", "AMS_ERR_REQUEST_INVALID");
  return {
    ...(clusterTls ? { clusterTls } : {}),
    ...(tls ? { tls } : {}),
    insecureClusterTransport,
  };
}

/** Reads a PEM file named by `flag`; a file that cannot be read fails with `code`, naming the flag. */
export function readPem(path: string, flag: string, code: AmstaffErrorCode): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new AmstaffError(code, `${flag}: cannot read ${path} (${describeError(error)}).`);
  }
}

function checkPair(
  files: { ca?: Buffer; cert: Buffer; key: Buffer },
  what: string,
  code: AmstaffErrorCode,
): void {
  try {
    createSecureContext(files);
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line") names no key material.
    throw new AmstaffError(
      code,
      `${what} are not a usable PEM certificate and matching key: ${describeError(error)}.`,
    );
  }
}
