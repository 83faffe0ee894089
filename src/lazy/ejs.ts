// An entry of the ES module build (dist/lazy-ejs.js), so that the CommonJS
// CLI loads the template engine only for --templates (scripts/build.js).
export { default } from 'ejs';
