// import.meta in the CommonJS bundle (scripts/bundle.mjs defines every
// `import.meta` as this): `url` is the file: URL of the bundle file that holds
// the code, as in the ESM sources. Modules that find the package's files from
// where they live (rules/, docs/, package.json) then read the same relative
// paths from src/, dist/ and dist/bundle/, all two levels below the root.
// A getter: nothing is computed at start-up unless a module asks.
export const import_meta = {
  get url() {
    return require('node:url').pathToFileURL(__filename).href;
  },
};
