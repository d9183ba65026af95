import { clusterConformance } from "./clusterConformance.js";

// The cluster conformance suite on a real 3-member etcd (the same cases run on Raft in cluster.test.ts).
clusterConformance("etcd");
