// An entry of the ES module build (dist/lazy-yaml.js), so that the CommonJS
// CLI loads the YAML parser only for a .yaml description (scripts/build.js).
// A default export: `export *` of a CommonJS package names nothing.
import * as yaml from 'yaml';

export default yaml;
