import { Document, LineCounter, parseDocument, isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import type { ConfigProblem } from './config-error';
import { formatFieldPath } from './schema-paths';

/**
 * Aliases (`*name`) a file may use before it is refused. Each alias expands its anchor's whole value: a few
 * nested anchors of lists of aliases ("billion laughs") would otherwise build gigabytes of objects.
 */
export const MAX_ALIAS_COUNT = 50;

/**
 * Mapping keys that are JavaScript object internals. `__proto__` is not a regular key of a plain object (an
 * assignment replaces the prototype, so the entry vanishes), and `constructor`/`prototype` read like inherited
 * members of every object; none is a sensible name for anything in the configuration, so each is an error.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed YAML file that can locate a field path back to its line. */
export class YamlSource {
  private readonly lineCounter = new LineCounter();
  private readonly document: Document;

  constructor(
    public readonly file: string,
    text: string,
  ) {
    // YAML 1.2 core schema: `yes`/`no` stay strings, duplicate keys are errors, numbers stay numbers
    // (so an unquoted account ID is detected, never silently converted).
    this.document = parseDocument(text, {
      lineCounter: this.lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      version: '1.2',
      schema: 'core',
    });
  }

  /** YAML syntax errors, each with its line, then mapping keys that are JavaScript object internals. */
  syntaxProblems(): ConfigProblem[] {
    const syntax = this.document.errors.map((error) => ({
      file: this.file,
      field: '',
      message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      line: this.lineCounter.linePos(error.pos[0]).line,
    }));
    return syntax.length > 0 ? syntax : this.reservedKeyProblems();
  }

  /**
   * The file as plain data, or a problem when its aliases expand beyond MAX_ALIAS_COUNT. Call after
   * syntaxProblems() returned none.
   */
  toJS(): { readonly data: unknown } | { readonly problem: ConfigProblem } {
    try {
      return { data: this.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (error) {
      // The yaml library throws a ReferenceError ("Excessive alias count ...") when the limit is passed.
      if (error instanceof ReferenceError && /alias/i.test(error.message)) {
        return {
          problem: {
            file: this.file,
            field: '',
            message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} alias references, the pattern of an alias bomb); write the values out instead of referencing anchors`,
          },
        };
      }
      throw error;
    }
  }

  /** Whether the file sets `path` (a default does not count). */
  has(path: readonly PropertyKey[]): boolean {
    return this.document.hasIn(path as unknown[]);
  }

  /** The line of the deepest existing node on `path` (the field itself, or its nearest parent). */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node)) return this.lineAt(node);
    }
    return undefined;
  }

  /** The line a parsed node starts on (every node parsed from text has its range). */
  private lineAt(node: Node): number | undefined {
    return node.range ? this.lineCounter.linePos(node.range[0]).line : undefined;
  }

  private reservedKeyProblems(): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const walk = (node: unknown, path: readonly PropertyKey[]): void => {
      // An alias (`*name`) is neither a list nor a mapping: its anchor is walked where it is defined.
      if (isSeq(node)) {
        node.items.forEach((item, index) => walk(item, [...path, index]));
        return;
      }
      if (!isMap(node)) return;
      for (const pair of node.items) {
        if (!isScalar(pair.key)) {
          walk(pair.value, path); // a list or mapping as a key: its value has no field name of its own
          continue;
        }
        const key = String(pair.key.value);
        if (RESERVED_KEYS.has(key)) {
          problems.push({
            file: this.file,
            field: formatFieldPath([...path, key]),
            message: `"${key}" is a reserved key (JavaScript object internals) and cannot be used as a name or setting; rename it`,
            line: this.lineAt(pair.key),
          });
          continue;
        }
        walk(pair.value, [...path, key]);
      }
    };
    walk(this.document.contents, []);
    return problems;
  }
}
