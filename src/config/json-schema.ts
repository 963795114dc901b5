import { z } from 'zod';
import { environmentSchema, factorySchema } from './schema';

/** The published JSON Schemas (editor autocomplete), generated from the same zod schemas the loader uses. */
export function configJsonSchemas(): {
  readonly 'schema.json': object;
  readonly 'factory.schema.json': object;
} {
  const render = (schema: z.ZodType, title: string): object => ({
    title,
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }),
  });
  return {
    'schema.json': render(environmentSchema, 'tfpf environment (pipelines/<env>.yaml)'),
    'factory.schema.json': render(factorySchema, 'tfpf factory settings (pipelines/factory.yaml)'),
  };
}
