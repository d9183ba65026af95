import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

/**
 * The monitors of the user service. Push it with:
 *   curl -H "Authorization: Bearer $AMSTAFF_TOKEN" --data-binary @examples/user-service.ts http://127.0.0.1:7070/monitor
 */
export default amstaff("User Service", (m) => {
  m.monitor("Health-Check Failed", {
    sampler: httpGet({ url: "http://127.0.0.1:8080/health", okStatus: [200, 201] }),
    timing: every("5s"),
    handlers: [webhook({ url: "http://127.0.0.1:9090/amstaff" })],
    tags: ["production", "user-service", "team8"],
  });

  m.monitor("Slow Login Page", {
    sampler: httpGet({
      url: "http://127.0.0.1:8080/login",
      latency: { warning: 300, critical: 1000 },
      expect: { contains: "Sign in" },
    }),
    timing: every("30s"),
    consecutive: 2,
    handlers: [webhook({ url: "http://127.0.0.1:9090/amstaff" })],
    tags: ["production", "user-service"],
  });
});
