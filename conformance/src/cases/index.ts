import { CaseDef } from '../types';
import { runtimeCases } from './runtime';
import { hookCases } from './hooks';
import { configCases } from './config';
import { linuxCases } from './linux';
import { mountOptionCases } from './mount-options';
import { featureCases } from './features';

export function allCases(): CaseDef[] {
  return [...runtimeCases, ...hookCases, ...configCases, ...linuxCases, ...mountOptionCases(), ...featureCases];
}
