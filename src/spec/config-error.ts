/**
 * A document (config.json, process.json, state, features) that is not valid.
 * The message always has the form `<document>: <field>: <problem>` (or `<document>: <problem>` for the
 * whole document), e.g. `config.json: linux.namespaces[2].type: must be one of pid, network, ...`.
 */
export class ConfigError extends Error {
  constructor(
    /** Label of the document, usually its file name. */
    readonly document: string,
    /** Field path from the document root such as `process.args`, or '' for the whole document. */
    readonly field: string,
    /** What is wrong with that field. */
    readonly problem: string,
  ) {
    super(field ? `${document}: ${field}: ${problem}` : `${document}: ${problem}`);
    this.name = 'ConfigError';
  }
}
