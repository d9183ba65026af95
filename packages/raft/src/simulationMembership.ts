import type { RaftCore } from "./raft.js";
import type { Rng } from "./rng.js";
import type { NodeId } from "./types.js";

/** What {@link changeMembership} asked of the leader. */
export interface MembershipFault {
  /** The log index of the membership change the leader accepted, if any. */
  confChangeAt?: number;
  /** The voter leadership is being handed to, if any. */
  transferTo?: NodeId;
}

/**
 * The simulation's operator, acting on the leader's `core`: one random membership change among the
 * cluster's `nodes` — add a learner, promote a learner that caught up, remove a voter (while more than
 * three) or a learner — and, now and then, a leadership transfer to a random voter.
 */
export function changeMembership(core: RaftCore, nodes: NodeId[], r: Rng): MembershipFault {
  const conf = core.conf();
  const outsiders = nodes.filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
  const choice = r.int(0, 4);
  let res: ReturnType<RaftCore["proposeConfChange"]> | undefined;
  if (choice === 0 && outsiders.length > 0)
    res = core.proposeConfChange({ type: "addLearner", id: r.pick(outsiders) });
  else if (choice === 1 && conf.learners.length > 0) {
    const id = r.pick(conf.learners);
    // Promote only a learner that caught up, as the node wrapper does.
    const pr = core.progress(id);
    if (pr && pr.match >= core.commit - 5) res = core.proposeConfChange({ type: "addVoter", id });
  } else if (choice === 2 && conf.voters.length > 3) {
    res = core.proposeConfChange({ type: "remove", id: r.pick(conf.voters) });
  } else if (choice === 3 && conf.learners.length > 0) {
    res = core.proposeConfChange({ type: "remove", id: r.pick(conf.learners) });
  } else if (choice === 2 && conf.voters.length <= 3 && outsiders.length > 0) {
    res = core.proposeConfChange({ type: "addLearner", id: r.pick(outsiders) });
  }
  const fault: MembershipFault = {};
  if (res && !("refused" in res)) fault.confChangeAt = res.index;
  if (r.chance(0.2)) {
    fault.transferTo = r.pick(conf.voters);
    core.transferLeadership(fault.transferTo);
  }
  return fault;
}
