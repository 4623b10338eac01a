/** Builds human-readable field paths such as `linux.namespaces[2].type` or `annotations["com.example"]`. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an object key (`.key`, or `["odd.key"]` when it is not a plain identifier). */
export function fieldKey(base: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** Appends an array index. */
export function fieldIndex(base: string, index: number): string {
  return `${base}[${index}]`;
}

/**
 * Converts a JSON pointer (as reported by ajv) into a field path. The data is walked alongside so that
 * numeric segments become `[n]` only where they index an array, and stay keys inside maps.
 */
export function fieldFromPointer(pointer: string, data: unknown): string {
  if (pointer === '') return '';
  let field = '';
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(segment)) {
      field = fieldIndex(field, Number(segment));
      node = node[Number(segment)];
    } else {
      field = fieldKey(field, segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return field;
}
