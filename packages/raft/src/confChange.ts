import type { ConfChange, ConfState } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a membership change as the data of a ConfChange log entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(cc));
}

/** Decodes the data of a ConfChange log entry; throws on anything else. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const v = JSON.parse(decoder.decode(data)) as ConfChange;
  if (typeof v !== "object" || v === null || typeof v.type !== "string") throw new Error("bad conf change");
  return v;
}

/** Applies one change to a membership, returning the new one (the input is not modified). */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  switch (cc.type) {
    case "bootstrap":
      return { voters: [...cc.voters].sort(), learners: [...cc.learners].sort() };
    case "addVoter":
      learners.delete(cc.id);
      voters.add(cc.id);
      break;
    case "addLearner":
      if (!voters.has(cc.id)) learners.add(cc.id);
      break;
    case "remove":
      voters.delete(cc.id);
      learners.delete(cc.id);
      break;
  }
  return { voters: [...voters].sort(), learners: [...learners].sort() };
}
