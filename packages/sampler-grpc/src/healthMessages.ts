/**
 * The two messages of `grpc.health.v1.Health/Check`, encoded by hand in protobuf's wire format
 * (https://protobuf.dev/programming-guides/encoding/):
 *
 * ```proto
 * message HealthCheckRequest { string service = 1; }
 * message HealthCheckResponse {
 *   enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 *   ServingStatus status = 1;
 * }
 * ```
 *
 * Hand-encoding one string field and one enum field spares the sampler protobufjs and a `.proto` file that
 * would have to be found on disk at run time (and survive bundling); the health proto is frozen.
 */

/** The serving statuses of `HealthCheckResponse`, by their wire number. */
export const servingStatuses = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

/** A serving status as the health protocol names it, or `UNRECOGNIZED(<n>)` for a number it does not define. */
export type ServingStatus = (typeof servingStatuses)[number] | `UNRECOGNIZED(${number})`;

/** Field 1 with wire type 2 (length-delimited) or 0 (varint): the tag bytes of both messages' one field. */
const stringTag = (1 << 3) | 2;
const varintTag = (1 << 3) | 0;

function encodeVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

/** Reads a varint at `offset`; returns the value and the offset after it. */
function decodeVarint(buffer: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    const byte = buffer[position++];
    if (byte === undefined) throw new Error("truncated HealthCheckResponse");
    // Only the low 32 bits matter for an enum; later bytes of a (negative, 10-byte) varint are skipped.
    if (shift < 32) value |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value >>> 0, position];
  }
}

/** Encodes a `HealthCheckRequest` for `service` ("" asks about the server as a whole). */
export function encodeHealthCheckRequest(service: string): Buffer {
  // proto3 leaves a default (empty) field out entirely.
  if (service === "") return Buffer.alloc(0);
  const text = Buffer.from(service, "utf8");
  return Buffer.concat([Buffer.from([stringTag, ...encodeVarint(text.length)]), text]);
}

/**
 * Decodes a `HealthCheckResponse`. Fields other than `status` (none today) are skipped, as protobuf requires
 * of a reader that meets fields it does not know.
 */
export function decodeHealthCheckResponse(buffer: Buffer): ServingStatus {
  let status = 0;
  let offset = 0;
  while (offset < buffer.length) {
    const [key, afterKey] = decodeVarint(buffer, offset);
    const wireType = key & 7;
    if (wireType === 0) {
      const [value, next] = decodeVarint(buffer, afterKey);
      if (key === varintTag) status = value;
      offset = next;
    } else if (wireType === 2) {
      const [length, next] = decodeVarint(buffer, afterKey);
      offset = next + length;
    } else if (wireType === 1) {
      offset = afterKey + 8;
    } else if (wireType === 5) {
      offset = afterKey + 4;
    } else {
      throw new Error(`unsupported wire type ${wireType} in HealthCheckResponse`);
    }
  }
  if (offset > buffer.length) throw new Error("truncated HealthCheckResponse");
  return servingStatuses[status] ?? `UNRECOGNIZED(${status})`;
}
