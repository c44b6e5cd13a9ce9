// Build step: validates every rules/*.yaml against rules/schema.json (and the
// catalog's own checks), so a broken rule fails `npm run build`, not a user's run.
import { loadCatalog } from '../dist/logs/index.js';

try {
  const catalog = loadCatalog();
  console.log(`rules: ${catalog.rules.length} valid`);
} catch (err) {
  console.error(`rules: ${err.message}`);
  process.exit(1);
}
