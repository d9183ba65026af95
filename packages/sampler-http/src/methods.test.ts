import { describe, expect, it } from "vitest";
import { reply, startServer } from "./__tests__/testServer.js";
import { httpSampler } from "./httpSampler.js";
import { httpMethods } from "./options.js";

describe("methods and bodies", () => {
  it.each(httpMethods)("sends %s as given, with a body where the method allows one", async (method) => {
    await using server = await startServer(reply(200, method === "HEAD" ? "" : "done"));
    const withBody = method !== "GET" && method !== "HEAD";
    const result = await httpSampler({
      url: `${server.origin}/resource`,
      method,
      ...(withBody ? { body: { probe: true } } : {}),
    }).probe();
    expect(result.status, result.message).toBe("ok");
    const received = server.requests[0];
    expect(received?.method).toBe(method);
    expect(received?.url).toBe("/resource");
    expect(received?.headers["user-agent"]).toBe("amstaff-sampler-http");
    if (withBody) {
      expect(received?.body).toBe('{"probe":true}');
      expect(received?.headers["content-length"]).toBe("14");
    } else {
      expect(received?.body).toBe("");
    }
  });

  it.each([307, 308])("keeps the method and the body through a %i redirect", async (code) => {
    await using server = await startServer((request, response) => {
      if (request.url === "/old") response.writeHead(code, { location: "/new" }).end();
      else response.end("moved");
    });
    const result = await httpSampler({
      url: `${server.origin}/old`,
      method: "PUT",
      body: "payload",
      headers: { "content-type": "text/plain" },
    }).probe();
    expect(result.status, result.message).toBe("ok");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body} ${r.headers["content-type"]}`)).toEqual(
      ["PUT /old payload text/plain", "PUT /new payload text/plain"],
    );
  });

  it("turns a POST into a GET on a 301 or 302, but keeps a PATCH", async () => {
    await using server = await startServer((request, response) => {
      if (request.url === "/old") response.writeHead(302, { location: "/new" }).end();
      else response.end("ok");
    });
    await httpSampler({ url: `${server.origin}/old`, method: "POST", body: "a" }).probe();
    await httpSampler({ url: `${server.origin}/old`, method: "PATCH", body: "b" }).probe();
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "POST /old a",
      "GET /new ",
      "PATCH /old b",
      "PATCH /new b",
    ]);
  });
});
