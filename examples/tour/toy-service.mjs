// A stand-in for "the user service" of the README's tour: GET /health answers 200 until you
// POST /break, and again after POST /fix. Plain Node.js, no dependencies.
import { createServer } from "node:http";

let healthy = true;
const port = Number(process.env.PORT ?? 8080);

createServer((request, response) => {
  if (request.method === "POST" && request.url === "/break") healthy = false;
  if (request.method === "POST" && request.url === "/fix") healthy = true;
  if (request.url === "/login") {
    response.writeHead(200, { "content-type": "text/html" }).end("<h1>Sign in</h1>");
    return;
  }
  response.writeHead(healthy ? 200 : 500, { "content-type": "application/json" });
  response.end(JSON.stringify({ status: healthy ? "UP" : "DOWN" }));
}).listen(port, "127.0.0.1", () => {
  console.log(`toy user service on http://127.0.0.1:${port} (POST /break, POST /fix)`);
});
