import { CaseDef } from '../types';
import { runtimeCases } from './runtime';
import { hookCases } from './hooks';

export function allCases(): CaseDef[] {
  return [...runtimeCases, ...hookCases];
}
