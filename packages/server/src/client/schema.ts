// Generated from GET /openapi.json by `pnpm --filter @amstaff/server openapi` (openapi-typescript).
// Do not edit: change the routes in src/http/routes, then run the script again.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness, version, scheduler and event loop health (no token) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The node is up */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                            version: string;
                            modules: number;
                            scheduler: {
                                runs: number;
                                skipped: number;
                                latenessMs: {
                                    p50: number;
                                    p99: number;
                                    max: number;
                                };
                                slots: {
                                    limit: number;
                                    active: number;
                                    waiting: number;
                                };
                            };
                            eventLoopDelayMs: {
                                p50: number;
                                p99: number;
                                max: number;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics, in the text format (no token with metricsPublic) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The metrics */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/whoami": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling token's name, team and role */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            team: string;
                            /** @enum {string} */
                            role: "admin" | "write" | "operate" | "read";
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/plugins": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The installed samplers and handlers, their builders and options (JSON Schema) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The plugins */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "sampler" | "handler";
                            package: string;
                            description: string;
                            builders: string[];
                            options?: unknown;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every write, newest first (an admin sees all; other tokens their own team's) */
        get: {
            parameters: {
                query?: {
                    module?: string;
                    team?: string;
                    limit?: string;
                    consistent?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The audit entries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditEntry"][];
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/monitor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Push a module file: creates (201) or replaces (200) the module of that name */
        post: {
            parameters: {
                query?: {
                    /** @description The team of a new module (admin tokens) */
                    team?: string;
                    /** @description `true`: answer the diff, change nothing */
                    dryRun?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description The module file */
            requestBody: {
                content: {
                    "text/plain": string;
                };
            };
            responses: {
                /** @description Replaced, unchanged, or a dry run */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PushResult"];
                    };
                };
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PushResult"];
                    };
                };
                /** @description The module file was refused: the compiler's errors */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"] & {
                            errors: components["schemas"]["CompileError"][];
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is over the limit (`AMS_ERR_REQUEST_TOO_LARGE`) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every module, without its source */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The modules */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            version: number;
                            revision: number;
                            hash: string;
                            team: string;
                            pushedBy: string;
                            monitors: string[];
                            createdAt: number;
                            updatedAt: number;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Push a module file: creates (201) or replaces (200) the module of that name */
        post: {
            parameters: {
                query?: {
                    /** @description The team of a new module (admin tokens) */
                    team?: string;
                    /** @description `true`: answer the diff, change nothing */
                    dryRun?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description The module file */
            requestBody: {
                content: {
                    "text/plain": string;
                };
            };
            responses: {
                /** @description Replaced, unchanged, or a dry run */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PushResult"];
                    };
                };
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PushResult"];
                    };
                };
                /** @description The module file was refused: the compiler's errors */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"] & {
                            errors: components["schemas"]["CompileError"][];
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is over the limit (`AMS_ERR_REQUEST_TOO_LARGE`) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{name}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Apply an earlier revision again (default: the one before the current) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                };
                cookie?: never;
            };
            /** @description `{}` or nothing: the previous one */
            requestBody?: {
                content: {
                    "application/json": {
                        revision?: number;
                    };
                };
            };
            responses: {
                /** @description Rolled back */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PushResult"] & {
                            rolledBackTo: number;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A module's current revision: the file as pushed and what it evaluated to */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The module */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Module"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Stop and remove a module */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deleted: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A module's revisions, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The revisions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            current: number | null;
                            revisions: {
                                revision: number;
                                version: number;
                                hash: string;
                                pushedBy: string;
                                pushedByTeam?: string;
                                rollbackOf?: number;
                                at: number;
                                monitors: string[];
                            }[];
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{name}/history/{revision}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One revision, with its source */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                    /** @description The revision number */
                    revision: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The revision */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revision: number;
                            version: number;
                            hash: string;
                            pushedBy: string;
                            pushedByTeam?: string;
                            rollbackOf?: number;
                            at: number;
                            monitors: string[];
                            source: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{name}/team": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Give a module (and its history) to another team (admin tokens) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        team: string;
                    };
                };
            };
            responses: {
                /** @description Moved, or already that team's */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            team: string;
                            from?: string;
                            changed: boolean;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/monitors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every monitor's status and last result, failing ones first */
        get: {
            parameters: {
                query?: {
                    /** @description Only this module's */
                    module?: string;
                    /** @description Only this team's modules' */
                    team?: string;
                    /** @description Only monitors in this status */
                    status?: string;
                    /** @description Only monitors with this tag */
                    tag?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The monitors */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            team: string;
                            monitor: string;
                            tags: string[];
                            /** @enum {string} */
                            status: "pending" | "ok" | "warning" | "critical" | "unknown";
                            since: number | null;
                            flapping: boolean;
                            suppressed: string | null;
                            lastResult: components["schemas"]["SampleResult"];
                            lastRunAt: number | null;
                            nextRunAt: number | null;
                            incident: {
                                key: string;
                                openedAt: number;
                                acknowledged: {
                                    [key: string]: unknown;
                                } | null;
                            } | null;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{module}/monitors/{monitor}/samples": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A monitor's sample history on this node, raw or in 5-minute buckets */
        get: {
            parameters: {
                query?: {
                    from?: string;
                    to?: string;
                    limit?: string;
                    consistent?: string;
                };
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The samples (`samples`) or buckets (`buckets`) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            monitor: string;
                            from: number;
                            to: number;
                            /** @enum {string} */
                            resolution: "raw" | "5m";
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/monitors/{module}/{monitor}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Acknowledge the monitor's open incident */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            /** @description `{}` or nothing: the token's name */
            requestBody?: {
                content: {
                    "application/json": {
                        by?: string;
                        incident?: string;
                    };
                };
            };
            responses: {
                /** @description Acknowledged */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The incident, as acknowledged */
                            acknowledged?: unknown;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The current state refuses it (`AMS_ERR_CONFLICT`) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/monitors/{module}/{monitor}/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The monitor's recorded changes, newest first (suppressed ones with the reason) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The transitions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            [key: string]: unknown;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/incidents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Open and recent incidents with their timelines, newest first, a page at a time */
        get: {
            parameters: {
                query?: {
                    /** @description Only this module's */
                    module?: string;
                    /** @description Only this monitor's (of any module) */
                    monitor?: string;
                    /** @description Only this team's modules' */
                    team?: string;
                    /** @description Only incidents in these states, comma-separated: open, acknowledged, resolved */
                    state?: string;
                    /** @description The page's size, 1 to 500 (default 50) */
                    limit?: string;
                    /** @description The previous page's `next` */
                    after?: string;
                    consistent?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of incidents */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            incidents: components["schemas"]["Incident"][];
                            /** @description Pass as `after` for the next page; null on the last */
                            next: string | null;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every delivery still known, newest first, with the transition it notifies */
        get: {
            parameters: {
                query?: {
                    /** @description Only this module's */
                    module?: string;
                    /** @description Only this monitor's */
                    monitor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The deliveries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            transitionId: string;
                            handler: string;
                            /** @enum {string} */
                            status: "pending" | "delivered" | "failed";
                            attempts: number;
                            transition?: unknown;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/silences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The active silences (every one kept with ?all=true) */
        get: {
            parameters: {
                query?: {
                    /** @description `true`: ended ones too */
                    all?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The silences */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            module?: string;
                            /** @default {} */
                            scope: {
                                monitors?: string[];
                                tags?: string[];
                            };
                            from: number;
                            until: number;
                            by: string;
                            /** @default  */
                            reason: string;
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Silence a module, some of its monitors, or tags, for a while */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        module?: string;
                        monitors?: string[];
                        tags?: string[];
                        for?: string;
                        until?: number | string;
                        from?: number | string;
                        /** @default  */
                        reason?: string;
                        by?: string;
                    };
                };
            };
            responses: {
                /** @description Silenced */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            module?: string;
                            /** @default {} */
                            scope: {
                                monitors?: string[];
                                tags?: string[];
                            };
                            from: number;
                            until: number;
                            by: string;
                            /** @default  */
                            reason: string;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/silences/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End a silence */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The silence's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ended */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            module?: string;
                            /** @default {} */
                            scope: {
                                monitors?: string[];
                                tags?: string[];
                            };
                            from: number;
                            until: number;
                            by: string;
                            /** @default  */
                            reason: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/monitors/{module}/{monitor}/ping-url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A heartbeat monitor's ping path (`/ping/<id>`): the id is its only credential */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The ping path */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            monitor: string;
                            /** @description The ping id: the same on every node, kept across pushes */
                            id: string;
                            /** @description `/ping/<id>`, below the API's URL */
                            path: string;
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The whole state, as a file `POST /import` reads on another cluster (admin tokens) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The export */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Export"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Import an export into this cluster: refused unless it has no modules, or ?replace=true (admin tokens) */
        post: {
            parameters: {
                query?: {
                    /** @description `true`: replace this cluster's whole state, modules included */
                    replace?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Export"];
                };
            };
            responses: {
                /** @description Imported */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            modules: number;
                            replaced: boolean;
                            source: {
                                clusterId?: string;
                                version: string;
                            };
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The current state refuses it (`AMS_ERR_CONFLICT`) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is over the limit (`AMS_ERR_REQUEST_TOO_LARGE`) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-pages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The configured status pages */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The pages */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StatusPageSummary"][];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-pages/{slug}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One status page's configuration */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The page */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            slug: string;
                            title: string;
                            /** @default  */
                            description: string;
                            logo?: {
                                /**
                                 * Format: uri
                                 * @description An https URL of the image: the page's CSP allows images from its origin
                                 */
                                url: string;
                            } | {
                                /** @enum {string} */
                                type: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml";
                                /** @description The image, base64; at most 65536 bytes decoded */
                                data: string;
                            };
                            team: string;
                            groups: {
                                name: string;
                                components: {
                                    name: string;
                                    /** @default  */
                                    description: string;
                                    select: string[];
                                }[];
                            }[];
                            /** @default 7 */
                            showResolvedDays: number;
                            createdAt: number;
                            updatedAt: number;
                            updatedBy: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Create or replace a status page (write tokens of its team, admins) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        slug: string;
                        title: string;
                        /** @default  */
                        description?: string;
                        logo?: {
                            /**
                             * Format: uri
                             * @description An https URL of the image: the page's CSP allows images from its origin
                             */
                            url: string;
                        } | {
                            /** @enum {string} */
                            type: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml";
                            /** @description The image, base64; at most 65536 bytes decoded */
                            data: string;
                        };
                        team?: string;
                        groups: {
                            name: string;
                            components: {
                                name: string;
                                /** @default  */
                                description?: string;
                                select: string[];
                            }[];
                        }[];
                        /** @default 7 */
                        showResolvedDays?: number;
                    };
                };
            };
            responses: {
                /** @description Replaced */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StatusPagePut"];
                    };
                };
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StatusPagePut"];
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a status page and its notes (write tokens of its team, admins) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deleted: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-pages/{slug}/incidents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page's incidents, maintenance and announcements (closed ones kept 90 days), newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The notes */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            page: string;
                            /** @enum {string} */
                            kind: "incident" | "maintenance" | "announcement";
                            title: string;
                            /** @enum {string} */
                            impact: "none" | "minor" | "major" | "critical";
                            /** @enum {string} */
                            status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                            components: string[];
                            startsAt?: number;
                            endsAt?: number;
                            createdAt: number;
                            updatedAt: number;
                            closedAt?: number;
                            updates: {
                                at: number;
                                /** @enum {string} */
                                status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                                message: string;
                                by: string;
                            }[];
                        }[];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Post an incident, maintenance or announcement on a page (operate tokens of its team) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @default incident
                         * @enum {string}
                         */
                        kind?: "incident" | "maintenance" | "announcement";
                        title: string;
                        /** @enum {string} */
                        impact?: "none" | "minor" | "major" | "critical";
                        /** @enum {string} */
                        status?: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                        message: string;
                        /** @default [] */
                        components?: string[];
                        startsAt?: number | string;
                        endsAt?: number | string;
                        by?: string;
                    };
                };
            };
            responses: {
                /** @description Posted */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            page: string;
                            /** @enum {string} */
                            kind: "incident" | "maintenance" | "announcement";
                            title: string;
                            /** @enum {string} */
                            impact: "none" | "minor" | "major" | "critical";
                            /** @enum {string} */
                            status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                            components: string[];
                            startsAt?: number;
                            endsAt?: number;
                            createdAt: number;
                            updatedAt: number;
                            closedAt?: number;
                            updates: {
                                at: number;
                                /** @enum {string} */
                                status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                                message: string;
                                by: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-pages/{slug}/incidents/{id}/updates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add an update to a note, changing its status, impact or title (operate tokens of its team) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                    /** @description The note's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status?: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                        /** @enum {string} */
                        impact?: "none" | "minor" | "major" | "critical";
                        title?: string;
                        message: string;
                        by?: string;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            page: string;
                            /** @enum {string} */
                            kind: "incident" | "maintenance" | "announcement";
                            title: string;
                            /** @enum {string} */
                            impact: "none" | "minor" | "major" | "critical";
                            /** @enum {string} */
                            status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                            components: string[];
                            startsAt?: number;
                            endsAt?: number;
                            createdAt: number;
                            updatedAt: number;
                            closedAt?: number;
                            updates: {
                                at: number;
                                /** @enum {string} */
                                status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                                message: string;
                                by: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-pages/{slug}/incidents/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a note posted by mistake (operate tokens of its team) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The page's slug */
                    slug: string;
                    /** @description The note's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deleted: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cluster": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The members, their health and modules: the leader's view when it can be reached */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The cluster */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cluster/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a node started with --join; answers once it is a voter (admin tokens) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        id: string;
                        /** @example 10.0.0.4:7170 */
                        raftAddress: string;
                    };
                };
            };
            responses: {
                /** @description Added */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            added: {
                                id: string;
                                /** @example 10.0.0.4:7170 */
                                raftAddress: string;
                            };
                        };
                    };
                };
                /** @description Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is over the limit (`AMS_ERR_REQUEST_TOO_LARGE`) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cluster/members/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a node; its modules move to the others (admin tokens) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The node's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            removed: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The log cannot take writes (`AMS_ERR_LOG_*`) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard's overview in one request: modules and one compact row per monitor */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The overview */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            at: number;
                            modules: {
                                name: string;
                                revision: number;
                                pushedBy: string;
                                updatedAt: number;
                                owner: string | null;
                            }[];
                            monitors: components["schemas"]["OverviewRow"][];
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{module}/monitors/{monitor}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One monitor: definition, status, incident, transitions with their deliveries */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The monitor */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            module: string;
                            monitor: string;
                            transitions: unknown[];
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/modules/{module}/monitors/{monitor}/recent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The last 30 samples of a monitor (the overview's bar) and its uptime, from the memory of the node that runs it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The module's name */
                    module: string;
                    /** @description The monitor's name */
                    monitor: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The samples, oldest first (none when the node that runs it has not run it since it started) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            samples: {
                                t: number;
                                /** @enum {string} */
                                status: "ok" | "warning" | "critical" | "unknown";
                                latencyMs: number;
                                message?: string;
                            }[];
                            uptime: {
                                h24: number | null;
                                d30: number | null;
                            };
                            module: string;
                            monitor: string;
                        };
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such module, monitor, silence or endpoint */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live changes as Server-Sent Events: hello, changes ({ at, rows }), resync */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The event stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                /** @enum {string} */
                code: "AMS_ERR_PLUGIN_OPTIONS" | "AMS_ERR_PLUGIN_UNKNOWN" | "AMS_ERR_PLUGIN_SETTINGS" | "AMS_ERR_SCHEDULE_DURATION" | "AMS_ERR_SCHEDULE_CRON" | "AMS_ERR_MODULE_INVALID" | "AMS_ERR_MODULE_NOT_FOUND" | "AMS_ERR_SILENCE_NOT_FOUND" | "AMS_ERR_STATUS_PAGE_NOT_FOUND" | "AMS_ERR_SECRET_MISSING" | "AMS_ERR_SECRET_NOT_GRANTED" | "AMS_ERR_SECRET_STORE" | "AMS_ERR_DELIVERY_FAILED" | "AMS_ERR_AUTH_REQUIRED" | "AMS_ERR_AUTH_FORBIDDEN" | "AMS_ERR_AUTH_ROLE" | "AMS_ERR_AUTH_TEAM" | "AMS_ERR_REQUEST_INVALID" | "AMS_ERR_REQUEST_TOO_LARGE" | "AMS_ERR_NOT_FOUND" | "AMS_ERR_METHOD_NOT_ALLOWED" | "AMS_ERR_CONFLICT" | "AMS_ERR_LOG_UNAVAILABLE" | "AMS_ERR_LOG_OUTCOME_UNKNOWN" | "AMS_ERR_LOG_RESULT_UNKNOWN" | "AMS_ERR_CLUSTER_TLS" | "AMS_ERR_CLUSTER_IDENTITY" | "AMS_ERR_STATE_CORRUPT" | "AMS_ERR_INTERNAL";
                message: string;
                details?: {
                    [key: string]: unknown;
                };
            };
        };
        AuditEntry: {
            index: number;
            at: number;
            action: string;
            target?: string;
            teams: string[];
            actor: {
                name: string;
                team?: string;
                role?: string;
            };
            detail?: string;
        };
        PushResult: {
            module: string;
            team: string;
            revision: number | null;
            version?: number;
            changed: boolean;
            dryRun: boolean;
            diff: {
                added: string[];
                changed: string[];
                removed: string[];
                unchanged: string[];
            };
            monitors?: string[];
        };
        CompileError: {
            line?: number;
            column?: number;
            code: string;
            message: string;
        } & {
            [key: string]: unknown;
        };
        Module: {
            name: string;
            source: string;
            /** @description What the module evaluated to */
            definition: {
                [key: string]: unknown;
            };
            version: number;
            revision: number;
            hash: string;
            pushedBy: string;
            team: string;
            createdAt: number;
            updatedAt: number;
        };
        SampleResult: {
            [key: string]: unknown;
        } | null;
        Incident: {
            key: string;
            module: string;
            monitor: string;
            team: string;
            tags: string[];
            /** @enum {string} */
            state: "open" | "acknowledged" | "resolved";
            /** @enum {string} */
            status: "ok" | "warning" | "critical" | "unknown" | "pending";
            /** @enum {string} */
            worst: "ok" | "warning" | "critical" | "unknown";
            openedAt: number;
            resolvedAt: number | null;
            acknowledged: {
                name: string;
                team: string | null;
                at: number;
            } | null;
            /** @description False when its oldest events are no longer kept */
            complete: boolean;
            events: components["schemas"]["IncidentEvent"][];
        };
        IncidentEvent: {
            /** @enum {string} */
            type: "opened" | "worsened" | "improved" | "flapping" | "reminded" | "escalated" | "acknowledged" | "silenced" | "resolved";
            at: number;
            /** @enum {string} */
            status: "ok" | "warning" | "critical" | "unknown" | "pending";
            message: string | null;
            by: {
                name: string;
                team: string | null;
            } | null;
            suppressed: string | null;
            silence: {
                id: string;
                from: number;
                until: number;
                reason: string;
            } | null;
            notifications: {
                handler: string;
                /** @enum {string} */
                status: "pending" | "delivered" | "failed";
                attempts: number;
                deliveredAt: number | null;
                lastError: string | null;
            }[];
        };
        Export: {
            /** @enum {string} */
            format: "amstaff-export";
            /** @enum {number} */
            version: 1;
            /** Format: date-time */
            exportedAt: string;
            source: {
                clusterId?: string;
                version: string;
            };
            state: {
                modules: ({
                    name: string;
                    source: string;
                    definition: {
                        monitors: ({
                            name: string;
                        } & {
                            [key: string]: unknown;
                        })[];
                    } & {
                        [key: string]: unknown;
                    };
                    version: number;
                    revision: number;
                    hash: string;
                    pushedBy: string;
                    team: string;
                    createdAt: number;
                    updatedAt: number;
                } & {
                    [key: string]: unknown;
                })[];
                history: [
                    string,
                    ({
                        revision: number;
                        version: number;
                        hash: string;
                        pushedBy: string;
                        at: number;
                        source: string;
                        monitors: string[];
                    } & {
                        [key: string]: unknown;
                    })[]
                ][];
                teams: [
                    string,
                    string
                ][];
                monitors: ({
                    module: string;
                    monitor: string;
                    status: string;
                } & {
                    [key: string]: unknown;
                })[];
                transitions: ({
                    id: string;
                    module: string;
                    monitor: string;
                    tags: string[];
                    from: string;
                    to: string;
                    since: number;
                    result: {
                        status: string;
                    } & {
                        [key: string]: unknown;
                    };
                    kind: string;
                    at: number;
                } & {
                    [key: string]: unknown;
                })[];
                deliveries: ({
                    id: string;
                    transitionId: string;
                    module: string;
                    monitor: string;
                    handlerIndex: number;
                    handler: {
                        [key: string]: unknown;
                    };
                    /** @enum {string} */
                    status: "pending" | "delivered" | "failed";
                    attempts: number;
                    nextAttemptAt: number;
                } & {
                    [key: string]: unknown;
                })[];
                silences: {
                    id: string;
                    module?: string;
                    /** @default {} */
                    scope: {
                        monitors?: string[];
                        tags?: string[];
                    };
                    from: number;
                    until: number;
                    by: string;
                    /** @default  */
                    reason: string;
                }[];
                audit: ({
                    index: number;
                    at: number;
                    action: string;
                    teams: string[];
                    actor: {
                        name: string;
                    } & {
                        [key: string]: unknown;
                    };
                } & {
                    [key: string]: unknown;
                })[];
                heartbeats?: {
                    secret?: string;
                    records: [
                        string,
                        {
                            [key: string]: unknown;
                        }
                    ][];
                } & {
                    [key: string]: unknown;
                };
                groups?: ({
                    id: string;
                    key: string;
                    module: string;
                    members: string[];
                    dueAt: number;
                } & {
                    [key: string]: unknown;
                })[];
                statusPages?: {
                    pages: {
                        slug: string;
                        title: string;
                        /** @default  */
                        description: string;
                        logo?: {
                            /**
                             * Format: uri
                             * @description An https URL of the image: the page's CSP allows images from its origin
                             */
                            url: string;
                        } | {
                            /** @enum {string} */
                            type: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml";
                            /** @description The image, base64; at most 65536 bytes decoded */
                            data: string;
                        };
                        team: string;
                        groups: {
                            name: string;
                            components: {
                                name: string;
                                /** @default  */
                                description: string;
                                select: string[];
                            }[];
                        }[];
                        /** @default 7 */
                        showResolvedDays: number;
                        createdAt: number;
                        updatedAt: number;
                        updatedBy: string;
                    }[];
                    notes: {
                        id: string;
                        page: string;
                        /** @enum {string} */
                        kind: "incident" | "maintenance" | "announcement";
                        title: string;
                        /** @enum {string} */
                        impact: "none" | "minor" | "major" | "critical";
                        /** @enum {string} */
                        status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                        components: string[];
                        startsAt?: number;
                        endsAt?: number;
                        createdAt: number;
                        updatedAt: number;
                        closedAt?: number;
                        updates: {
                            at: number;
                            /** @enum {string} */
                            status: "investigating" | "identified" | "monitoring" | "resolved" | "scheduled" | "in_progress" | "completed" | "active";
                            message: string;
                            by: string;
                        }[];
                    }[];
                };
            };
        };
        StatusPageSummary: {
            slug: string;
            title: string;
            team: string;
            components: number;
            /** @description The public page's path */
            url: string;
            updatedAt: number;
            updatedBy: string;
        };
        StatusPagePut: {
            page: {
                slug: string;
                title: string;
                /** @default  */
                description: string;
                logo?: {
                    /**
                     * Format: uri
                     * @description An https URL of the image: the page's CSP allows images from its origin
                     */
                    url: string;
                } | {
                    /** @enum {string} */
                    type: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml";
                    /** @description The image, base64; at most 65536 bytes decoded */
                    data: string;
                };
                team: string;
                groups: {
                    name: string;
                    components: {
                        name: string;
                        /** @default  */
                        description: string;
                        select: string[];
                    }[];
                }[];
                /** @default 7 */
                showResolvedDays: number;
                createdAt: number;
                updatedAt: number;
                updatedBy: string;
            };
            created: boolean;
            warnings: string[];
        };
        OverviewRow: {
            m: string;
            n: string;
            /** @enum {string} */
            s: "ok" | "warning" | "critical" | "unknown" | "pending";
            since: number | null;
            tags: string[];
            lat: number | null;
            v: number | null;
            run: number | null;
            msg?: string;
            ack?: boolean;
            /** @enum {boolean} */
            flap?: true;
            sup?: string;
            hs?: string;
            hl?: number[];
            u24?: number | null;
            u30?: number | null;
            /** @enum {boolean} */
            gone?: true;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
