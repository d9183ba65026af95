import type { Message, RaftTransport } from "@amstaff/raft";

/**
 * The Raft transport, with a switch that drops every message in and out (fault injection for the
 * partition test). Without a TCP transport (a cluster of one), messages go nowhere: there is no peer.
 */
export function faultyTransport(inner: RaftTransport | undefined, isolated: () => boolean): RaftTransport {
  return {
    listen: (handler: (message: Message) => void, delivered?: () => void) =>
      inner?.listen((message) => {
        if (!isolated()) handler(message);
      }, delivered),
    send: (messages: Message[]) => {
      if (!isolated()) inner?.send(messages);
    },
    close: () => inner?.close(),
  };
}
