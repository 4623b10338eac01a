import type { Ctx } from './ctx';
import type { Level } from './requirements';

export interface CaseDef {
  /** Unique, named after what it checks, e.g. "delete/refuses-a-running-container". */
  name: string;
  /** Requirement ids (requirements.json); the first one tags the case with its file and section. */
  reqs: string[];
  /** Defaults to the level of the first requirement. */
  level?: Level;
  /** Per-case time limit (default 60 s). */
  timeoutMs?: number;
  run(t: Ctx): Promise<void>;
}

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  name: string;
  runtime: string;
  outcome: Outcome;
  reason?: string;
  ms: number;
  level: Level;
  file: string;
  section: string;
  reqs: string[];
}
