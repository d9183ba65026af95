import { request as httpsRequest } from "node:https";

/**
 * What a TLS client gets from `url`: the status, or the error that ended the connection. With `body`,
 * a `POST` of that JSON.
 */
export function tlsProbe(
  url: string,
  options: { ca?: Buffer; cert?: Buffer; key?: Buffer; token?: string; body?: string },
): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const req = httpsRequest(
      url,
      {
        method: options.body === undefined ? "GET" : "POST",
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        headers,
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode });
      },
    );
    req.on("error", (error: Error & { code?: string }) => resolve({ error: error.code ?? error.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(options.body);
  });
}
