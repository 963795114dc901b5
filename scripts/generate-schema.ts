import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchemas } from '../src/config/json-schema';

/** Writes pipelines/schema.json and pipelines/factory.schema.json (`npm run schema`). */
const dir = path.join(__dirname, '..', 'pipelines');
for (const [file, schema] of Object.entries(configJsonSchemas())) {
  fs.writeFileSync(path.join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote pipelines/${file}\n`);
}
