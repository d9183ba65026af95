import { describe, expect, it } from "vitest";
import { isNotPermitted, parsePingOutput, pingFailure } from "./pingOutput.js";

// Printed by iputils 20221126 (Debian 12) and BusyBox 1.36 (Alpine), LC_ALL=C.
const iputils = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.035 ms
64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.047 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 2 received, 33.3333% packet loss, time 409ms
rtt min/avg/max/mdev = 0.035/0.041/0.047/0.006 ms
`;
const iputilsUnreachable = `PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.
From 10.0.0.1 icmp_seq=1 Destination Host Unreachable
From 10.0.0.1 icmp_seq=2 Destination Host Unreachable

--- 198.51.100.1 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1002ms
`;
const iputilsIpv6Name = `PING localhost(::1) 56 data bytes
64 bytes from ::1: icmp_seq=1 ttl=64 time=0.113 ms

--- localhost ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.113/0.113/0.113/0.000 ms
`;
const busybox = `PING router.lan (192.168.1.1): 56 data bytes
64 bytes from 192.168.1.1: seq=0 ttl=64 time=0.612 ms
64 bytes from 192.168.1.1: seq=1 ttl=64 time=0.498 ms
64 bytes from 192.168.1.1: seq=2 ttl=64 time=0.530 ms

--- router.lan ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.498/0.546/0.612 ms
`;

describe("parsePingOutput", () => {
  it("reads iputils' summary and the round trip of each reply", () => {
    expect(parsePingOutput(iputils)).toEqual({
      address: "127.0.0.1",
      transmitted: 3,
      received: 2,
      roundTripsMs: [0.035, 0.047],
    });
  });

  it("keeps the first error a router reported", () => {
    expect(parsePingOutput(iputilsUnreachable)).toEqual({
      address: "198.51.100.1",
      transmitted: 2,
      received: 0,
      roundTripsMs: [],
      firstError: "Destination Host Unreachable",
    });
  });

  it("reads the address a host name resolved to, IPv6 included", () => {
    expect(parsePingOutput(iputilsIpv6Name)).toMatchObject({
      address: "::1",
      received: 1,
      roundTripsMs: [0.113],
    });
  });

  it("reads BusyBox's wording", () => {
    expect(parsePingOutput(busybox)).toEqual({
      address: "192.168.1.1",
      transmitted: 3,
      received: 3,
      roundTripsMs: [0.612, 0.498, 0.53],
    });
  });

  it("is undefined without a summary", () => {
    expect(parsePingOutput("")).toBeUndefined();
    expect(parsePingOutput("PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n")).toBeUndefined();
  });
});

describe("ping's errors", () => {
  const iputilsDenied =
    "ping: socktype: SOCK_RAW\nping: socket: Operation not permitted\nping: => missing cap_net_raw+p capability or setuid?\n";

  it("says why ping failed, without its prefix", () => {
    expect(pingFailure("ping: nonexistent.invalid: Name or service not known\n")).toBe(
      "nonexistent.invalid: Name or service not known",
    );
    expect(pingFailure(iputilsDenied)).toBe(
      "socket: Operation not permitted; => missing cap_net_raw+p capability or setuid?",
    );
  });

  it("recognises ICMP that is not permitted, from iputils and BusyBox", () => {
    expect(isNotPermitted(iputilsDenied)).toBe(true);
    expect(isNotPermitted("ping: permission denied (are you root?)\n")).toBe(true);
    expect(isNotPermitted("ping: connect: Network is unreachable\n")).toBe(false);
  });
});
