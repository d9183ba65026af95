export { decodeBinaryMessage, encodeBinaryMessage } from "./binaryMessageCodec.js";
export type { RaftClock } from "./clock.js";
export { systemClock } from "./clock.js";
export { applyConfChange, decodeConfChange, encodeConfChange } from "./confChange.js";
export { NotLeaderError, RaftError, RaftErrorCode } from "./errors.js";
export type { KvCommand } from "./kvStateMachine.js";
export { KvStateMachine } from "./kvStateMachine.js";
export { LazyCommit } from "./lazyCommit.js";
export { decodeMessage, encodeMessage } from "./messageCodec.js";
export type { ProposalOutcome, ProposalTrackerOptions, SettledProposal } from "./proposalTracker.js";
export { ProposalTracker } from "./proposalTracker.js";
export type { ProposeRefusal, RaftCoreOptions, RaftCoreState } from "./raft.js";
export { RaftCore } from "./raft.js";
export type {
  CommandCodec,
  ProposeOptions,
  RaftLogger,
  RaftNodeEvents,
  RaftNodeOptions,
  StateMachine,
} from "./raftNode.js";
export { RaftNode } from "./raftNode.js";
export type { SnapshotPolicyOptions } from "./snapshotPolicy.js";
export { ENTRY_OVERHEAD_BYTES, SnapshotPolicy } from "./snapshotPolicy.js";
export type { SqliteStorageOptions } from "./sqliteStorage.js";
export { SqliteStorage } from "./sqliteStorage.js";
export type { RaftStorage, StorageUpdate, StoredState } from "./storage.js";
export { MemoryStorage } from "./storage.js";
export type { PeerAddress, TcpTransportOptions, TcpTransportTls } from "./tcpTransport.js";
export { TcpTransport } from "./tcpTransport.js";
export type { RaftTransport } from "./transport.js";
export type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMeta,
  SoftState,
} from "./types.js";
export { EntryType, MAX_TERM_BOUNDARIES, MessageTypes } from "./types.js";
export type { WalCheckpointerOptions, WalCheckpointResult } from "./walCheckpointer.js";
export { WalCheckpointer } from "./walCheckpointer.js";
export type { WireProtocol } from "./wireProtocols.js";
export { WIRE_PROTOCOLS } from "./wireProtocols.js";
export type { TraceHop, WriteTracer } from "./writeTrace.js";
export { TraceHops, writeTrace } from "./writeTrace.js";
