import { CaseDef } from '../types';
import { runtimeCases } from './runtime';
import { hookCases } from './hooks';
import { configCases } from './config';
import { linuxCases } from './linux';

export function allCases(): CaseDef[] {
  return [...runtimeCases, ...hookCases, ...configCases, ...linuxCases];
}
