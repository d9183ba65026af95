import { clusterConformance } from "./clusterConformance.js";

// The cluster conformance suite on Raft (the same cases run on etcd in clusterEtcd.test.ts).
clusterConformance("raft");
