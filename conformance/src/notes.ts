/**
 * Why a requirement has no case. Keyed by requirement id; `autoNote` covers
 * whole families (field declarations, annotation value rules) by pattern.
 */
import { Requirement } from './requirements';

export interface Note {
  status: 'not testable' | 'not yet tested';
  reason: string;
}

const AUTHOR = 'a rule for whoever writes config.json, not for the runtime';

export const NOTES: Record<string, Note> = {};

export function autoNote(req: Requirement): Note | undefined {
  const onlyRequired = req.keywords.length === 1 && req.keywords[0] === 'REQUIRED';
  if (onlyRequired && /^config/.test(req.file)) {
    return {
      status: 'not testable',
      reason: `field declaration (${AUTHOR}); runtimes rejecting invalid configs is config/valid-values`,
    };
  }
  if (/^`org\.opencontainers\.image\./.test(req.text)) {
    return { status: 'not testable', reason: `annotation value rule (${AUTHOR})` };
  }
  return undefined;
}
