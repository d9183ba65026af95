/**
 * `@amstaff/plugin-http`: the HTTP plumbing Amstaff's HTTP handlers share. One request with abort and
 * timeout through one keep-alive agent, answers read up to a limit, failures worded the same way and
 * classified retryable or permanent (honouring `Retry-After`), secrets kept out of every message.
 *
 * @module
 */
export type { Dispatcher } from "undici";
export type {
  ExchangeOptions,
  HttpAnswer,
  HttpRequest,
  TransportFailureKind,
} from "./exchange.js";
export { exchange, TransportFailure } from "./exchange.js";
export type { DeliveryFailureOptions, HttpDeliveryOptions, RefusalWording } from "./httpDelivery.js";
export { bodyExcerpt, HttpDelivery } from "./httpDelivery.js";
export { sharedAgent } from "./sharedAgent.js";
