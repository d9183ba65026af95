// The API's answers as the `amstaff` commands read them: declared here, in one place, until the typed
// client derived from the OpenAPI document replaces them.

/** `POST /monitor`: what a push changed. */
export interface PushResult {
  module: string;
  team?: string;
  revision: number | null;
  changed: boolean;
  diff: { added: string[]; changed: string[]; removed: string[] };
}

/** `POST /modules/:name/rollback`: a push of an earlier revision. */
export interface RollbackResult extends PushResult {
  rolledBackTo: number;
}

/** `GET /modules`: one module. */
export interface ModuleSummary {
  name: string;
  team: string;
  revision: number;
  monitors: string[];
  updatedAt: number;
  pushedBy: string;
}

/** `PUT /modules/:name/team`: a module given to another team. */
export interface MoveResult {
  module: string;
  team: string;
  from?: string;
  changed: boolean;
}

/** `GET /modules/:name/history`: the revisions pushed of a module. */
export interface HistoryView {
  current: number | null;
  revisions: {
    revision: number;
    hash: string;
    at: number;
    pushedBy: string;
    pushedByTeam?: string;
    monitors: string[];
  }[];
}

/** `GET /monitors`: one monitor and its status. */
export interface MonitorStatusView {
  module: string;
  team: string;
  monitor: string;
  status: string;
  since: number | null;
  lastResult: { message: string } | null;
  incident: { acknowledged: unknown } | null;
  flapping?: boolean;
  suppressed?: string | null;
}

/** `GET /silences`, `POST /silences`, `DELETE /silences/:id`: one silence. */
export interface SilenceView {
  id: string;
  module?: string;
  scope: { monitors?: string[]; tags?: string[] };
  from: number;
  until: number;
  by: string;
  reason: string;
}

/** `GET /cluster`: the nodes, their roles and modules. */
export interface ClusterView {
  leader: string | null;
  term: number;
  members: { id: string; role: string; health: string; apiUrl: string | null; modules: string[] }[];
}

/** `GET /whoami`: the token in use. */
export interface WhoamiView {
  name: string;
  team: string;
  role: string;
}

/** `GET /audit`: one write the cluster applied. */
export interface AuditView {
  at: number;
  action: string;
  target?: string;
  detail?: string;
  actor: { name: string; team?: string };
}
