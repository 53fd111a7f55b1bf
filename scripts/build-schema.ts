import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { joinSchemaParts, ROOT } from '../src/schema-parts';

writeFileSync(join(ROOT, 'schema.graphql'), joinSchemaParts());
