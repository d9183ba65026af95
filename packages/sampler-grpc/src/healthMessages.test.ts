import { describe, expect, it } from "vitest";
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from "./healthMessages.js";

// Independent of grpc-node's encoder (exercised by the sampler's tests): the bytes protobuf's spec gives.
describe("health messages", () => {
  it("encodes the service as field 1, and nothing for the server as a whole", () => {
    expect(encodeHealthCheckRequest("")).toEqual(Buffer.alloc(0));
    expect(encodeHealthCheckRequest("a.B")).toEqual(Buffer.from([0x0a, 3, 0x61, 0x2e, 0x42]));
    const long = "s".repeat(200);
    expect(encodeHealthCheckRequest(long).subarray(0, 3)).toEqual(Buffer.from([0x0a, 0xc8, 0x01]));
  });

  it("decodes every serving status, an empty message as UNKNOWN, and skips fields it does not know", () => {
    expect(decodeHealthCheckResponse(Buffer.alloc(0))).toBe("UNKNOWN");
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 1]))).toBe("SERVING");
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 2]))).toBe("NOT_SERVING");
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 3]))).toBe("SERVICE_UNKNOWN");
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 9]))).toBe("UNRECOGNIZED(9)");
    expect(decodeHealthCheckResponse(Buffer.from([0x12, 2, 0x68, 0x69, 0x08, 1, 0x18, 0x96, 0x01]))).toBe(
      "SERVING",
    );
  });

  it("refuses a truncated message", () => {
    expect(() => decodeHealthCheckResponse(Buffer.from([0x08]))).toThrow(/truncated/);
    expect(() => decodeHealthCheckResponse(Buffer.from([0x12, 5, 0x68]))).toThrow(/truncated/);
  });
});
