import { Document, LineCounter, parseDocument, isMap, isNode } from 'yaml';
import type { ConfigProblem } from './config-error';

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

  /** YAML syntax errors, each with its line. */
  syntaxProblems(): ConfigProblem[] {
    return this.document.errors.map((error) => ({
      file: this.file,
      field: '',
      message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      line: error.linePos?.[0]?.line,
    }));
  }

  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 50 });
  }

  /** The line of the deepest existing node on `path` (the field itself, or its nearest parent). */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return this.lineCounter.linePos(node.range[0]).line;
      if (depth === 0 && isMap(this.document.contents) && this.document.contents.range) {
        return this.lineCounter.linePos(this.document.contents.range[0]).line;
      }
    }
    return undefined;
  }
}
