// Prints every notification Amstaff's webhook handler sends, as the README's tour shows.
// Plain Node.js, no dependencies.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 9090);

createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    try {
      const { text, idempotencyKey } = JSON.parse(body);
      console.log(`${new Date().toISOString()}  ${text}  (key ${idempotencyKey})`);
    } catch {
      console.log(`${new Date().toISOString()}  unparseable body: ${body.slice(0, 200)}`);
    }
    response.writeHead(204).end();
  });
}).listen(port, "127.0.0.1", () => {
  console.log(`webhook receiver on http://127.0.0.1:${port}/amstaff`);
});
