import { CaseDef } from '../types';
import { runtimeCases } from './runtime';

export function allCases(): CaseDef[] {
  return [...runtimeCases];
}
