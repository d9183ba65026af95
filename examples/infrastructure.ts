import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { dns } from "@amstaff/sampler-dns";
import { grpc } from "@amstaff/sampler-grpc";
import { heartbeat } from "@amstaff/sampler-heartbeat";
import { icmp } from "@amstaff/sampler-icmp";
import { tcp } from "@amstaff/sampler-tcp";
import { websocket } from "@amstaff/sampler-websocket";

/**
 * One monitor per network sampler, against services on this machine. Push it with:
 *   npx amstaff push examples/infrastructure.ts
 * then print the backup job's ping URL with `npx amstaff ping-url Infrastructure "Nightly backup"`.
 */
const alerts = [webhook({ url: "http://127.0.0.1:9090/amstaff" })];

export default amstaff("Infrastructure", (m) => {
  m.monitor("PostgreSQL port", {
    sampler: tcp({ host: "127.0.0.1", port: 5432, latency: { warning: 50, critical: 500 } }),
    timing: every("30s"),
    handlers: alerts,
  });

  m.monitor("Redis answers PING", {
    sampler: tcp({ host: "127.0.0.1", port: 6379, send: "PING\r\n", expect: { equals: "+PONG" } }),
    timing: every("30s"),
    handlers: alerts,
  });

  m.monitor("Internal DNS", {
    sampler: dns({
      domain: "db.internal.test",
      type: "A",
      resolver: "127.0.0.1:5353",
      expect: { equals: ["10.0.0.5"] },
    }),
    timing: every("1m"),
    handlers: alerts,
  });

  m.monitor("Live updates socket", {
    sampler: websocket({ url: "ws://127.0.0.1:8080/live", send: "ping", expect: { equals: "pong" } }),
    timing: every("1m"),
    handlers: alerts,
  });

  m.monitor("Orders service health", {
    sampler: grpc({ host: "127.0.0.1", port: 50051, service: "orders.v1.Orders", timeout: "2s" }),
    timing: every("30s"),
    handlers: alerts,
  });

  m.monitor("Gateway reachable", {
    sampler: icmp({ host: "127.0.0.1", count: 3, packetLoss: { warning: 34, critical: 67 } }),
    timing: every("1m"),
    handlers: alerts,
  });

  m.monitor("Nightly backup", {
    sampler: heartbeat({ cron: "0 3 * * *", grace: "30m" }),
    timing: every("1m"),
    handlers: alerts,
  });
});
