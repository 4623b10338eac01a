/**
 * Help text for `skiff --help`, `skiff help <command>` and `skiff <command> --help`,
 * laid out like runc's (NAME / USAGE / DESCRIPTION / OPTIONS sections).
 */
import type { FlagSpec } from './argv';
import { defaultRoot } from './context';
import { COMMANDS, GLOBAL_FLAGS, type CommandSpec } from './program';
import { SKIFF_VERSION } from './version';

const ABOUT = `skiff is an Open Container Initiative runtime: it creates and runs containers
described by OCI bundles, and is a drop-in replacement for runc.

A bundle is a directory holding a specification file named "config.json" and a
root filesystem. To run a container from a bundle:

    # skiff run [ -b bundle ] <container-id>

The container id must be unique on this host. The bundle defaults to the current
directory.`;

function shownDefault(flag: FlagSpec): string {
  if (flag.name === 'root' && flag.default === undefined) return ` (default: "${defaultRoot()}")`;
  const d = flag.default;
  if (d === undefined || flag.kind === 'bool' || Array.isArray(d)) return '';
  if (flag.kind === 'string') return d === '' ? '' : ` (default: "${d}")`;
  if (flag.kind === 'duration') return ` (default: ${formatDuration(d as number)})`;
  return ` (default: ${d})`;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms !== 0) return `${ms / 3_600_000}h0m0s`;
  if (ms % 60_000 === 0 && ms !== 0) return `${ms / 60_000}m0s`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function flagTitle(flag: FlagSpec): string {
  const value = flag.kind === 'bool' ? '' : ' value';
  const names = [`--${flag.name}${value}`];
  if (flag.alias) names.push(`-${flag.alias}${value}`);
  return names.join(', ');
}

function optionLines(flags: FlagSpec[]): string {
  const visible = flags.filter((f) => !f.hidden);
  const titles = visible.map(flagTitle);
  const width = Math.max(0, ...titles.map((t) => t.length));
  return visible.map((f, i) => `   ${titles[i].padEnd(width)}  ${f.usage}${shownDefault(f)}`).join('\n');
}

export function appHelp(): string {
  const names = COMMANDS.map((c) => [c.name, ...(c.aliases ?? [])].join(', '));
  names.push('help, h');
  const summaries = [...COMMANDS.map((c) => c.summary), 'show a list of commands or help for one command'];
  const width = Math.max(...names.map((n) => n.length));
  const commands = names.map((n, i) => `   ${n.padEnd(width)}  ${summaries[i]}`).join('\n');
  return [
    'NAME:',
    '   skiff - Open Container Initiative runtime',
    '',
    ABOUT,
    '',
    'USAGE:',
    '   skiff [global options] command [command options] [arguments...]',
    '',
    'VERSION:',
    `   ${SKIFF_VERSION}`,
    '',
    'COMMANDS:',
    commands,
    '',
    'GLOBAL OPTIONS:',
    optionLines(GLOBAL_FLAGS),
    '',
  ].join('\n');
}

export function commandHelp(cmd: CommandSpec): string {
  const usage = [`skiff ${cmd.name}`];
  if (cmd.flags.length > 0) usage.push('[command options]');
  if (cmd.argsUsage) usage.push(cmd.argsUsage);
  const lines = ['NAME:', `   skiff ${cmd.name} - ${cmd.summary}`, '', 'USAGE:', `   ${usage.join(' ')}`, ''];
  if (cmd.description) lines.push('DESCRIPTION:', `   ${cmd.description.replace(/\n/g, '\n   ')}`, '');
  if (cmd.flags.some((f) => !f.hidden)) lines.push('OPTIONS:', optionLines(cmd.flags), '');
  return lines.join('\n');
}
